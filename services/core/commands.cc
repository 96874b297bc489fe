#include "services/core/commands.h"
#include "absl/strings/string_view.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "services/common/status.h"
#include "services/core/ids.h"

namespace hotdesk {
namespace {

void CheckTenant(const std::string& tenant, FieldViolations* v) {
  if (auto p = TenantProblem(tenant); !p.empty()) v->Add("tenant", p);
}
void CheckId(absl::string_view field, const std::string& id, FieldViolations* v) {
  if (auto p = IdProblem(id); !p.empty()) v->Add(field, p);
}
void CheckRequestId(const std::string& id, FieldViolations* v) {
  if (!id.empty()) CheckId("request_id", id, v);
}

// A canonical encoding of a request's fields: each one length-prefixed ("<bytes>:<field>"), so
// no two different field lists encode alike whatever bytes the fields hold.
class Canonical {
 public:
  Canonical& Add(absl::string_view field) {
    absl::StrAppend(&out_, field.size(), ":", field);
    return *this;
  }
  Canonical& Add(int64_t n) { return Add(absl::StrCat(n)); }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

}  // namespace

std::string EstablishCommand::Fingerprint() const {
  Canonical c;
  c.Add("E").Add(host).Add(guest).Add(source).Add(reject_host_busy).Add(reject_guest_elsewhere);
  c.Add(limit.has_duration() ? "d" : limit.has_daily() ? "z" : "-");
  c.Add(limit.duration().seconds()).Add(limit.duration().nanos());
  c.Add(limit.daily().hour()).Add(limit.daily().minute()).Add(limit.daily().time_zone());
  c.Add(static_cast<int64_t>(attributes.size()));
  for (const auto& [k, val] : attributes) c.Add(k).Add(val);
  return c.Take();
}

std::string CancelCommand::Fingerprint() const {
  return Canonical().Add("C").Add(host).Add(guest).Add(reason).Add(source).Take();
}

absl::StatusOr<std::vector<int64_t>> DailyLogoutCandidates(const v1::DailyLogout& daily,
                                                           absl::Time around) {
  absl::TimeZone tz;
  if (!absl::LoadTimeZone(daily.time_zone(), &tz)) {
    return absl::InvalidArgumentError(absl::StrCat("unknown time zone ", daily.time_zone()));
  }
  absl::CivilDay day = absl::ToCivilDay(around, tz);
  std::vector<int64_t> out;
  for (int i = -2; i <= 2; ++i) {
    absl::CivilDay d = day + i;
    absl::TimeZone::TimeInfo info =
        tz.At(absl::CivilSecond(d.year(), d.month(), d.day(), daily.hour(), daily.minute(), 0));
    absl::Time t = info.kind == absl::TimeZone::TimeInfo::SKIPPED ? info.trans : info.pre;
    int64_t ms = absl::ToUnixMillis(t);
    if (out.empty() || ms > out.back()) out.push_back(ms);
  }
  return out;
}

int64_t FirstDailyLogoutAfter(const std::vector<int64_t>& candidates_ms, int64_t now_ms) {
  for (int64_t at : candidates_ms)
    if (at > now_ms) return at;
  return 0;
}

absl::StatusOr<EstablishCommand> PrepareEstablish(const v1::EstablishRequest& req,
                                                  const LimitRules& rules, absl::Time now) {
  FieldViolations v;
  CheckTenant(req.tenant(), &v);
  CheckId("host", req.host(), &v);
  CheckId("guest", req.guest(), &v);
  CheckRequestId(req.request_id(), &v);
  if (!v1::Source_IsValid(req.source()) || req.source() == v1::SOURCE_EXPIRY)
    v.Add("source", "must be API, CSTA, XSP or FEATURE_CODE");
  if (!v1::HostBusyPolicy_IsValid(req.on_host_busy())) v.Add("on_host_busy", "unknown policy");
  if (!v1::GuestElsewherePolicy_IsValid(req.on_guest_elsewhere()))
    v.Add("on_guest_elsewhere", "unknown policy");
  if (req.attributes_size() > 16) v.Add("attributes", "at most 16 entries");
  for (const auto& [k, val] : req.attributes()) {
    if (auto p = AttributeKeyProblem(k); !p.empty()) v.Add(absl::StrCat("attributes[", k, "]"), p);
    if (val.size() > 256) v.Add(absl::StrCat("attributes[", k, "]"), "values at most 256 bytes");
  }

  EstablishCommand cmd;
  if (req.has_limit()) {
    const auto& limit = req.limit();
    if (limit.has_duration()) {
      absl::Duration d =
          absl::Seconds(limit.duration().seconds()) + absl::Nanoseconds(limit.duration().nanos());
      absl::Duration granularity = std::min(rules.min_duration, absl::Hours(1));
      if (d < rules.min_duration || d > rules.max_duration) {
        v.Add("limit.duration",
              absl::StrCat("must be between ", absl::FormatDuration(rules.min_duration), " and ",
                           absl::FormatDuration(rules.max_duration)));
      } else if (absl::Duration rem;
                 absl::IDivDuration(d, granularity, &rem) >= 0 && rem != absl::ZeroDuration()) {
        v.Add("limit.duration",
              absl::StrCat("must be a whole number of ", absl::FormatDuration(granularity)));
      } else {
        cmd.limit_ms = absl::ToInt64Milliseconds(absl::Seconds(limit.duration().seconds()) +
                                                 absl::Nanoseconds(limit.duration().nanos()));
      }
    } else if (limit.has_daily()) {
      const auto& daily = limit.daily();
      absl::TimeZone tz;
      if (daily.time_zone().empty()) {
        v.Add("limit.daily.time_zone", "required (an IANA name such as Europe/Berlin)");
      } else if (!absl::LoadTimeZone(daily.time_zone(), &tz)) {
        v.Add("limit.daily.time_zone", "unknown IANA time zone");
      }
      if (daily.hour() < 0 || daily.hour() > 23) v.Add("limit.daily.hour", "must be 0-23");
      if (daily.minute() < 0 || daily.minute() > 59) v.Add("limit.daily.minute", "must be 0-59");
      if (v.empty()) {
        auto at = DailyLogoutCandidates(daily, now);
        if (!at.ok()) return at.status();
        cmd.daily_logout_ms = std::move(*at);
      }
    } else {
      v.Add("limit", "set duration or daily");
    }
  }
  if (!v.empty()) return v.ToStatus();

  cmd.tenant = req.tenant();
  cmd.host = req.host();
  cmd.guest = req.guest();
  cmd.source = req.source() == v1::SOURCE_UNSPECIFIED ? v1::SOURCE_API : req.source();
  cmd.request_id = req.request_id();
  cmd.reject_host_busy = req.on_host_busy() == v1::HOST_BUSY_POLICY_REJECT;
  cmd.reject_guest_elsewhere = req.on_guest_elsewhere() == v1::GUEST_ELSEWHERE_POLICY_REJECT;
  if (req.has_limit()) cmd.limit = req.limit();
  cmd.attributes.insert(req.attributes().begin(), req.attributes().end());
  return cmd;
}

absl::StatusOr<CancelCommand> PrepareCancel(const v1::CancelRequest& req) {
  FieldViolations v;
  CheckTenant(req.tenant(), &v);
  if (req.host().empty() && req.guest().empty()) {
    v.Add("host", "host or guest is required");
  } else {
    if (!req.host().empty()) CheckId("host", req.host(), &v);
    if (!req.guest().empty()) CheckId("guest", req.guest(), &v);
  }
  CheckRequestId(req.request_id(), &v);
  if (!v1::CancelReason_IsValid(req.reason()) || req.reason() == v1::CANCEL_REASON_SUPERSEDED ||
      req.reason() == v1::CANCEL_REASON_EXPIRED)
    v.Add("reason", "must be LOGOUT, FORCED or EXTERNAL");
  if (!v1::Source_IsValid(req.source()) || req.source() == v1::SOURCE_EXPIRY)
    v.Add("source", "must be API, CSTA, XSP or FEATURE_CODE");
  if (!v.empty()) return v.ToStatus();
  CancelCommand cmd;
  cmd.tenant = req.tenant();
  cmd.host = req.host();
  cmd.guest = req.guest();
  cmd.reason =
      req.reason() == v1::CANCEL_REASON_UNSPECIFIED ? v1::CANCEL_REASON_LOGOUT : req.reason();
  cmd.source = req.source() == v1::SOURCE_UNSPECIFIED ? v1::SOURCE_API : req.source();
  cmd.request_id = req.request_id();
  return cmd;
}

absl::StatusOr<GetQuery> PrepareGet(const v1::GetAssociationRequest& req) {
  FieldViolations v;
  CheckTenant(req.tenant(), &v);
  if (req.host().empty() == req.guest().empty()) {
    v.Add("host", "give exactly one of host and guest");
  } else if (!req.host().empty()) {
    CheckId("host", req.host(), &v);
  } else {
    CheckId("guest", req.guest(), &v);
  }
  if (!v.empty()) return v.ToStatus();
  return GetQuery{req.tenant(), req.host(), req.guest()};
}

absl::StatusOr<int> EffectivePageSize(int page_size) {
  if (page_size < 0) {
    FieldViolations v;
    v.Add("page_size", "must not be negative");
    return v.ToStatus();
  }
  if (page_size == 0) return kDefaultPageSize;
  return std::min(page_size, kMaxPageSize);
}

absl::StatusOr<PageQuery> PreparePage(const std::string& tenant, int page_size,
                                      const std::string& page_token) {
  FieldViolations v;
  CheckTenant(tenant, &v);
  if (page_size < 0) v.Add("page_size", "must not be negative");
  if (!v.empty()) return v.ToStatus();
  return PageQuery{tenant, *EffectivePageSize(page_size), page_token};
}

std::string SourceName(v1::Source s) {
  std::string n = v1::Source_Name(s);
  return n.rfind("SOURCE_", 0) == 0 ? n.substr(7) : n;
}
std::string ReasonName(v1::CancelReason r) {
  std::string n = v1::CancelReason_Name(r);
  return n.rfind("CANCEL_REASON_", 0) == 0 ? n.substr(14) : n;
}
std::string EventTypeName(v1::EventType t) {
  std::string n = v1::EventType_Name(t);
  return n.rfind("EVENT_TYPE_", 0) == 0 ? n.substr(11) : n;
}

}  // namespace hotdesk
