#include "services/store/redis/record_codec.h"
#include "absl/strings/string_view.h"

#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/core/stream_id.h"
#include "services/store/store_util.h"

namespace hotdesk {
namespace {

// Percent-escapes the separators so that any attribute byte survives.
std::string Escape(absl::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '%' || c == '\t' || c == '=' || c == '&' || c == '\n' || c == '\r') {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", static_cast<unsigned char>(c));
      out += buf;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string Unescape(absl::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int v = 0;
      if (absl::SimpleHexAtoi(s.substr(i + 1, 2), &v)) {
        out.push_back(static_cast<char>(v));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

}  // namespace

std::string EncodeRecordTail(const v1::AssociationLimit& limit,
                             const std::map<std::string, std::string>& attributes) {
  std::string out;
  if (limit.has_duration()) {
    absl::StrAppend(&out, "d",
                    limit.duration().seconds() * 1000 + limit.duration().nanos() / 1000000);
  } else if (limit.has_daily()) {
    absl::StrAppend(&out, "z", limit.daily().hour(), ":", limit.daily().minute(), ":",
                    limit.daily().time_zone());
  }
  out += "\t";
  bool first = true;
  for (const auto& [k, v] : attributes) {
    if (!first) out += "&";
    first = false;
    absl::StrAppend(&out, Escape(k), "=", Escape(v));
  }
  return out;
}

std::string EncodeRecordHead(const std::string& guest, int64_t since_ms, int64_t expire_ms,
                             v1::Source source, const std::string& cursor) {
  return absl::StrCat(guest, "\t", since_ms, "\t", expire_ms, "\t", static_cast<int>(source), "\t",
                      cursor, "\t");
}

absl::StatusOr<v1::Association> DecodeRecord(const std::string& tenant, const std::string& host,
                                             const std::string& record,
                                             const std::string& cursor_override) {
  std::vector<absl::string_view> f = absl::StrSplit(record, '\t');
  if (f.size() != 7) return absl::DataLossError(absl::StrCat("bad association record for ", host));
  v1::Association a;
  a.set_tenant(tenant);
  a.set_host(host);
  a.set_guest(std::string(f[0]));
  int64_t since = 0, exp = 0;
  int source = 0;
  if (!absl::SimpleAtoi(f[1], &since) || !absl::SimpleAtoi(f[2], &exp) ||
      !absl::SimpleAtoi(f[3], &source))
    return absl::DataLossError(absl::StrCat("bad association record for ", host));
  *a.mutable_establish_time() = TimestampFromMillis(since);
  if (exp > 0) *a.mutable_expire_time() = TimestampFromMillis(exp);
  a.set_source(static_cast<v1::Source>(source));
  a.set_cursor(f[4].empty() ? cursor_override : std::string(f[4]));
  absl::string_view limit = f[5];
  if (!limit.empty() && limit[0] == 'd') {
    int64_t ms = 0;
    if (absl::SimpleAtoi(limit.substr(1), &ms)) {
      a.mutable_limit()->mutable_duration()->set_seconds(ms / 1000);
      a.mutable_limit()->mutable_duration()->set_nanos(static_cast<int32_t>((ms % 1000) * 1000000));
    }
  } else if (!limit.empty() && limit[0] == 'z') {
    std::vector<absl::string_view> z = absl::StrSplit(limit.substr(1), absl::MaxSplits(':', 2));
    int h = 0, m = 0;
    if (z.size() == 3 && absl::SimpleAtoi(z[0], &h) && absl::SimpleAtoi(z[1], &m)) {
      auto* d = a.mutable_limit()->mutable_daily();
      d->set_hour(h);
      d->set_minute(m);
      d->set_time_zone(std::string(z[2]));
    }
  }
  if (!f[6].empty()) {
    for (absl::string_view kv : absl::StrSplit(f[6], '&')) {
      size_t eq = kv.find('=');
      if (eq == absl::string_view::npos) continue;
      (*a.mutable_attributes())[Unescape(kv.substr(0, eq))] = Unescape(kv.substr(eq + 1));
    }
  }
  return a;
}

absl::StatusOr<EventPtr> DecodeStreamEntry(const std::string& tenant, const redisReply* entry) {
  if (entry->type != REDIS_REPLY_ARRAY || entry->elements != 2 ||
      entry->element[1]->type != REDIS_REPLY_ARRAY)
    return absl::DataLossError("bad stream entry");
  std::string id(entry->element[0]->str, entry->element[0]->len);
  const redisReply* fields = entry->element[1];
  std::string type, host, record, reqid;
  int reason = 0, source = 0;
  for (size_t i = 0; i + 1 < fields->elements; i += 2) {
    absl::string_view k(fields->element[i]->str, fields->element[i]->len);
    std::string v(fields->element[i + 1]->str, fields->element[i + 1]->len);
    if (k == "t")
      type = v;
    else if (k == "h")
      host = v;
    else if (k == "a")
      record = v;
    else if (k == "q")
      reqid = v;
    else if (k == "r")
      (void)absl::SimpleAtoi(v, &reason);
    else if (k == "s")
      (void)absl::SimpleAtoi(v, &source);
  }
  auto assoc = DecodeRecord(tenant, host, record, id);
  if (!assoc.ok()) return assoc.status();
  auto sid = StreamId::Parse(id);
  if (!sid) return absl::DataLossError("bad stream id");
  bool established = type == "E";
  return MakeEvent(
      id, established ? v1::EVENT_TYPE_ESTABLISHED : v1::EVENT_TYPE_CANCELLED, *assoc,
      established ? v1::CANCEL_REASON_UNSPECIFIED : static_cast<v1::CancelReason>(reason),
      static_cast<v1::Source>(source), static_cast<int64_t>(sid->ms), reqid);
}

}  // namespace hotdesk
