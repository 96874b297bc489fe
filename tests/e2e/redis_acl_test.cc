// Redis ACL users (helm/hotdesk/files/redis-acl.rules) against a real Redis: hotdesk-server does
// everything it does (associations, expiry, watching, devices, guests, PINs) as its restricted
// user and Redis refuses none of it (ACL LOG stays empty); what the user may not do (other keys,
// FLUSHALL, CONFIG, KEYS, plain pub/sub) is refused; the XSP bridge's user reaches only its own
// progress keys. The password reaches the server through a file, never its command line.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "hotdesk/v1/devices.grpc.pb.h"
#include "hotdesk/v1/guests.grpc.pb.h"
#include "tests/e2e/grpc_helpers.h"
#include "tests/support/processes.h"

namespace hotdesk::testing {
namespace {

using ::testing::HasSubstr;

constexpr char kAdminPassword[] = "admin-pw-5a1c";
constexpr char kServerPassword[] = "server-pw-93be";
constexpr char kXspPassword[] = "xsp-pw-77d0";

// user -> rules (with the prefix filled in), from the one rules file.
std::map<std::string, std::string> Rules(const std::string& prefix) {
  std::ifstream in(REDIS_ACL_RULES);
  EXPECT_TRUE(in) << REDIS_ACL_RULES;
  std::map<std::string, std::string> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::string user = line.substr(0, line.find(' '));
    out[user] = absl::StrReplaceAll(line.substr(line.find(' ') + 1), {{"%PREFIX%", prefix}});
  }
  return out;
}

// ACL SETUSER <user> reset <rules> ><password>, as the admin.
void SetUser(RedisServer& redis, const std::string& user, const std::string& rules,
             const std::string& password) {
  std::vector<std::string> argv = {"ACL", "SETUSER", user, "reset"};
  for (absl::string_view r : absl::StrSplit(rules, ' ', absl::SkipEmpty())) argv.emplace_back(r);
  argv.push_back(">" + password);
  ASSERT_EQ(redis.Cmd(argv), "OK") << user;
}

// One command as `user` on a fresh connection; the reply as text.
std::string As(RedisServer& redis, const std::string& user, const std::string& password,
               const std::vector<std::string>& argv) {
  RedisServer& r = redis;
  r.UseCredentials(user, password);
  std::string out = r.Cmd(argv);
  r.UseCredentials("admin", kAdminPassword);
  return out;
}

class RedisAclE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(redis_.Start());
    auto rules = Rules("hotdesk");
    ASSERT_EQ(rules.size(), 2u);
    ASSERT_EQ(redis_.Cmd({"ACL", "SETUSER", "admin", "on", std::string(">") + kAdminPassword, "~*",
                          "&*", "+@all"}),
              "OK");
    SetUser(redis_, "hotdesk-xsp", rules["hotdesk-xsp"], kXspPassword);
    SetUser(redis_, "hotdesk-server", rules["hotdesk-server"], kServerPassword);
    // Nobody gets in without a user and a password.
    ASSERT_EQ(redis_.Cmd({"ACL", "SETUSER", "default", "off"}), "OK");
    redis_.UseCredentials("admin", kAdminPassword);
    ASSERT_EQ(redis_.Cmd({"ACL", "LOG", "RESET"}), "OK");
  }

  RedisServer redis_;
};

TEST_F(RedisAclE2E, ServerWorksWithOnlyItsCommandsAndKeysAndNothingElse) {
  std::string pw_file = MakeTempDir() + "/redis-server.pw";  // its own: tests run in parallel
  std::ofstream(pw_file) << kServerPassword << "\n";
  ChildProcess server;
  ASSERT_TRUE(server.Start({ServerBinary(), "--listen=127.0.0.1:0", "--metrics_listen=",
                            "--redis_addr=" + redis_.addr(), "--redis_username=hotdesk-server",
                            "--redis_password_file=" + pw_file,
                            "--insecure_no_auth", "--min_association_limit=1s",
                            "--sweep_interval=100ms", "--pin_hash_cost=min"}));
  std::string line = server.WaitForLine("listening on port", absl::Seconds(20));
  ASSERT_FALSE(line.empty()) << server.Stderr();
  auto channel = grpc::CreateChannel("127.0.0.1:" + line.substr(line.rfind(' ') + 1),
                                     grpc::InsecureChannelCredentials());
  for (absl::Time end = absl::Now() + absl::Seconds(10);
       HealthStatus(channel) != 1 && absl::Now() < end;)
    absl::SleepFor(absl::Milliseconds(20));
  ASSERT_EQ(HealthStatus(channel), 1) << server.Stderr();

  // Everything the server does to Redis.
  auto assoc = v1::Associations::NewStub(channel);
  v1::WatchEventsRequest w;
  w.set_tenant("acme");
  w.set_include_snapshot(true);
  Watcher watcher(channel, w);
  ASSERT_TRUE(Establish(assoc.get(), Login("acme", "HD0001", "g1")).ok());
  auto limited = Login("acme", "HD0002", "g2");
  limited.mutable_limit()->mutable_duration()->set_seconds(1);
  limited.set_request_id("acl-1");
  ASSERT_TRUE(Establish(assoc.get(), limited).ok());
  ASSERT_TRUE(Establish(assoc.get(), limited).ok());  // replay of the request id
  {
    grpc::ClientContext ctx;
    v1::ListAssociationsRequest req;
    req.set_tenant("acme");
    v1::ListAssociationsResponse resp;
    ASSERT_TRUE(assoc->ListAssociations(&ctx, req, &resp).ok());
  }
  auto devices = v1::Devices::NewStub(channel);
  auto guests = v1::Guests::NewStub(channel);
  {
    grpc::ClientContext c1, c2, c3, c4, c5, c6;
    v1::CreateDeviceRequest d;
    d.set_tenant("acme");
    d.mutable_device()->set_mac("00:11:22:33:44:55");
    d.mutable_device()->set_hotdesk_extension("HD0001");
    v1::Device dev;
    ASSERT_TRUE(devices->CreateDevice(&c1, d, &dev).ok());
    v1::ListDevicesRequest ld;
    ld.set_tenant("acme");
    v1::ListDevicesResponse lds;
    ASSERT_TRUE(devices->ListDevices(&c2, ld, &lds).ok());
    v1::CreateGuestRequest g;
    g.set_tenant("acme");
    g.mutable_guest()->set_id("g9");
    g.set_pin("482913");
    v1::Guest guest;
    ASSERT_TRUE(guests->CreateGuest(&c3, g, &guest).ok());
    v1::VerifyPinRequest vp;
    vp.set_tenant("acme");
    vp.set_id("g9");
    vp.set_pin("000000");
    v1::VerifyPinResponse vr;
    ASSERT_TRUE(guests->VerifyPin(&c4, vp, &vr).ok());
    vp.set_pin("482913");
    ASSERT_TRUE(guests->VerifyPin(&c5, vp, &vr).ok());
    EXPECT_EQ(vr.result(), v1::VerifyPinResponse::RESULT_OK);
    v1::ForceLogoutDeviceRequest fl;
    fl.set_tenant("acme");
    fl.set_mac("00:11:22:33:44:55");
    v1::CancelResponse cr;
    ASSERT_TRUE(devices->ForceLogoutDevice(&c6, fl, &cr).ok());
  }
  // The sweeper expires the limited association; the watcher sees it live.
  auto expired = [&] {
    for (const auto& e : watcher.events()) {
      if (e.association().host() == "HD0002" && e.reason() == v1::CANCEL_REASON_EXPIRED) return true;
    }
    return false;
  };
  for (absl::Time end = absl::Now() + absl::Seconds(10); !expired() && absl::Now() < end;)
    watcher.WaitFor(watcher.events().size() + 1, absl::Milliseconds(200));
  EXPECT_TRUE(expired()) << watcher.events().size() << " events";

  // Redis refused nothing the server did.
  EXPECT_EQ(redis_.Cmd({"ACL", "LOG"}), "") << "ACL LOG: " << redis_.Cmd({"ACL", "LOG"});
  EXPECT_THAT(server.Stderr(), ::testing::Not(HasSubstr("NOPERM")));
  EXPECT_THAT(server.Stdout() + server.Stderr(), ::testing::Not(HasSubstr(kServerPassword)));

  // What the server's user may not do.
  for (const std::vector<std::string>& forbidden :
       std::vector<std::vector<std::string>>{{"FLUSHALL"},
                                            {"CONFIG", "GET", "*"},
                                            {"KEYS", "*"},
                                            {"GET", "otherapp:secret"},
                                            {"SUBSCRIBE", "hotdesk:x"},
                                            {"ACL", "LIST"},
                                            {"SCRIPT", "FLUSH"}}) {
    EXPECT_THAT(As(redis_, "hotdesk-server", kServerPassword, forbidden), HasSubstr("NOPERM"))
        << forbidden[0];
  }
  EXPECT_THAT(As(redis_, "hotdesk-server", kServerPassword, {"HLEN", "hotdesk:{acme}:by-host"}),
              ::testing::Not(HasSubstr("NOPERM")));
  server.Stop();
}

TEST_F(RedisAclE2E, XspBridgeUserReachesOnlyItsProgressKeys) {
  EXPECT_EQ(As(redis_, "hotdesk-xsp", kXspPassword, {"SET", "hotdesk:{acme}:xsp:cursor", "1-0"}), "OK");
  EXPECT_EQ(As(redis_, "hotdesk-xsp", kXspPassword, {"GET", "hotdesk:{acme}:xsp:cursor"}), "1-0");
  EXPECT_EQ(As(redis_, "hotdesk-xsp", kXspPassword,
               {"HSET", "hotdesk:{acme}:xsp:seq:1-0", "step", "2"}),
            "1");
  for (const std::vector<std::string>& forbidden : std::vector<std::vector<std::string>>{
           {"HGET", "hotdesk:{acme}:by-host", "HD0001"},
           {"HSET", "hotdesk:{acme}:guest", "g1", "x"},
           {"XADD", "hotdesk:{acme}:ev", "*", "t", "E"},
           {"GET", "hotdesk:tenants"},
           {"FLUSHALL"},
           {"CONFIG", "SET", "appendonly", "no"}}) {
    EXPECT_THAT(As(redis_, "hotdesk-xsp", kXspPassword, forbidden), HasSubstr("NOPERM"))
        << forbidden[0] << " " << (forbidden.size() > 1 ? forbidden[1] : "");
  }
}

}  // namespace
}  // namespace hotdesk::testing
