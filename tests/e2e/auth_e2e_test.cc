// Authentication and authorization end to end: a real hotdesk-server with TLS and token keys, a
// real Redis, real gRPC channels. Every RPC of every service the server serves is called with no
// token, an expired one, a forged one, another tenant's and one with too low a role: each gets the
// exact status and nothing in Redis changes. Then mTLS, key rotation, redaction, the start-up
// rules, and the logs of the whole run searched for tokens and PINs.
#include <gmock/gmock.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/text_format.h>
#include <grpcpp/generic/generic_stub.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <future>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "google/rpc/error_details.pb.h"
#include "hotdesk/v1/associations.grpc.pb.h"
#include "hotdesk/v1/bench.grpc.pb.h"
#include "hotdesk/v1/devices.grpc.pb.h"
#include "hotdesk/v1/guests.grpc.pb.h"
#include "hotdesk/v1/session.grpc.pb.h"
#include "services/auth/client_channel.h"
#include "services/auth/method_rules.h"
#include "services/common/status.h"
#include "tests/e2e/grpc_helpers.h"
#include "tests/support/pki.h"
#include "tests/support/processes.h"

namespace hotdesk::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kTenant[] = "acme";
constexpr char kPin[] = "739146285017364";      // long, so that it cannot occur in a log by chance
constexpr char kNewPin[] = "864213579086421";

// The services hotdesk-server serves (FeatureCodes is served by hotdesk-featurecodes).
const char* const kServedServices[] = {"hotdesk.v1.Associations", "hotdesk.v1.Devices",
                                       "hotdesk.v1.Guests", "hotdesk.v1.Session",
                                       "hotdesk.v1.Bench"};

// A request per method that the right caller may make in tenant acme (after Seed), in an order in
// which all of them succeed. A method missing here fails the matrix test.
const std::vector<std::pair<std::string, std::string>>& Requests() {
  static const auto* r = new std::vector<std::pair<std::string, std::string>>{
      {"hotdesk.v1.Session/WhoAmI", ""},
      {"hotdesk.v1.Bench/Ping", R"(payload: "x")"},
      {"hotdesk.v1.Associations/GetAssociation", R"(tenant: "acme" host: "HD0001")"},
      {"hotdesk.v1.Associations/ListAssociations", R"(tenant: "acme")"},
      {"hotdesk.v1.Associations/WatchEvents", R"(tenant: "acme" include_snapshot: true)"},
      {"hotdesk.v1.Devices/GetDevice", R"(tenant: "acme" mac: "00:11:22:33:44:55")"},
      {"hotdesk.v1.Devices/ListDevices", R"(tenant: "acme")"},
      {"hotdesk.v1.Guests/GetGuest", R"(tenant: "acme" id: "g1")"},
      {"hotdesk.v1.Guests/ListGuests", R"(tenant: "acme")"},
      {"hotdesk.v1.Guests/VerifyPin", absl::StrCat(R"(tenant: "acme" id: "g1" pin: ")", kPin, "\"")},
      {"hotdesk.v1.Associations/Establish",
       R"(tenant: "acme" host: "HD0009" guest: "g9" request_id: "m1")"},
      {"hotdesk.v1.Associations/Cancel", R"(tenant: "acme" host: "HD0009")"},
      {"hotdesk.v1.Devices/CreateDevice",
       R"(tenant: "acme" device { mac: "00:11:22:33:44:66" hotdesk_extension: "HD0002" })"},
      {"hotdesk.v1.Devices/UpdateDevice",
       R"(tenant: "acme" device { mac: "00:11:22:33:44:66" display_name: "Desk 2" }
          update_mask { paths: "display_name" })"},
      {"hotdesk.v1.Guests/CreateGuest",
       R"(tenant: "acme" guest { id: "g2" hotdesking_enabled: true })"},
      {"hotdesk.v1.Guests/UpdateGuest",
       R"(tenant: "acme" guest { id: "g2" display_name: "Guest 2" }
          update_mask { paths: "display_name" })"},
      {"hotdesk.v1.Guests/SetPin", absl::StrCat(R"(tenant: "acme" id: "g2" pin: ")", kNewPin, "\"")},
      {"hotdesk.v1.Devices/ForceLogoutDevice", R"(tenant: "acme" mac: "00:11:22:33:44:55")"},
      {"hotdesk.v1.Guests/ForceLogoutGuest", R"(tenant: "acme" id: "g3")"},
      {"hotdesk.v1.Devices/DeleteDevice", R"(tenant: "acme" mac: "00:11:22:33:44:66")"},
      {"hotdesk.v1.Guests/DeleteGuest", R"(tenant: "acme" id: "g2")"},
  };
  return *r;
}

const google::protobuf::MethodDescriptor* FindMethod(const std::string& name) {
  std::vector<std::string> parts = absl::StrSplit(name, '/');
  const auto* svc = google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(parts[0]);
  return svc ? svc->FindMethodByName(parts[1]) : nullptr;
}

std::unique_ptr<google::protobuf::Message> BuildRequest(const std::string& method,
                                                        const std::string& text) {
  const auto* m = FindMethod(method);
  std::unique_ptr<google::protobuf::Message> req(
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(m->input_type())->New());
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, req.get())) << method;
  return req;
}

// Calls `method` with `request` on `channel`: unary calls through the generic stub (so that every
// method is called the same way), the one streaming method through its stub. For a stream, OK
// means "the first message (the snapshot) arrived".
grpc::Status Call(const std::shared_ptr<grpc::Channel>& channel, const std::string& method,
                  const google::protobuf::Message& request) {
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  if (FindMethod(method)->server_streaming()) {
    EXPECT_EQ(method, "hotdesk.v1.Associations/WatchEvents") << "teach Call() this stream";
    auto reader = v1::Associations::NewStub(channel)->WatchEvents(
        &ctx, static_cast<const v1::WatchEventsRequest&>(request));
    v1::AssociationEvent ev;
    if (reader->Read(&ev)) {
      ctx.TryCancel();
      reader->Finish().IgnoreError();
      return grpc::Status::OK;
    }
    return reader->Finish();
  }
  std::string bytes = request.SerializeAsString();
  grpc::Slice slice(bytes);
  grpc::ByteBuffer req_buf(&slice, 1), resp_buf;
  grpc::GenericStub stub(channel);
  std::promise<grpc::Status> done;
  stub.UnaryCall(&ctx, "/" + method, grpc::StubOptions(), &req_buf, &resp_buf,
                 [&](grpc::Status s) { done.set_value(std::move(s)); });
  return done.get_future().get();
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class AuthE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(redis_.Start());
    ASSERT_TRUE(server_.StartSecure(redis_.addr(), pki(), /*mtls=*/false,
                                    {"--enable_bench_service", "--pin_hash_cost=min"}))
        << server_.process().Stderr();
    admin_ = server_.SecureChannel(pki().Token(kTenant, "admin"));
    ASSERT_TRUE(WaitServingOn(admin_));
  }

  static const TestPki& pki() { return SharedPki(); }

  static bool WaitServingOn(const std::shared_ptr<grpc::Channel>& channel) {
    for (absl::Time end = absl::Now() + absl::Seconds(10); absl::Now() < end;) {
      if (HealthStatus(channel) == 1) return true;
      absl::SleepFor(absl::Milliseconds(20));
    }
    return false;
  }

  // A device with an association at its extension, a guest with a PIN, another guest logged in.
  void Seed() {
    auto devices = v1::Devices::NewStub(admin_);
    auto guests = v1::Guests::NewStub(admin_);
    auto assoc = v1::Associations::NewStub(admin_);
    grpc::ClientContext c1, c2, c3;
    v1::CreateDeviceRequest d;
    d.set_tenant(kTenant);
    d.mutable_device()->set_mac("00:11:22:33:44:55");
    d.mutable_device()->set_hotdesk_extension("HD0001");
    v1::Device dev;
    ASSERT_TRUE(devices->CreateDevice(&c1, d, &dev).ok());
    v1::CreateGuestRequest g;
    g.set_tenant(kTenant);
    g.mutable_guest()->set_id("g1");
    g.mutable_guest()->set_hotdesking_enabled(true);
    g.set_pin(kPin);
    v1::Guest guest;
    grpc::Status gs = guests->CreateGuest(&c2, g, &guest);
    ASSERT_TRUE(gs.ok()) << gs.error_message();
    ASSERT_TRUE(Establish(assoc.get(), Login(kTenant, "HD0001", "g1")).ok());
    ASSERT_TRUE(Establish(assoc.get(), Login(kTenant, "HD0003", "g3")).ok());
  }

  // Every key in Redis with its content, canonically: what "nothing changed" compares.
  std::string Dump() {
    std::string keys = redis_.Cmd({"KEYS", "*"});
    std::vector<std::string> names = absl::StrSplit(keys, ' ', absl::SkipEmpty());
    std::sort(names.begin(), names.end());
    std::string out;
    for (const auto& k : names) {
      std::string type = redis_.Cmd({"TYPE", k});
      std::string value;
      if (type == "hash") {
        std::vector<std::string> kv = absl::StrSplit(redis_.Cmd({"HGETALL", k}), ' ');
        std::sort(kv.begin(), kv.end());
        value = absl::StrJoin(kv, " ");
      } else if (type == "string") {
        value = redis_.Cmd({"GET", k});
      } else if (type == "zset") {
        value = redis_.Cmd({"ZRANGE", k, "0", "-1", "WITHSCORES"});
      } else if (type == "set") {
        std::vector<std::string> m = absl::StrSplit(redis_.Cmd({"SMEMBERS", k}), ' ');
        std::sort(m.begin(), m.end());
        value = absl::StrJoin(m, " ");
      } else if (type == "stream") {
        value = redis_.Cmd({"XRANGE", k, "-", "+"});
      }
      absl::StrAppend(&out, k, " ", type, " ", value, "\n");
    }
    return out;
  }

  RedisServer redis_;
  HotdeskServerProcess server_;
  std::shared_ptr<grpc::Channel> admin_;
};

auth::TokenClaims ClaimsFor(const std::string& tenant, const std::string& role) {
  auth::TokenClaims c;
  c.subject = "matrix-" + role;
  c.tenants = {tenant};
  c.role = role;
  return c;
}

// The role just below `role`, or "" (a token with no role claim) below viewer.
std::string RoleBelow(auth::Role role) {
  switch (role) {
    case auth::Role::kAgent:
      return "viewer";
    case auth::Role::kOperator:
      return "agent";
    case auth::Role::kAdmin:
      return "operator";
    default:
      return "";
  }
}

TEST_F(AuthE2E, EveryRpcRefusesBadCallersWithTheExactStatusAndChangesNothing) {
  Seed();
  // Link every served service's generated code, so that its descriptor is in the pool.
  for (const auto* d : {v1::EstablishRequest::descriptor(), v1::CreateDeviceRequest::descriptor(),
                        v1::CreateGuestRequest::descriptor(), v1::WhoAmIRequest::descriptor(),
                        v1::PingRequest::descriptor()})
    ASSERT_NE(d, nullptr);
  // Every method of every served service has a request here.
  std::set<std::string> covered;
  for (const auto& [m, text] : Requests()) covered.insert(m);
  for (const char* s : kServedServices) {
    const auto* svc = google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(s);
    ASSERT_NE(svc, nullptr) << s;
    for (int i = 0; i < svc->method_count(); ++i) {
      std::string name = absl::StrCat(s, "/", svc->method(i)->name());
      EXPECT_TRUE(covered.count(name)) << name << " is not in the matrix: add a request";
    }
  }

  auth::TokenClaims expired = ClaimsFor("*", "admin");
  expired.issued_at = absl::Now() - absl::Hours(3);
  std::string expired_token = pki().Token(expired);
  std::string forged_token = pki().Token(ClaimsFor("*", "admin"), pki().forger_private);
  std::string other_tenant_token = pki().Token(ClaimsFor("globex", "admin"));
  struct Case {
    const char* name;
    std::shared_ptr<grpc::Channel> channel;
  };
  std::vector<Case> unauthenticated = {
      {"no token", server_.SecureChannel("")},
      {"expired", server_.SecureChannel(expired_token)},
      {"forged signature", server_.SecureChannel(forged_token)},
  };
  auto other_tenant = server_.SecureChannel(other_tenant_token);

  std::string before = Dump();
  ASSERT_THAT(before, HasSubstr("HD0001"));
  int calls = 0;
  for (const auto& [method, text] : Requests()) {
    const auth::MethodRule* rule = auth::FindMethodRule(method);
    ASSERT_NE(rule, nullptr) << method;
    auto req = BuildRequest(method, text);
    for (const auto& c : unauthenticated) {
      grpc::Status s = Call(c.channel, method, *req);
      ++calls;
      EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED)
          << method << " with " << c.name << ": " << s.error_message();
    }
    if (rule->tenant == auth::TenantFrom::kRequest) {
      grpc::Status s = Call(other_tenant, method, *req);
      ++calls;
      EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << method << " other tenant";
      EXPECT_THAT(s.error_message(), HasSubstr("tenant \"acme\"")) << method;
    }
    if (rule->role != auth::Role::kNone) {
      std::string below = RoleBelow(rule->role);
      auto low = server_.SecureChannel(pki().Token(ClaimsFor(kTenant, below)));
      grpc::Status s = Call(low, method, *req);
      ++calls;
      EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << method << " as " << below;
      EXPECT_THAT(s.error_message(), HasSubstr(absl::StrCat("needs role ", auth::RoleName(rule->role))))
          << method;
    }
  }
  // Sources: nobody claims XSP (or any adapter's source) without a token that says so.
  auto agent_csta = [&] {
    auth::TokenClaims c = ClaimsFor(kTenant, "agent");
    c.source = "CSTA";
    return server_.SecureChannel(pki().Token(c));
  }();
  for (const auto& [channel, text, who] :
       std::vector<std::tuple<std::shared_ptr<grpc::Channel>, std::string, std::string>>{
           {admin_, R"(tenant: "acme" host: "HD0005" guest: "g5" source: SOURCE_XSP)", "admin as XSP"},
           {agent_csta, R"(tenant: "acme" host: "HD0005" guest: "g5" source: SOURCE_API)", "CSTA agent as API"},
           {agent_csta, R"(tenant: "acme" host: "HD0005" guest: "g5")", "CSTA agent, no source"}}) {
    grpc::Status s = Call(channel, "hotdesk.v1.Associations/Establish",
                          *BuildRequest("hotdesk.v1.Associations/Establish", text));
    ++calls;
    EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << who;
    EXPECT_THAT(s.error_message(), HasSubstr("source")) << who;
  }
  grpc::Status cancel_as_xsp = Call(admin_, "hotdesk.v1.Associations/Cancel",
                                    *BuildRequest("hotdesk.v1.Associations/Cancel",
                                                  R"(tenant: "acme" host: "HD0001" source: SOURCE_XSP)"));
  EXPECT_EQ(cancel_as_xsp.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Dump(), before) << "a refused call changed Redis";
  std::printf("refused %d calls; Redis unchanged\n", calls);

  // The right caller passes the same gate: the least role the table names, for this tenant.
  for (const auto& [method, text] : Requests()) {
    const auth::MethodRule* rule = auth::FindMethodRule(method);
    std::string role = rule->role == auth::Role::kNone ? "" : auth::RoleName(rule->role);
    auto channel = server_.SecureChannel(pki().Token(ClaimsFor(kTenant, role)));
    grpc::Status s = Call(channel, method, *BuildRequest(method, text));
    EXPECT_TRUE(s.ok()) << method << " as " << role << ": " << s.error_code() << " "
                        << s.error_message();
  }
  EXPECT_NE(Dump(), before);

  // Tokens in CSTA's name do what CSTA does.
  grpc::Status as_csta = Call(agent_csta, "hotdesk.v1.Associations/Establish",
                              *BuildRequest("hotdesk.v1.Associations/Establish",
                                            R"(tenant: "acme" host: "HD0007" guest: "g7" source: SOURCE_CSTA)"));
  EXPECT_TRUE(as_csta.ok()) << as_csta.error_message();
  EXPECT_THAT(redis_.Cmd({"HGET", "hotdesk:{acme}:by-guest", "g7"}), HasSubstr("HD0007"));

  // Nothing secret reached the logs: no token, not even its signature, no PIN.
  std::string logs = server_.process().Stdout() + server_.process().Stderr();
  for (const std::string& t : {expired_token, forged_token, other_tenant_token,
                               pki().Token(kTenant, "admin")}) {
    std::vector<std::string> parts = absl::StrSplit(t, '.');
    EXPECT_THAT(logs, Not(HasSubstr(parts[1]))) << "token payload in the log";
    EXPECT_THAT(logs, Not(HasSubstr(parts[2]))) << "token signature in the log";
  }
  EXPECT_THAT(logs, Not(HasSubstr(kPin)));
  EXPECT_THAT(logs, Not(HasSubstr(kNewPin)));
  EXPECT_THAT(logs, HasSubstr("call refused"));
}

TEST_F(AuthE2E, WhoAmIDescribesTheVerifiedCaller) {
  auth::TokenClaims c = ClaimsFor("acme", "agent");
  c.tenants = {"acme", "initech"};
  c.source = "FEATURE_CODE";
  auto channel = server_.SecureChannel(pki().Token(c, pki().jwt_ec_private));
  grpc::ClientContext ctx;
  v1::WhoAmIResponse who;
  ASSERT_TRUE(v1::Session::NewStub(channel)->WhoAmI(&ctx, v1::WhoAmIRequest(), &who).ok());
  EXPECT_EQ(who.subject(), "matrix-agent");
  EXPECT_THAT(who.tenants(), ::testing::ElementsAre("acme", "initech"));
  EXPECT_EQ(who.role(), "agent");
  EXPECT_EQ(who.source(), "FEATURE_CODE");
  EXPECT_FALSE(who.authentication_disabled());
  EXPECT_GT(who.expire_time().seconds(), absl::ToUnixSeconds(absl::Now()));
  EXPECT_THAT(who.allowed_methods(), ::testing::Contains("Associations/Establish"));
  EXPECT_THAT(who.allowed_methods(), ::testing::Contains("Guests/VerifyPin"));
  EXPECT_THAT(who.allowed_methods(), Not(::testing::Contains("Devices/ForceLogoutDevice")));
}

TEST_F(AuthE2E, WatchNeedsTheTenantAndHealthStaysOpen) {
  v1::WatchEventsRequest req;
  req.set_tenant(kTenant);
  Watcher foreign(server_.SecureChannel(pki().Token("globex", "admin")), req);
  EXPECT_EQ(foreign.WaitDone().error_code(), grpc::StatusCode::PERMISSION_DENIED);
  Watcher anonymous(server_.SecureChannel(""), req);
  EXPECT_EQ(anonymous.WaitDone().error_code(), grpc::StatusCode::UNAUTHENTICATED);
  Watcher viewer(server_.SecureChannel(pki().Token(kTenant, "viewer")), req);
  auto stub = v1::Associations::NewStub(admin_);
  // Live once it sees a marker change.
  for (int i = 0; i < 50 && !viewer.WaitFor(1, absl::Milliseconds(200)); ++i)
    ASSERT_TRUE(Establish(stub.get(), Login(kTenant, "marker", "m" + std::to_string(i))).ok());
  EXPECT_FALSE(viewer.events().empty());
  // Probes have no token.
  EXPECT_EQ(HealthStatus(server_.SecureChannel("")), 1);
  EXPECT_EQ(HealthStatus(server_.SecureChannel(""), "hotdesk.v1.Associations"), 1);
}

TEST_F(AuthE2E, LockStateIsHiddenFromNonAdmins) {
  Seed();
  auto agent = v1::Guests::NewStub(server_.SecureChannel(pki().Token(kTenant, "agent")));
  grpc::ClientContext c;
  v1::VerifyPinRequest wrong;
  wrong.set_tenant(kTenant);
  wrong.set_id("g1");
  wrong.set_pin("111111");
  v1::VerifyPinResponse r;
  ASSERT_TRUE(agent->VerifyPin(&c, wrong, &r).ok());
  ASSERT_EQ(r.result(), v1::VerifyPinResponse::RESULT_WRONG);
  auto list_as = [&](const std::string& role) {
    grpc::ClientContext ctx;
    v1::ListGuestsRequest req;
    req.set_tenant(kTenant);
    v1::ListGuestsResponse resp;
    grpc::Status s = v1::Guests::NewStub(server_.SecureChannel(pki().Token(kTenant, role)))
                         ->ListGuests(&ctx, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp;
  };
  auto op = list_as("operator");
  ASSERT_EQ(op.guests_size(), 1);
  EXPECT_EQ(op.guests(0).failed_attempts(), 0);
  auto admin = list_as("admin");
  EXPECT_EQ(admin.guests(0).failed_attempts(), 1);
  grpc::ClientContext g;
  v1::GetGuestRequest get;
  get.set_tenant(kTenant);
  get.set_id("g1");
  v1::Guest guest;
  ASSERT_TRUE(v1::Guests::NewStub(server_.SecureChannel(pki().Token(kTenant, "operator")))
                  ->GetGuest(&g, get, &guest)
                  .ok());
  EXPECT_EQ(guest.failed_attempts(), 0);
  EXPECT_TRUE(guest.has_pin());
}

// One PIN tried at many guests never locks any of them; the wrong-PIN budgets stop it, per
// caller first, then for the whole tenant.
TEST(PinGuessingE2E, GuessingAcrossGuestsIsThrottledPerCallerAndPerTenant) {
  const auto& pki = SharedPki();
  RedisServer redis;
  ASSERT_TRUE(redis.Start());
  HotdeskServerProcess server;
  ASSERT_TRUE(server.StartSecure(redis.addr(), pki, false,
                                 {"--pin_hash_cost=min", "--pin_budget_per_source=5",
                                  "--pin_budget_per_tenant=8", "--pin_budget_window=1m"}))
      << server.process().Stderr();
  auto admin = v1::Guests::NewStub(server.SecureChannel(pki.Token(kTenant, "admin")));
  for (int i = 0; i < 12; ++i) {
    grpc::ClientContext ctx;
    v1::CreateGuestRequest g;
    g.set_tenant(kTenant);
    g.mutable_guest()->set_id("g" + std::to_string(i));
    g.mutable_guest()->set_hotdesking_enabled(true);
    g.set_pin(kPin);
    v1::Guest out;
    ASSERT_TRUE(admin->CreateGuest(&ctx, g, &out).ok());
  }
  auto guess = [&](v1::Guests::Stub* stub, int guest, v1::VerifyPinResponse* resp) {
    grpc::ClientContext ctx;
    v1::VerifyPinRequest req;
    req.set_tenant(kTenant);
    req.set_id("g" + std::to_string(guest));
    req.set_pin("123456");
    return FromGrpcStatus(stub->VerifyPin(&ctx, req, resp));
  };
  auth::TokenClaims a = ClaimsFor(kTenant, "agent");
  a.subject = "pbx-a";
  auto mallory = v1::Guests::NewStub(server.SecureChannel(pki.Token(a)));
  int wrong = 0;
  absl::Status refused;
  for (int i = 0; i < 12 && refused.ok(); ++i) {
    v1::VerifyPinResponse r;
    refused = guess(mallory.get(), i, &r);
    if (refused.ok()) {
      EXPECT_EQ(r.result(), v1::VerifyPinResponse::RESULT_WRONG);
      ++wrong;
    }
  }
  EXPECT_EQ(wrong, 5);
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted) << refused;
  EXPECT_EQ(ErrorReason(refused), "PIN_RATE_LIMITED");
  EXPECT_THAT(std::string(refused.message()), HasSubstr("caller (5 per 1m)"));
  google::rpc::RetryInfo retry;
  ASSERT_TRUE(GetDetail(refused, &retry));
  EXPECT_GT(retry.retry_delay().seconds(), 0);
  // Another caller still has its own budget, until the tenant's (8) is spent.
  a.subject = "pbx-b";
  auto trent = v1::Guests::NewStub(server.SecureChannel(pki.Token(a)));
  v1::VerifyPinResponse r;
  for (int i = 6; i < 9; ++i) EXPECT_TRUE(guess(trent.get(), i, &r).ok()) << i;
  absl::Status tenant_wide = guess(trent.get(), 9, &r);
  EXPECT_EQ(ErrorReason(tenant_wide), "PIN_RATE_LIMITED");
  EXPECT_THAT(std::string(tenant_wide.message()), HasSubstr("tenant (8 per 1m)"));
  // Nobody got locked, and the refused guesses were not counted at the guests.
  grpc::ClientContext ctx;
  v1::ListGuestsRequest list;
  list.set_tenant(kTenant);
  v1::ListGuestsResponse guests;
  ASSERT_TRUE(admin->ListGuests(&ctx, list, &guests).ok());
  int counted = 0;
  for (const auto& g : guests.guests()) {
    EXPECT_LE(g.failed_attempts(), 1) << g.id();
    EXPECT_FALSE(g.has_locked_until()) << g.id();
    counted += g.failed_attempts();
  }
  EXPECT_EQ(counted, 8);
  EXPECT_THAT(server.process().Stderr(), Not(HasSubstr("123456")));
}

// A flood of PIN checks meets a bounded queue: the excess is refused at once, callers who gave up
// are not hashed for, and nothing waits behind an unbounded backlog.
TEST(PinGuessingE2E, PinHashingQueueIsBoundedAndDeadlineAware) {
  const auto& pki = SharedPki();
  HotdeskServerProcess server;
  ASSERT_TRUE(server.StartSecure("", pki, false,
                                 {"--pin_hash_cost=interactive", "--pin_hash_threads=1",
                                  "--pin_hash_queue=2", "--pin_budget_per_source=0",
                                  "--pin_budget_per_tenant=0", "--pin_max_attempts=1000"}))
      << server.process().Stderr();
  auto channel = server.SecureChannel(pki.Token(kTenant, "admin"));
  auto guests = v1::Guests::NewStub(channel);
  {
    grpc::ClientContext ctx;
    v1::CreateGuestRequest g;
    g.set_tenant(kTenant);
    g.mutable_guest()->set_id("g1");
    g.set_pin(kPin);
    v1::Guest out;
    ASSERT_TRUE(guests->CreateGuest(&ctx, g, &out).ok());
  }
  constexpr int kCalls = 24;
  std::vector<std::unique_ptr<grpc::ClientContext>> ctxs;
  std::vector<v1::VerifyPinResponse> resps(kCalls);
  std::vector<std::promise<grpc::Status>> results(kCalls);
  v1::VerifyPinRequest req;
  req.set_tenant(kTenant);
  req.set_id("g1");
  req.set_pin(kPin);
  absl::Time start = absl::Now();
  for (int i = 0; i < kCalls; ++i) {
    ctxs.push_back(std::make_unique<grpc::ClientContext>());
    // Every other caller gives up after 150 ms.
    ctxs.back()->set_deadline(absl::ToChronoTime(absl::Now() + (i % 2 ? absl::Milliseconds(150)
                                                                         : absl::Seconds(30))));
    guests->async()->VerifyPin(ctxs.back().get(), &req, &resps[i],
                               [&results, i](grpc::Status s) { results[i].set_value(s); });
  }
  std::map<grpc::StatusCode, int> codes;
  for (auto& r : results) ++codes[r.get_future().get().error_code()];
  absl::Duration took = absl::Now() - start;
  std::printf("%d concurrent PIN checks, 1 hashing thread, queue 2: OK %d, RESOURCE_EXHAUSTED %d, "
              "DEADLINE_EXCEEDED %d, in %s\n",
              kCalls, codes[grpc::StatusCode::OK], codes[grpc::StatusCode::RESOURCE_EXHAUSTED],
              codes[grpc::StatusCode::DEADLINE_EXCEEDED], absl::FormatDuration(took).c_str());
  EXPECT_GT(codes[grpc::StatusCode::RESOURCE_EXHAUSTED], 0);
  EXPECT_GT(codes[grpc::StatusCode::OK], 0);
  EXPECT_EQ(codes[grpc::StatusCode::OK] + codes[grpc::StatusCode::RESOURCE_EXHAUSTED] +
                codes[grpc::StatusCode::DEADLINE_EXCEEDED],
            kCalls);
  // At most queue + worker + a few in flight were ever hashed: far less than every call.
  EXPECT_LE(codes[grpc::StatusCode::OK], 2 + 1 + 3);
  EXPECT_THAT(server.process().Stderr(), Not(HasSubstr(kPin)));
}

class MutualTlsE2E : public ::testing::Test {};

TEST_F(MutualTlsE2E, OnlyClientsWithACertificateFromTheConfiguredCaGetIn) {
  const auto& pki = SharedPki();
  HotdeskServerProcess server;
  ASSERT_TRUE(server.StartSecure("", pki, /*mtls=*/true, {"--health_listen=127.0.0.1:0"}))
      << server.process().Stderr();
  std::string token = pki.Token(kTenant, "viewer");
  // Probes (kubelet's cannot do TLS) get a plaintext port that serves health and nothing else.
  std::string line = server.process().WaitForLine("health only on port", absl::Seconds(5));
  ASSERT_FALSE(line.empty());
  auto probe = grpc::CreateChannel("127.0.0.1:" + line.substr(line.rfind(' ') + 1),
                                   grpc::InsecureChannelCredentials());
  EXPECT_EQ(HealthStatus(probe), 1);
  EXPECT_EQ(HealthStatus(probe, "hotdesk.v1.Associations"), 1);
  {
    grpc::ClientContext ctx;
    v1::WhoAmIResponse resp;
    EXPECT_EQ(v1::Session::NewStub(probe)->WhoAmI(&ctx, v1::WhoAmIRequest(), &resp).error_code(),
              grpc::StatusCode::UNIMPLEMENTED);
  }
  auto who = [&](const std::shared_ptr<grpc::Channel>& channel) {
    grpc::ClientContext ctx;
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
    v1::WhoAmIResponse resp;
    return v1::Session::NewStub(channel)->WhoAmI(&ctx, v1::WhoAmIRequest(), &resp);
  };
  EXPECT_TRUE(who(server.SecureChannel(token, /*client_cert=*/true)).ok());
  EXPECT_EQ(who(server.SecureChannel(token, /*client_cert=*/false)).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  auth::ClientAuthOptions wrong_ca;
  wrong_ca.token = token;
  wrong_ca.tls.enabled = true;
  wrong_ca.tls.ca_file = pki.ca_cert;
  wrong_ca.tls.cert_file = pki.other_client_cert;
  wrong_ca.tls.key_file = pki.other_client_key;
  auto channel = auth::MakeChannel(server.addr(), wrong_ca);
  ASSERT_TRUE(channel.ok());
  EXPECT_EQ(who(*channel).error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(who(server.Channel()).error_code(), grpc::StatusCode::UNAVAILABLE)
      << "plaintext must not reach a TLS port";
  // A client that does not trust the server's CA refuses it.
  auth::ClientAuthOptions distrust;
  distrust.token = token;
  distrust.tls.enabled = true;
  distrust.tls.ca_file = pki.other_ca_cert;
  distrust.tls.cert_file = pki.client_cert;
  distrust.tls.key_file = pki.client_key;
  EXPECT_EQ(who(*auth::MakeChannel(server.addr(), distrust)).error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

TEST(AuthKeysE2E, RotatedKeyFileIsPickedUpWithoutARestart) {
  const auto& pki = SharedPki();
  std::string keys = pki.scratch + "/server-rotating.pem";
  std::ofstream(keys) << ReadFile(pki.jwt_public);
  HotdeskServerProcess server;
  ASSERT_TRUE(server.Start("", {"--auth_keys=" + keys})) << server.process().Stderr();
  auth::ClientAuthOptions plain_old, plain_new;
  plain_old.token = pki.Token(kTenant, "viewer");
  auth::TokenClaims c = ClaimsFor(kTenant, "viewer");
  plain_new.token = pki.Token(c, pki.jwt_ec_private);
  auto old_channel = *auth::MakeChannel(server.addr(), plain_old);
  auto new_channel = *auth::MakeChannel(server.addr(), plain_new);
  auto code = [](const std::shared_ptr<grpc::Channel>& ch) {
    grpc::ClientContext ctx;
    v1::WhoAmIResponse resp;
    return v1::Session::NewStub(ch)->WhoAmI(&ctx, v1::WhoAmIRequest(), &resp).error_code();
  };
  EXPECT_EQ(code(old_channel), grpc::StatusCode::OK);
  EXPECT_EQ(code(new_channel), grpc::StatusCode::UNAUTHENTICATED);
  // The issuer rotates: the new key replaces the old one in the file.
  std::ofstream(keys + ".tmp") << ReadFile(pki.jwt_ec_public);
  ASSERT_EQ(std::rename((keys + ".tmp").c_str(), keys.c_str()), 0);
  absl::Time end = absl::Now() + absl::Seconds(10);
  while (absl::Now() < end && code(new_channel) != grpc::StatusCode::OK)
    absl::SleepFor(absl::Milliseconds(50));
  EXPECT_EQ(code(new_channel), grpc::StatusCode::OK);
  EXPECT_EQ(code(old_channel), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(server.process().Stderr(), HasSubstr("token keys loaded"));
  EXPECT_THAT(server.process().Stderr(), HasSubstr("bearer tokens are accepted over plaintext"));
}

TEST(AuthStartE2E, NoKeysMeansNoStartAndInsecureIsLoud) {
  std::string out, err;
  int rc = RunCommand({ServerBinary(), "--store=memory", "--listen=127.0.0.1:0", "--metrics_listen="},
                      &out, &err);
  EXPECT_EQ(rc, 2);
  EXPECT_THAT(err, HasSubstr("--insecure_no_auth"));
  EXPECT_THAT(err, HasSubstr("--auth_keys"));
  rc = RunCommand({ServerBinary(), "--store=memory", "--listen=127.0.0.1:0", "--metrics_listen=",
                   "--insecure_no_auth", "--auth_keys=" + SharedPki().jwt_public},
                  &out, &err);
  EXPECT_EQ(rc, 2);
  EXPECT_THAT(err, HasSubstr("choose one"));
  rc = RunCommand({ServerBinary(), "--store=memory", "--listen=127.0.0.1:0", "--metrics_listen=",
                   "--auth_keys=" + SharedPki().jwt_private},
                  &out, &err);
  EXPECT_EQ(rc, 2);
  EXPECT_THAT(err, HasSubstr("private key"));
  rc = RunCommand({ServerBinary(), "--store=memory", "--listen=127.0.0.1:0", "--metrics_listen=",
                   "--auth_keys=" + SharedPki().jwt_public, "--tls_cert=" + SharedPki().server_cert,
                   "--tls_key=" + SharedPki().client_key},
                  &out, &err);
  EXPECT_EQ(rc, 2);
  EXPECT_THAT(err, HasSubstr("does not belong"));

  HotdeskServerProcess open;
  ASSERT_TRUE(open.Start(""));
  EXPECT_THAT(open.process().Stderr(), HasSubstr("AUTHENTICATION DISABLED"));
  grpc::ClientContext ctx;
  v1::WhoAmIResponse who;
  ASSERT_TRUE(v1::Session::NewStub(open.Channel())->WhoAmI(&ctx, v1::WhoAmIRequest(), &who).ok());
  EXPECT_TRUE(who.authentication_disabled());
}

TEST(AuthCliE2E, HotdeskctlMintsTokensAndSpeaksTls) {
  const auto& pki = SharedPki();
  HotdeskServerProcess server;
  ASSERT_TRUE(server.StartSecure("", pki, /*mtls=*/true)) << server.process().Stderr();
  std::string token, err;
  ASSERT_EQ(RunCommand({CtlBinary(), "token", "--signing_key=" + pki.jwt_private, "--role=agent",
                        "--tenants=acme", "--token_source=csta", "--ttl=10m"},
                       &token, &err),
            0)
      << err;
  token = std::string(absl::StripAsciiWhitespace(token));
  std::string token_file = pki.scratch + "/cli.token";
  std::ofstream(token_file) << token << "\n";
  std::vector<std::string> base = {CtlBinary(), "--server=" + server.addr(), "--tenant=acme",
                                   "--tls_ca=" + pki.ca_cert, "--tls_cert=" + pki.client_cert,
                                   "--tls_key=" + pki.client_key};
  auto run = [&](std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
    std::vector<std::string> argv = base;
    argv.insert(argv.end(), args.begin(), args.end());
    ChildProcess p;
    EXPECT_TRUE(p.Start(argv, env));
    int rc = p.Stop(0, absl::Seconds(30));
    return std::make_pair(rc, p.Stdout() + p.Stderr());
  };
  auto [rc1, who] = run({"--token_file=" + token_file, "whoami"});
  EXPECT_EQ(rc1, 0) << who;
  EXPECT_THAT(who, HasSubstr("role=agent tenants=acme source=CSTA"));
  auto [rc2, est] = run({"establish", "HD0001", "g1", "--source=csta"}, {{"HOTDESK_TOKEN", token}});
  EXPECT_EQ(rc2, 0) << est;
  auto [rc3, denied] = run({"establish", "HD0002", "g2"}, {{"HOTDESK_TOKEN", token}});
  EXPECT_EQ(rc3, 1);
  EXPECT_THAT(denied, HasSubstr("PERMISSION_DENIED"));
  auto [rc4, none] = run({"list"});
  EXPECT_EQ(rc4, 1);
  EXPECT_THAT(none, HasSubstr("UNAUTHENTICATED"));
}

}  // namespace
}  // namespace hotdesk::testing
