// hotdeskctl establish | cancel | get | list | watch
#include <iostream>

#include "absl/flags/flag.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "adapters/common/core_call.h"
#include "adapters/common/cursor_store.h"
#include "adapters/common/event_follower.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "hotdesk/v1/associations.grpc.pb.h"
#include "services/cli/cli.h"
#include "services/core/commands.h"

ABSL_FLAG(std::string, host, "", "host id (cancel, get, watch filter)");
ABSL_FLAG(std::string, guest, "", "guest id (cancel, get, watch filter)");
ABSL_FLAG(std::string, source, "api", "establish/cancel source: api|csta|xsp|feature_code");
ABSL_FLAG(std::string, reason, "logout", "cancel reason: logout|forced|external");
ABSL_FLAG(std::string, request_id, "",
          "establish/cancel: idempotency key (default: a new one, printed); the call is retried "
          "with it while the server is unavailable or slow");
ABSL_FLAG(bool, reject_busy, false, "establish: refuse when the host is busy");
ABSL_FLAG(bool, reject_elsewhere, false, "establish: refuse when the guest is elsewhere");
ABSL_FLAG(std::string, limit, "", "establish: association limit as a duration, e.g. 8h");
ABSL_FLAG(std::string, daily, "", "establish: daily logout time HH:MM (with --tz)");
ABSL_FLAG(std::string, tz, "UTC", "establish: IANA time zone of --daily");
ABSL_FLAG(std::vector<std::string>, attr, {}, "establish: attributes k=v[,k=v]");
ABSL_FLAG(std::string, after, "", "watch: resume after this cursor");
ABSL_FLAG(absl::Duration, retry_budget, absl::Seconds(5),
          "establish/cancel: retry an unavailable or slow server this long (same request id)");
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

// The request id of this change: the one given, or a new one. Printed, so that an operator whose
// command failed for want of an answer can retry it with the same id.
std::string RequestIdOf() {
  std::string id = absl::GetFlag(FLAGS_request_id);
  return id.empty() ? "ctl-" + adapters::RandomNonce() : id;
}

adapters::CallPolicy Policy(const Context& ctx) {
  adapters::CallPolicy p;
  p.attempt_timeout = ctx.timeout;
  p.retry_budget = absl::GetFlag(FLAGS_retry_budget);
  return p;
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
  req.set_request_id(RequestIdOf());
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
  grpc::Status st = adapters::RetryingEstablish(*v1::Associations::NewStub(ctx.channel),
                                                Policy(ctx), nullptr, req, &resp);
  if (!st.ok()) {
    std::cerr << "request_id=" << req.request_id() << "\n";
    return Fail(st);
  }
  if (ctx.json) return PrintJson(resp) ? 0 : 1;
  for (const auto& old : resp.superseded()) std::cout << "superseded " << Describe(old) << "\n";
  std::cout << (resp.unchanged() ? "unchanged " : "established ") << Describe(resp.association())
            << (resp.cursor().empty() ? "" : " cursor=" + resp.cursor())
            << " request_id=" << req.request_id() << std::endl;
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
  req.set_request_id(RequestIdOf());
  v1::CancelResponse resp;
  grpc::Status st = adapters::RetryingCancel(*v1::Associations::NewStub(ctx.channel), Policy(ctx),
                                             nullptr, req, &resp);
  if (!st.ok()) {
    std::cerr << "request_id=" << req.request_id() << "\n";
    return Fail(st);
  }
  if (ctx.json) return PrintJson(resp) ? 0 : 1;
  std::cout << "cancelled " << Describe(resp.association()) << " reason=" << ReasonName(reason)
            << " cursor=" << resp.cursor() << " request_id=" << req.request_id() << std::endl;
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

void PrintEvent(const Context& ctx, const v1::AssociationEvent& ev, const char* mark) {
  if (ctx.json) {
    PrintJson(ev);
    return;
  }
  std::string line = ev.cursor() + " " + EventTypeName(ev.type());
  if (ev.type() != v1::EVENT_TYPE_SNAPSHOT_COMPLETE) {
    line += " host=" + ev.association().host() + " guest=" + ev.association().guest() +
            " source=" + SourceName(ev.source());
    if (ev.type() == v1::EVENT_TYPE_CANCELLED) line += " reason=" + ReasonName(ev.reason());
    if (*mark) line += std::string(" ") + mark;
  }
  std::cout << line << std::endl;
}

// Follows the stream like the adapters do (adapters/common/event_follower.h): reconnects after
// a server restart and resumes after the last event printed; a cursor the stream no longer
// reaches back to resyncs (the differences are printed marked "resync"). Runs until interrupted,
// or until the server refuses the watch (exit 1).
int Watch(const Context& ctx, const std::vector<std::string>&) {
  const bool snapshot = absl::GetFlag(FLAGS_snapshot);
  const std::string after = absl::GetFlag(FLAGS_after);
  if (snapshot && !after.empty()) return Usage("watch: --snapshot and --after cannot be combined");
  adapters::NullCursorStore store;
  adapters::FollowerOptions o;
  o.tenant = ctx.tenant;
  o.host = absl::GetFlag(FLAGS_host);
  o.guest = absl::GetFlag(FLAGS_guest);
  o.start_cursor = after;
  o.stop_on_refusal = true;
  adapters::FollowerCallbacks cb;
  cb.on_baseline = [&](const std::vector<v1::Association>& all, const std::string& cursor) {
    // Without --after this is the start: shown when asked (--snapshot). With --after it is a
    // resync from a cursor the stream no longer reaches: the events in between are gone.
    if (after.empty() && !snapshot) return;
    if (!after.empty())
      std::cerr << "events after the cursor were trimmed; the current associations follow\n";
    for (const auto& a : all) {
      v1::AssociationEvent ev;
      ev.set_cursor(cursor);
      ev.set_type(v1::EVENT_TYPE_ESTABLISHED);
      ev.set_source(a.source());
      ev.set_snapshot(true);
      *ev.mutable_association() = a;
      PrintEvent(ctx, ev, "snapshot");
    }
    v1::AssociationEvent done;
    done.set_cursor(cursor);
    done.set_type(v1::EVENT_TYPE_SNAPSHOT_COMPLETE);
    PrintEvent(ctx, done, "");
  };
  cb.on_event = [&](const adapters::Delivery& d) {
    PrintEvent(ctx, d.event, d.resync ? "resync" : "");
    return absl::OkStatus();
  };
  adapters::EventFollower follower(ctx.channel, &store, o, cb);
  absl::Status st = follower.Run();
  if (!st.ok())
    return Fail(grpc::Status(static_cast<grpc::StatusCode>(st.code()), std::string(st.message())));
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
