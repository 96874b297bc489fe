// hotdeskctl establish | cancel | get | list | watch
#include <iostream>

#include "absl/flags/flag.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "hotdesk/v1/associations.grpc.pb.h"
#include "services/cli/cli.h"
#include "services/core/commands.h"

ABSL_FLAG(std::string, host, "", "host id (cancel, get, watch filter)");
ABSL_FLAG(std::string, guest, "", "guest id (cancel, get, watch filter)");
ABSL_FLAG(std::string, source, "api", "establish/cancel source: api|csta|xsp|feature_code");
ABSL_FLAG(std::string, reason, "logout", "cancel reason: logout|forced|external");
ABSL_FLAG(std::string, request_id, "", "idempotency key");
ABSL_FLAG(bool, reject_busy, false, "establish: refuse when the host is busy");
ABSL_FLAG(bool, reject_elsewhere, false, "establish: refuse when the guest is elsewhere");
ABSL_FLAG(std::string, limit, "", "establish: association limit as a duration, e.g. 8h");
ABSL_FLAG(std::string, daily, "", "establish: daily logout time HH:MM (with --tz)");
ABSL_FLAG(std::string, tz, "UTC", "establish: IANA time zone of --daily");
ABSL_FLAG(std::vector<std::string>, attr, {}, "establish: attributes k=v[,k=v]");
ABSL_FLAG(std::string, after, "", "watch: resume after this cursor");
ABSL_FLAG(bool, snapshot, false, "watch: current associations first");
ABSL_FLAG(int, page_size, 0, "list: page size (0 = server default)");

namespace hotdesk::cli {
namespace {

std::string Describe(const v1::Association& a) {
  std::string s = "host=" + a.host() + " guest=" + a.guest() + " source=" + SourceName(a.source()) +
                  " since=" + FormatTime(a.establish_time().seconds());
  if (a.has_expire_time()) s += " expires=" + FormatTime(a.expire_time().seconds());
  return s;
}

bool ParseSource(const std::string& s, v1::Source* out) {
  std::string up;
  for (char c : s) up.push_back(static_cast<char>(std::toupper(c)));
  return v1::Source_Parse("SOURCE_" + up, out) && *out != v1::SOURCE_EXPIRY;
}

int Establish(const Context& ctx, const std::vector<std::string>& args) {
  if (args.size() != 2) return Usage("establish HOST GUEST");
  v1::EstablishRequest req;
  req.set_tenant(ctx.tenant);
  req.set_host(args[0]);
  req.set_guest(args[1]);
  v1::Source source;
  if (!ParseSource(absl::GetFlag(FLAGS_source), &source)) return Usage("--source: unknown");
  req.set_source(source);
  req.set_request_id(absl::GetFlag(FLAGS_request_id));
  if (absl::GetFlag(FLAGS_reject_busy)) req.set_on_host_busy(v1::HOST_BUSY_POLICY_REJECT);
  if (absl::GetFlag(FLAGS_reject_elsewhere))
    req.set_on_guest_elsewhere(v1::GUEST_ELSEWHERE_POLICY_REJECT);
  if (!absl::GetFlag(FLAGS_limit).empty()) {
    absl::Duration d;
    if (!absl::ParseDuration(absl::GetFlag(FLAGS_limit), &d)) return Usage("--limit: e.g. 8h");
    req.mutable_limit()->mutable_duration()->set_seconds(absl::ToInt64Seconds(d));
  } else if (!absl::GetFlag(FLAGS_daily).empty()) {
    std::vector<std::string> hm = absl::StrSplit(absl::GetFlag(FLAGS_daily), ':');
    int h, m;
    if (hm.size() != 2 || !absl::SimpleAtoi(hm[0], &h) || !absl::SimpleAtoi(hm[1], &m))
      return Usage("--daily: HH:MM");
    auto* daily = req.mutable_limit()->mutable_daily();
    daily->set_hour(h);
    daily->set_minute(m);
    daily->set_time_zone(absl::GetFlag(FLAGS_tz));
  }
  for (const auto& kv : absl::GetFlag(FLAGS_attr)) {
    size_t eq = kv.find('=');
    if (eq == std::string::npos) return Usage("--attr: k=v");
    (*req.mutable_attributes())[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  v1::EstablishResponse resp;
  auto call = ctx.Call();
  grpc::Status st = v1::Associations::NewStub(ctx.channel)->Establish(call.get(), req, &resp);
  if (!st.ok()) return Fail(st);
  if (ctx.json) return PrintJson(resp) ? 0 : 1;
  for (const auto& old : resp.superseded()) std::cout << "superseded " << Describe(old) << "\n";
  std::cout << (resp.unchanged() ? "unchanged " : "established ") << Describe(resp.association())
            << (resp.cursor().empty() ? "" : " cursor=" + resp.cursor()) << std::endl;
  return 0;
}

int Cancel(const Context& ctx, const std::vector<std::string>& args) {
  v1::CancelRequest req;
  req.set_tenant(ctx.tenant);
  req.set_host(absl::GetFlag(FLAGS_host));
  req.set_guest(absl::GetFlag(FLAGS_guest));
  if (args.size() == 1 && req.host().empty() && req.guest().empty()) req.set_host(args[0]);
  std::string up;
  for (char c : absl::GetFlag(FLAGS_reason)) up.push_back(static_cast<char>(std::toupper(c)));
  v1::CancelReason reason;
  if (!v1::CancelReason_Parse("CANCEL_REASON_" + up, &reason)) return Usage("--reason: unknown");
  req.set_reason(reason);
  v1::Source source;
  if (!ParseSource(absl::GetFlag(FLAGS_source), &source)) return Usage("--source: unknown");
  req.set_source(source);
  req.set_request_id(absl::GetFlag(FLAGS_request_id));
  v1::CancelResponse resp;
  auto call = ctx.Call();
  grpc::Status st = v1::Associations::NewStub(ctx.channel)->Cancel(call.get(), req, &resp);
  if (!st.ok()) return Fail(st);
  if (ctx.json) return PrintJson(resp) ? 0 : 1;
  std::cout << "cancelled " << Describe(resp.association()) << " reason=" << ReasonName(reason)
            << " cursor=" << resp.cursor() << std::endl;
  return 0;
}

int Get(const Context& ctx, const std::vector<std::string>& args) {
  v1::GetAssociationRequest req;
  req.set_tenant(ctx.tenant);
  req.set_host(absl::GetFlag(FLAGS_host));
  req.set_guest(absl::GetFlag(FLAGS_guest));
  if (args.size() == 1 && req.host().empty() && req.guest().empty()) req.set_host(args[0]);
  v1::Association resp;
  auto call = ctx.Call();
  grpc::Status st = v1::Associations::NewStub(ctx.channel)->GetAssociation(call.get(), req, &resp);
  if (!st.ok()) return Fail(st);
  if (ctx.json) return PrintJson(resp) ? 0 : 1;
  std::cout << Describe(resp) << std::endl;
  return 0;
}

int List(const Context& ctx, const std::vector<std::string>&) {
  auto stub = v1::Associations::NewStub(ctx.channel);
  v1::ListAssociationsRequest req;
  req.set_tenant(ctx.tenant);
  req.set_page_size(absl::GetFlag(FLAGS_page_size));
  int n = 0;
  do {
    v1::ListAssociationsResponse resp;
    auto call = ctx.Call();
    grpc::Status st = stub->ListAssociations(call.get(), req, &resp);
    if (!st.ok()) return Fail(st);
    for (const auto& a : resp.associations()) {
      ++n;
      if (!ctx.json)
        std::cout << Describe(a) << "\n";
      else if (!PrintJson(a))
        return 1;
    }
    req.set_page_token(resp.next_page_token());
  } while (!req.page_token().empty());
  if (!ctx.json) std::cout << n << " association(s)" << std::endl;
  return 0;
}

int Watch(const Context& ctx, const std::vector<std::string>&) {
  v1::WatchEventsRequest req;
  req.set_tenant(ctx.tenant);
  req.set_after_cursor(absl::GetFlag(FLAGS_after));
  req.set_include_snapshot(absl::GetFlag(FLAGS_snapshot));
  req.set_host(absl::GetFlag(FLAGS_host));
  req.set_guest(absl::GetFlag(FLAGS_guest));
  grpc::ClientContext call;  // no deadline: a watch runs until interrupted
  auto reader = v1::Associations::NewStub(ctx.channel)->WatchEvents(&call, req);
  v1::AssociationEvent ev;
  while (reader->Read(&ev)) {
    if (ctx.json) {
      if (!PrintJson(ev)) return 1;
      continue;
    }
    std::string line = ev.cursor() + " " + EventTypeName(ev.type());
    if (ev.type() != v1::EVENT_TYPE_SNAPSHOT_COMPLETE) {
      line += " host=" + ev.association().host() + " guest=" + ev.association().guest() +
              " source=" + SourceName(ev.source());
      if (ev.type() == v1::EVENT_TYPE_CANCELLED) line += " reason=" + ReasonName(ev.reason());
      if (ev.snapshot()) line += " snapshot";
    }
    std::cout << line << std::endl;
  }
  grpc::Status st = reader->Finish();
  if (!st.ok()) return Fail(st);
  return 0;
}

int Health(const Context& ctx, const std::vector<std::string>& args) {
  grpc::health::v1::HealthCheckRequest req;
  if (!args.empty()) req.set_service(args[0]);
  grpc::health::v1::HealthCheckResponse resp;
  auto call = ctx.Call();
  grpc::Status st = grpc::health::v1::Health::NewStub(ctx.channel)->Check(call.get(), req, &resp);
  if (!st.ok()) return Fail(st);
  if (!ctx.json)
    std::cout << grpc::health::v1::HealthCheckResponse::ServingStatus_Name(resp.status())
              << std::endl;
  else if (!PrintJson(resp))
    return 1;
  return resp.status() == grpc::health::v1::HealthCheckResponse::SERVING ? 0 : 3;
}

}  // namespace

std::vector<Command> AssociationCommands() {
  return {
      {"establish",
       "establish HOST GUEST [--limit 8h | --daily 23:00 --tz Europe/Berlin] "
       "[--reject_busy] [--reject_elsewhere] [--request_id ID] [--attr k=v]",
       &Establish},
      {"cancel", "cancel (HOST | --host H | --guest G) [--reason logout|forced|external]", &Cancel},
      {"get", "get (HOST | --host H | --guest G)", &Get},
      {"list", "list [--page_size N]", &List},
      {"watch", "watch [--after CURSOR] [--snapshot] [--host H] [--guest G]", &Watch},
      {"health", "health [SERVICE]   (exit 0 when SERVING, 3 otherwise)", &Health},
  };
}

}  // namespace hotdesk::cli
