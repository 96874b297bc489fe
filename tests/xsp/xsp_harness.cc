#include "tests/xsp/xsp_harness.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <signal.h>

#include <sstream>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "adapters/xsp/xml/xsi_xml.h"

namespace hotdesk::xsp::testing {

namespace {
const std::vector<std::string> kUsers = {"7003@example.com", "7004@example.com",
                                         "7006@example.com"};
}

std::ostream& operator<<(std::ostream& os, const Request& r) {
  return os << "\n  " << r.method << " " << r.path << " [" << r.status << "] " << r.body;
}

std::string ActionsPath(const std::string& user, const std::string& service) {
  return absl::StrCat("/com.broadsoft.xsi-actions/v2.0/user/", user, "@example.com/services/",
                      service);
}

std::vector<Request> ExpectedEstablish(const std::string& host, const std::string& guest,
                                       int limit_hours, bool host_agent_signed_in) {
  std::vector<Request> out;
  out.push_back({"GET", ActionsPath(host, "CallCenter"), ""});
  if (host_agent_signed_in) {
    out.push_back({"PUT", ActionsPath(host, "CallCenter"), BuildCallCenterState("Sign-Out")});
  }
  out.push_back(
      {"PUT", ActionsPath(host, "CallForwardingAlways"), BuildCallForwardingAlways(true, guest)});
  out.push_back({"PUT", ActionsPath(guest, "HotelingGuest"),
                 BuildHotelingGuestAssociate(host + "@example.com", limit_hours)});
  out.push_back({"PUT", ActionsPath(guest, "CallCenter"), BuildCallCenterState("Unavailable")});
  return out;
}

std::vector<Request> ExpectedCancel(const std::string& host, const std::string& guest) {
  return {{"PUT", ActionsPath(guest, "CallCenter"), BuildCallCenterState("Sign-Out")},
          {"PUT", ActionsPath(host, "CallForwardingAlways"), BuildCallForwardingAlways(false, "")},
          {"PUT", ActionsPath(guest, "HotelingGuest"), BuildHotelingGuestClear()}};
}

int HttpCall(const std::string& method, int port, const std::string& path, const std::string& body,
             std::string* out, const std::string& auth_user, const std::string& auth_pass,
             std::string* www_authenticate) {
  httplib::Client cli("127.0.0.1", port);
  cli.set_connection_timeout(5);
  cli.set_read_timeout(10);
  if (!auth_user.empty()) cli.set_basic_auth(auth_user, auth_pass);
  auto call = [&]() {
    if (method == "GET") return cli.Get(path);
    if (method == "POST") return cli.Post(path, body, "application/xml");
    if (method == "PUT") return cli.Put(path, body, "application/xml");
    return cli.Delete(path);
  };
  httplib::Result r = call();
  if (!r) return 0;
  if (out) *out = r->body;
  if (www_authenticate) *www_authenticate = r->get_header_value("WWW-Authenticate");
  return r->status;
}

XspEnv::~XspEnv() {
  bridge.Stop();
  sim.Stop();
  server.Stop();
}

bool XspEnv::Start(const std::vector<std::string>& bflags, const std::vector<std::string>& sflags) {
  if (!redis.Start()) return false;
  std::vector<std::string> flags = {"--min_association_limit=1s", "--shutdown_grace=500ms"};
  for (const auto& f : server_flags) flags.push_back(f);
  if (!server.Start(redis.addr(), flags)) return false;
  stub = v1::Associations::NewStub(server.Channel());
  std::vector<std::string> argv = {XSP_SIM_BIN, "--listen=127.0.0.1:0", "--user=admin",
                                   "--event_timeout=6s", "--log_level=debug"};
  for (const auto& f : sflags) argv.push_back(f);
  if (!sim.Start(argv, {{"HOTDESK_PASSWORD", "s3cret"}})) return false;
  std::string line = sim.WaitForLine("listening on port", absl::Seconds(10));
  if (line.empty()) return false;
  sim_port = std::atoi(line.substr(line.rfind(' ') + 1).c_str());
  sim_argv = argv;
  // The bridge resumes after this event (exclusive), so nothing before it is replayed and
  // nothing after it is missed; it knows the one association there is then.
  seed_cursor = Establish("seed-host", "seed-guest").cursor();
  const std::string keys = absl::StrCat("hotdesk:{", kTenant, "}:xsp:");
  redis.Cmd({"SET", keys + "cursor", seed_cursor});
  redis.Cmd({"HSET", keys + "known", "seed-host", "seed-guest"});
  redis.Cmd({"SET", keys + "known_ok", "1"});
  bridge_flags = bflags;
  return StartBridge();
}

bool XspEnv::StartBridge(const std::vector<std::string>& extra) {
  std::string users;
  for (const auto& u : kUsers) absl::StrAppend(&users, users.empty() ? "" : ",", u);
  expected_subscriptions = group_mode ? 3 : static_cast<int>(kUsers.size()) * 3;
  std::vector<std::string> argv = {
      XSP_BRIDGE_BIN,
      absl::StrCat("--tenant=", kTenant),
      "--server=" + server.addr(),
      absl::StrCat("--xsp_url=http://127.0.0.1:", sim_port),
      "--xsp_user=admin",
      "--user_domain=example.com",
      group_mode ? "--subscribe_group=sp1/group1" : "--subscribe_users=" + users,
      "--redis_addr=" + redis.addr(),
      "--metrics_listen=127.0.0.1:0",
      "--event_timeout=2s",
      "--step_backoff=50ms",
      "--step_timeout=2s",
      "--log_level=debug"};
  for (const auto& f : bridge_flags) argv.push_back(f);
  for (const auto& f : extra) argv.push_back(f);
  // The password reaches the bridge through the environment, as operators are told to.
  if (!bridge.Start(argv, {{"HOTDESK_XSP_PASSWORD", "s3cret"}})) return false;
  std::string line = bridge.WaitForLine("listening on port", absl::Seconds(10));
  if (line.empty()) return false;
  bridge_port = std::atoi(line.substr(line.rfind(' ') + 1).c_str());
  return WaitBridgeReady();
}

int XspEnv::StopBridge(int sig) { return bridge.Stop(sig); }

bool XspEnv::RestartSim() {
  sim.Stop(SIGKILL);
  std::vector<std::string> argv = sim_argv;
  for (std::string& a : argv)
    if (absl::StartsWith(a, "--listen=")) a = absl::StrCat("--listen=127.0.0.1:", sim_port);
  // The port may linger a moment after the old process.
  for (int attempt = 0; attempt < 50; ++attempt) {
    if (!sim.Start(argv, {{"HOTDESK_PASSWORD", "s3cret"}})) return false;
    if (!sim.WaitForLine("listening on port", absl::Seconds(10)).empty()) return true;
    sim.Stop(SIGKILL);
    absl::SleepFor(absl::Milliseconds(100));
  }
  return false;
}

void XspEnv::StopServer() { server.Stop(); }

bool XspEnv::RestartServer() {
  int port = server.port();
  server.Stop();
  std::vector<std::string> flags = {"--min_association_limit=1s", "--shutdown_grace=500ms",
                                    "--listen=127.0.0.1:" + std::to_string(port)};
  for (const auto& f : server_flags) flags.push_back(f);
  // The port may linger a moment after the old process.
  for (int attempt = 0; attempt < 50; ++attempt) {
    if (server.Start(redis.addr(), flags)) return true;
    absl::SleepFor(absl::Milliseconds(100));
  }
  return false;
}

int64_t XspEnv::UnackedOnOpenChannels() {
  int64_t n = 0;
  Json chans = SimChannels();
  for (const Json& c : chans["channels"].arr) {
    if (c["open"].b) n += c["unacked"].Int();
  }
  return n;
}

bool XspEnv::WaitBridgeReady(absl::Duration timeout) {
  return WaitFor(
      [&] {
        Json s = Status();
        return s["channel"]["up"].b &&
               s["channel"]["subscriptions"].Int() == expected_subscriptions;
      },
      timeout);
}

bool XspEnv::WaitFor(const std::function<bool()>& pred, absl::Duration timeout) {
  absl::Time end = absl::Now() + timeout;
  while (absl::Now() < end) {
    if (pred()) return true;
    absl::SleepFor(absl::Milliseconds(50));
  }
  return pred();
}

int XspEnv::SimPost(const std::string& path_and_query, const std::string& body, std::string* out) {
  return HttpCall("POST", sim_port, path_and_query, body, out);
}

std::string XspEnv::SimGet(const std::string& path) {
  std::string out;
  HttpCall("GET", sim_port, path, "", &out);
  return out;
}

namespace {
std::vector<Request> ParseJournal(const std::string& text, bool skip_401) {
  Json j;
  std::vector<Request> out;
  std::string err;
  if (!ParseJson(text, &j, &err)) {
    ADD_FAILURE() << "journal is not JSON (" << err << "): " << text.substr(0, 2000);
    return out;
  }
  for (const Json& e : j.arr) {
    if (skip_401 && e["status"].Int() == 401) continue;
    Request r{e["method"].str, e["path"].str, e["body"].str, static_cast<int>(e["status"].Int()),
              e["seq"].Int()};
    out.push_back(r);
  }
  return out;
}
}  // namespace

std::vector<Request> XspEnv::Actions(int64_t since) {
  return ParseJournal(SimGet(absl::StrCat("/sim/journal?api=actions&since=", since)), true);
}

std::vector<Request> XspEnv::AllRequests(int64_t since) {
  return ParseJournal(SimGet(absl::StrCat("/sim/journal?since=", since)), false);
}

int64_t XspEnv::LastSeq() {
  std::vector<Request> all = AllRequests(0);
  return all.empty() ? 0 : all.back().seq;
}

Json XspEnv::SimChannels() {
  Json j;
  ParseJson(SimGet("/sim/channels"), &j);
  return j;
}

Json XspEnv::Status() {
  std::string out;
  Json j;
  if (HttpCall("GET", bridge_port, "/status", "", &out) == 200) ParseJson(out, &j);
  return j;
}

std::string XspEnv::Metrics() {
  std::string out;
  HttpCall("GET", bridge_port, "/metrics", "", &out);
  return out;
}

double XspEnv::Metric(const std::string& sample) {
  for (absl::string_view line : absl::StrSplit(Metrics(), '\n')) {
    if (line.size() > sample.size() && line.substr(0, sample.size()) == sample &&
        line[sample.size()] == ' ') {
      double v = 0;
      if (absl::SimpleAtod(line.substr(sample.size() + 1), &v)) return v;
    }
  }
  return 0;
}

v1::EstablishResponse XspEnv::Establish(const std::string& host, const std::string& guest,
                                        int limit_hours) {
  v1::EstablishRequest req;
  req.set_tenant(kTenant);
  req.set_host(host);
  req.set_guest(guest);
  if (limit_hours > 0) req.mutable_limit()->mutable_duration()->set_seconds(limit_hours * 3600);
  v1::EstablishResponse resp;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  grpc::Status st = stub->Establish(&ctx, req, &resp);
  if (!st.ok()) ADD_FAILURE() << "Establish: " << st.error_message();
  return resp;
}

v1::CancelResponse XspEnv::Cancel(const std::string& host) {
  v1::CancelRequest req;
  req.set_tenant(kTenant);
  req.set_host(host);
  v1::CancelResponse resp;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  grpc::Status st = stub->Cancel(&ctx, req, &resp);
  if (!st.ok()) ADD_FAILURE() << "Cancel: " << st.error_message();
  return resp;
}

absl::StatusOr<v1::Association> XspEnv::GetByGuest(const std::string& guest) {
  v1::GetAssociationRequest req;
  req.set_tenant(kTenant);
  req.set_guest(guest);
  v1::Association a;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  grpc::Status st = stub->GetAssociation(&ctx, req, &a);
  if (!st.ok())
    return absl::Status(static_cast<absl::StatusCode>(st.error_code()), st.error_message());
  return a;
}

std::vector<v1::AssociationEvent> XspEnv::Events(const std::string& after) {
  v1::WatchEventsRequest req;
  req.set_tenant(kTenant);
  req.set_after_cursor(after);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(700));
  auto reader = stub->WatchEvents(&ctx, req);
  std::vector<v1::AssociationEvent> out;
  v1::AssociationEvent ev;
  while (reader->Read(&ev)) out.push_back(ev);
  reader->Finish();
  return out;
}

}  // namespace hotdesk::xsp::testing
