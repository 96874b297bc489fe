// hotdesk-featurecodes as a real process, between a real hotdesk-server (on a real redis-server)
// and a "PBX" that speaks its HTTP/JSON and gRPC APIs.
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/stat.h>

#include <condition_variable>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "absl/strings/str_split.h"
#include "hotdesk/v1/associations.grpc.pb.h"
#include "hotdesk/v1/devices.grpc.pb.h"
#include "hotdesk/v1/featurecodes.grpc.pb.h"
#include "hotdesk/v1/guests.grpc.pb.h"
#include "tests/support/wait_serving.h"
#include "tests/support/processes.h"

namespace hotdesk {
namespace {

using testing::ChildProcess;
using testing::CtlBinary;
using testing::HotdeskServerProcess;
using testing::RedisServer;
using testing::RunCommand;

constexpr char kPin[] = "73915";
constexpr char kBobPin[] = "246802";
constexpr char kMac1[] = "0015657a1b2c";
constexpr char kMac2[] = "0015657a1b2d";

std::unique_ptr<grpc::ClientContext> Ctx() {
  auto c = std::make_unique<grpc::ClientContext>();
  c->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  return c;
}

std::string TempDir() {
  char tmpl[] = "/tmp/hotdesk-fc-XXXXXX";
  return mkdtemp(tmpl);
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Collects the tenant's association events from WatchEvents.
class EventCollector {
 public:
  EventCollector(std::shared_ptr<grpc::Channel> ch) : stub_(v1::Associations::NewStub(ch)) {
    thread_ = std::thread([this] {
      v1::WatchEventsRequest req;
      req.set_tenant("acme");
      req.set_include_snapshot(true);
      auto reader = stub_->WatchEvents(&ctx_, req);
      v1::AssociationEvent ev;
      while (reader->Read(&ev)) {
        std::lock_guard<std::mutex> lock(mu_);
        if (ev.type() == v1::EVENT_TYPE_SNAPSHOT_COMPLETE)
          ready_ = true;
        else if (!ev.snapshot())
          events_.push_back(ev);
        cv_.notify_all();
      }
      reader->Finish();
    });
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(10), [this] { return ready_; });
  }
  ~EventCollector() {
    ctx_.TryCancel();
    thread_.join();
  }
  // Waits for an event of `type` at `host`; returns it (type unspecified on timeout).
  v1::AssociationEvent WaitFor(v1::EventType type, const std::string& host) {
    std::unique_lock<std::mutex> lock(mu_);
    v1::AssociationEvent found;
    cv_.wait_for(lock, std::chrono::seconds(10), [&] {
      for (size_t i = seen_; i < events_.size(); ++i) {
        if (events_[i].type() == type && events_[i].association().host() == host) {
          found = events_[i];
          seen_ = i + 1;
          return true;
        }
      }
      return false;
    });
    return found;
  }

 private:
  std::unique_ptr<v1::Associations::Stub> stub_;
  grpc::ClientContext ctx_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool ready_ = false;
  std::vector<v1::AssociationEvent> events_;
  size_t seen_ = 0;
};

class FeatureCodesE2ETest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = TempDir();
    notices_ = dir_ + "/notices";
    script_ = dir_ + "/notify.sh";
    std::ofstream(script_) << "#!/bin/sh\necho \"$@\" >> " << notices_ << "\n";
    chmod(script_.c_str(), 0755);
    ASSERT_TRUE(redis_.Start());
    ASSERT_TRUE(server_.Start(redis_.addr(), {"--pin_hash_cost=min", "--pin_lockout=60s"}));
    ASSERT_TRUE(testing::WaitServing(server_.Channel()));
    devices_ = v1::Devices::NewStub(server_.Channel());
    guests_ = v1::Guests::NewStub(server_.Channel());
    assoc_ = v1::Associations::NewStub(server_.Channel());
    AddDevice(kMac1, "HD0001", "generic");
    AddDevice(kMac2, "HD0002", "polycom");
    AddGuest("101", "Alice", kPin, true);
    AddGuest("102", "Bob", kBobPin, true);
    AddGuest("103", "Carol", "13579", false);
  }
  void TearDown() override {
    if (fc_.Running()) EXPECT_EQ(fc_.Stop(), 0);
    server_.Stop();
  }

  void StartAdapter(const std::string& dialplan, std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {
        FEATURECODES_BIN,         "--server=" + server_.addr(),  "--tenant=acme",
        "--listen=127.0.0.1:0",   "--http_listen=127.0.0.1:0",   "--metrics_listen=",
        "--dialplan=" + dialplan, "--notify_command=" + script_, "--log_level=debug",
        // The PBX API's authentication has its own suite (featurecodes_http_auth_test).
        "--insecure_pbx_no_auth", "--provisioning_allow_networks=127.0.0.1/32"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    ASSERT_TRUE(fc_.Start(argv));
    std::string line = fc_.WaitForLine("http listening on port", absl::Seconds(20));
    ASSERT_FALSE(line.empty()) << fc_.Stderr();
    http_port_ = std::atoi(line.substr(line.rfind(' ') + 1).c_str());
    std::string grpc_line = fc_.WaitForLine("listening on port", absl::Seconds(1));
    int grpc_port = std::atoi(grpc_line.substr(grpc_line.rfind(' ') + 1).c_str());
    fc_stub_ = v1::FeatureCodes::NewStub(grpc::CreateChannel(
        "127.0.0.1:" + std::to_string(grpc_port), grpc::InsecureChannelCredentials()));
    http_ = std::make_unique<httplib::Client>("127.0.0.1", http_port_);
    http_->set_read_timeout(10, 0);
  }

  void AddDevice(const std::string& mac, const std::string& ext, const std::string& model) {
    v1::CreateDeviceRequest req;
    req.set_tenant("acme");
    req.mutable_device()->set_mac(mac);
    req.mutable_device()->set_hotdesk_extension(ext);
    req.mutable_device()->set_display_name("Desk " + ext);
    req.mutable_device()->set_model(model);
    v1::Device d;
    ASSERT_TRUE(devices_->CreateDevice(Ctx().get(), req, &d).ok());
  }
  void AddGuest(const std::string& id, const std::string& name, const std::string& pin,
                bool enabled) {
    v1::CreateGuestRequest req;
    req.set_tenant("acme");
    req.mutable_guest()->set_id(id);
    req.mutable_guest()->set_display_name(name);
    req.mutable_guest()->set_hotdesking_enabled(enabled);
    req.set_pin(pin);
    v1::Guest g;
    ASSERT_TRUE(guests_->CreateGuest(Ctx().get(), req, &g).ok());
  }

  // POST /v1/dial with a JSON body, as a PBX would.
  v1::DialResponse Dial(const std::string& device, const std::string& digits) {
    std::string body = "{\"device\":\"" + device + "\",\"digits\":\"" + digits + "\"}";
    auto res = http_->Post("/v1/dial", body, "application/json");
    v1::DialResponse out;
    EXPECT_TRUE(res) << "no HTTP response";
    if (!res) return out;
    EXPECT_EQ(res->status, 200) << res->body;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(res->body, &out).ok()) << res->body;
    return out;
  }
  // POST /v1/pin as a form, as Asterisk's CURL() would.
  v1::SubmitPinResponse Pin(const std::string& session, const std::string& pin) {
    auto res = http_->Post("/v1/pin", "session_id=" + session + "&pin=" + pin,
                           "application/x-www-form-urlencoded");
    v1::SubmitPinResponse out;
    EXPECT_TRUE(res) << "no HTTP response";
    if (!res) return out;
    EXPECT_EQ(res->status, 200) << res->body;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(res->body, &out).ok()) << res->body;
    return out;
  }
  std::string Profile(const std::string& mac) {
    auto res = http_->Get(("/provisioning/" + mac + ".cfg").c_str());
    if (!res || res->status != 200) return "";
    return res->body;
  }
  // Waits until the notify hook has recorded `line`.
  bool WaitNotice(const std::string& line) {
    for (int i = 0; i < 200; ++i) {
      if (ReadAll(notices_).find(line) != std::string::npos) return true;
      absl::SleepFor(absl::Milliseconds(25));
    }
    return false;
  }
  std::string HostOf(const std::string& guest) {
    v1::GetAssociationRequest req;
    req.set_tenant("acme");
    req.set_guest(guest);
    v1::Association a;
    if (!assoc_->GetAssociation(Ctx().get(), req, &a).ok()) return "";
    return a.host();
  }
  std::string GuestAt(const std::string& host) {
    v1::GetAssociationRequest req;
    req.set_tenant("acme");
    req.set_host(host);
    v1::Association a;
    if (!assoc_->GetAssociation(Ctx().get(), req, &a).ok()) return "";
    return a.guest();
  }
  v1::DialResponse Login(const std::string& device, const std::string& code, const std::string& pin,
                         v1::SubmitPinResponse* result) {
    v1::DialResponse d = Dial(device, code);
    EXPECT_EQ(d.action(), v1::DialResponse::PROMPT_PIN) << d.ShortDebugString();
    *result = Pin(d.session_id(), pin);
    return d;
  }

  std::string dir_, notices_, script_;
  RedisServer redis_;
  HotdeskServerProcess server_;
  ChildProcess fc_;
  int http_port_ = 0;
  std::unique_ptr<httplib::Client> http_;
  std::unique_ptr<v1::FeatureCodes::Stub> fc_stub_;
  std::unique_ptr<v1::Devices::Stub> devices_;
  std::unique_ptr<v1::Guests::Stub> guests_;
  std::unique_ptr<v1::Associations::Stub> assoc_;
};

TEST_F(FeatureCodesE2ETest, Preset3cxLoginAndLogoutEndToEnd) {
  int metrics_port = testing::FreePort();
  StartAdapter("3cx", {"--metrics_listen=127.0.0.1:" + std::to_string(metrics_port)});
  EventCollector events(server_.Channel());
  // Alice's personal association limit applies to her feature-code logins.
  v1::UpdateGuestRequest ug;
  ug.set_tenant("acme");
  ug.mutable_guest()->set_id("101");
  ug.mutable_guest()->mutable_association_limit()->mutable_duration()->set_seconds(8 * 3600);
  ug.mutable_update_mask()->add_paths("association_limit");
  v1::Guest g;
  ASSERT_TRUE(guests_->UpdateGuest(Ctx().get(), ug, &g).ok());
  std::string before = Profile("00-15-65-7A-1B-2C");
  EXPECT_NE(before.find("account.1.user_name=HD0001\n"), std::string::npos) << before;
  EXPECT_NE(before.find("hotdesk.state=idle"), std::string::npos);

  v1::DialResponse d = Dial(kMac1, "*77*101*");
  ASSERT_EQ(d.action(), v1::DialResponse::PROMPT_PIN) << d.ShortDebugString();
  EXPECT_EQ(d.guest(), "101");
  EXPECT_FALSE(d.session_id().empty());
  v1::SubmitPinResponse p = Pin(d.session_id(), kPin);
  ASSERT_EQ(p.result(), v1::SubmitPinResponse::LOGGED_IN) << p.ShortDebugString();
  EXPECT_EQ(p.hotdesk_extension(), "HD0001");

  v1::AssociationEvent ev = events.WaitFor(v1::EVENT_TYPE_ESTABLISHED, "HD0001");
  EXPECT_EQ(ev.association().guest(), "101");
  EXPECT_EQ(ev.source(), v1::SOURCE_FEATURE_CODE);
  EXPECT_EQ(ev.association().attributes().at("display_name"), "Alice");
  EXPECT_EQ(ev.association().limit().duration().seconds(), 8 * 3600);
  EXPECT_EQ(ev.association().expire_time().seconds() - ev.association().establish_time().seconds(),
            8 * 3600);

  EXPECT_TRUE(WaitNotice(std::string(kMac1) + " 101 guest acme")) << ReadAll(notices_);
  std::string after = Profile(kMac1);
  EXPECT_NE(after.find("account.1.user_name=101\n"), std::string::npos) << after;
  EXPECT_NE(after.find("account.1.display_name=Alice\n"), std::string::npos) << after;
  EXPECT_NE(fc_.Stderr().find("msg=\"re-provision\""), std::string::npos);

  // The session is used up.
  EXPECT_EQ(Pin(d.session_id(), kPin).reason(), "SESSION_EXPIRED");
  // A guest at the device dials normally.
  d = Dial(kMac1, "0301234567");
  EXPECT_EQ(d.action(), v1::DialResponse::ROUTE_NORMAL);
  EXPECT_EQ(d.guest(), "101");

  // Logout, dialled from the phone (the PBX knows it as 101 now).
  d = Dial("101", "*77*5*");
  ASSERT_EQ(d.action(), v1::DialResponse::LOGGED_OUT) << d.ShortDebugString();
  EXPECT_FALSE(d.no_op());
  EXPECT_EQ(d.guest(), "101");
  ev = events.WaitFor(v1::EVENT_TYPE_CANCELLED, "HD0001");
  EXPECT_EQ(ev.reason(), v1::CANCEL_REASON_LOGOUT);
  EXPECT_EQ(ev.source(), v1::SOURCE_FEATURE_CODE);
  EXPECT_TRUE(WaitNotice(std::string(kMac1) + " HD0001 idle acme")) << ReadAll(notices_);
  EXPECT_EQ(Profile(kMac1), before);

  // Counted: two re-provision notices, one login, one logout.
  httplib::Client metrics("127.0.0.1", metrics_port);
  auto m = metrics.Get("/metrics");
  ASSERT_TRUE(m);
  EXPECT_NE(m->body.find("hotdesk_featurecodes_reprovisions_total 2"), std::string::npos)
      << m->body;
  EXPECT_NE(m->body.find("hotdesk_featurecodes_pin_submissions_total{result=\"LOGGED_IN\"} 1"),
            std::string::npos)
      << m->body;
  EXPECT_NE(m->body.find("hotdesk_featurecodes_dials_total{action=\"LOGGED_OUT\"} 1"),
            std::string::npos);
}

TEST_F(FeatureCodesE2ETest, CoreUnreachableIsAClearRejection) {
  StartAdapter("3cx");
  server_.Stop();
  v1::DialResponse d = Dial(kMac1, "*77*101*");
  EXPECT_EQ(d.action(), v1::DialResponse::REJECT);
  EXPECT_EQ(d.reason(), "UNAVAILABLE");
  // Provisioning cannot answer either: 503, not a stale or made-up profile.
  auto res = http_->Get("/provisioning/0015657a1b2c.cfg");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503);
}

TEST_F(FeatureCodesE2ETest, PresetPortsipOverGrpcWithPolycomProfile) {
  StartAdapter("portsip");
  EventCollector events(server_.Channel());
  std::string before = Profile(kMac2);
  EXPECT_NE(before.find("reg.1.address=\"HD0002\""), std::string::npos) << before;

  v1::DialRequest dr;
  dr.set_device("HD0002");  // the idle phone is known by its hot-desk extension
  dr.set_digits("*70102");
  v1::DialResponse d;
  ASSERT_TRUE(fc_stub_->Dial(Ctx().get(), dr, &d).ok());
  ASSERT_EQ(d.action(), v1::DialResponse::PROMPT_PIN);
  v1::SubmitPinRequest pr;
  pr.set_session_id(d.session_id());
  pr.set_pin(kBobPin);
  v1::SubmitPinResponse p;
  ASSERT_TRUE(fc_stub_->SubmitPin(Ctx().get(), pr, &p).ok());
  ASSERT_EQ(p.result(), v1::SubmitPinResponse::LOGGED_IN) << p.ShortDebugString();
  EXPECT_EQ(events.WaitFor(v1::EVENT_TYPE_ESTABLISHED, "HD0002").association().guest(), "102");
  EXPECT_TRUE(WaitNotice(std::string(kMac2) + " 102 guest acme")) << ReadAll(notices_);
  std::string after = Profile(kMac2);
  EXPECT_NE(after.find("reg.1.address=\"102\""), std::string::npos) << after;
  EXPECT_NE(after.find("reg.1.displayName=\"Bob\""), std::string::npos) << after;

  dr.set_device(kMac2);
  dr.set_digits("*71");
  ASSERT_TRUE(fc_stub_->Dial(Ctx().get(), dr, &d).ok());
  EXPECT_EQ(d.action(), v1::DialResponse::LOGGED_OUT);
  EXPECT_EQ(events.WaitFor(v1::EVENT_TYPE_CANCELLED, "HD0002").reason(), v1::CANCEL_REASON_LOGOUT);
  EXPECT_TRUE(WaitNotice(std::string(kMac2) + " HD0002 idle acme"));
  EXPECT_EQ(Profile(kMac2), before);

  // Bad input over gRPC: INVALID_ARGUMENT.
  dr.set_digits("12a");
  EXPECT_EQ(fc_stub_->Dial(Ctx().get(), dr, &d).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(FeatureCodesE2ETest, RoamingReplacesAndMoves) {
  StartAdapter("3cx");
  v1::SubmitPinResponse p;
  Login(kMac1, "*77*101*", kPin, &p);
  ASSERT_EQ(p.result(), v1::SubmitPinResponse::LOGGED_IN);
  // Bob takes Alice's desk: she is replaced.
  Login(kMac1, "*77*102*", kBobPin, &p);
  ASSERT_EQ(p.result(), v1::SubmitPinResponse::LOGGED_IN);
  EXPECT_EQ(p.replaced_guest(), "101");
  EXPECT_EQ(GuestAt("HD0001"), "102");
  EXPECT_EQ(HostOf("101"), "");
  // Bob roams to the other desk without logging out: the first desk becomes idle.
  Login(kMac2, "*77*102*", kBobPin, &p);
  ASSERT_EQ(p.result(), v1::SubmitPinResponse::LOGGED_IN);
  EXPECT_EQ(p.moved_from(), "HD0001");
  EXPECT_EQ(HostOf("102"), "HD0002");
  EXPECT_EQ(GuestAt("HD0001"), "");
  EXPECT_TRUE(WaitNotice(std::string(kMac1) + " HD0001 idle acme")) << ReadAll(notices_);
  EXPECT_TRUE(WaitNotice(std::string(kMac2) + " 102 guest acme")) << ReadAll(notices_);
}

TEST_F(FeatureCodesE2ETest, ThreeWrongPinsLockAndNoAssociation) {
  StartAdapter("3cx");
  v1::DialResponse d = Dial(kMac1, "*77*101*");
  ASSERT_EQ(d.action(), v1::DialResponse::PROMPT_PIN);
  v1::SubmitPinResponse p = Pin(d.session_id(), "11111");
  EXPECT_EQ(p.result(), v1::SubmitPinResponse::WRONG_PIN);
  EXPECT_EQ(p.attempts_left(), 2);
  p = Pin(d.session_id(), "22222");
  EXPECT_EQ(p.result(), v1::SubmitPinResponse::WRONG_PIN);
  EXPECT_EQ(p.attempts_left(), 1);
  p = Pin(d.session_id(), "33333");
  EXPECT_EQ(p.result(), v1::SubmitPinResponse::LOCKED);
  EXPECT_TRUE(p.has_locked_until());
  EXPECT_EQ(GuestAt("HD0001"), "");
  EXPECT_EQ(redis_.Cmd({"HLEN", "hotdesk:{acme}:by-host"}), "0");
  // The session is closed, and a new login is refused while locked, even with the right PIN.
  EXPECT_EQ(Pin(d.session_id(), kPin).reason(), "SESSION_EXPIRED");
  d = Dial(kMac1, "*77*101*");
  EXPECT_EQ(d.action(), v1::DialResponse::REJECT);
  EXPECT_EQ(d.reason(), "LOCKED");
  // Not enabled for hot desking / unknown extension.
  EXPECT_EQ(Dial(kMac1, "*77*103*").reason(), "HOTDESKING_DISABLED");
  EXPECT_EQ(Dial(kMac1, "*77*999*").reason(), "UNKNOWN_GUEST");
  EXPECT_EQ(Dial("0015657a1b99", "*77*102*").reason(), "UNKNOWN_DEVICE");
}

TEST_F(FeatureCodesE2ETest, IdleDeviceDialsOnlyEmergencyNumbers) {
  StartAdapter("3cx", {"--emergency_numbers=112,911,999"});
  EXPECT_EQ(Dial(kMac1, "112").action(), v1::DialResponse::ALLOW_EMERGENCY);
  EXPECT_EQ(Dial(kMac1, "999").action(), v1::DialResponse::ALLOW_EMERGENCY);
  v1::DialResponse d = Dial(kMac1, "0301234567");
  EXPECT_EQ(d.action(), v1::DialResponse::REJECT);
  EXPECT_EQ(d.reason(), "IDLE_DEVICE");
  EXPECT_EQ(Dial(kMac1, "1120").reason(), "IDLE_DEVICE");
  // Logout on an idle device: a clear no-op, no event.
  d = Dial(kMac1, "*77*5*");
  EXPECT_EQ(d.action(), v1::DialResponse::LOGGED_OUT);
  EXPECT_TRUE(d.no_op());
  EXPECT_EQ(redis_.Cmd({"XLEN", "hotdesk:{acme}:ev"}), "0");
  // Text format for dialplans that cannot parse JSON.
  auto res = http_->Post("/v1/dial?format=text", "device=HD0001&digits=0301234567",
                         "application/x-www-form-urlencoded");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body, "REJECT reason=IDLE_DEVICE hotdesk_extension=HD0001\n");
  // A malformed request names the field.
  res = http_->Post("/v1/dial", "{\"device\":\"HD0001\"}", "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_NE(res->body.find("\"field\":\"digits\""), std::string::npos) << res->body;
}

TEST_F(FeatureCodesE2ETest, AnyReplicaWithTheSharedSecretCompletesASession) {
  StartAdapter("3cx", {"--session_secret=correct horse battery"});
  ChildProcess second;
  ASSERT_TRUE(second.Start(
      {FEATURECODES_BIN, "--server=" + server_.addr(), "--tenant=acme", "--listen=127.0.0.1:0",
       "--http_listen=127.0.0.1:0", "--metrics_listen=", "--dialplan=3cx",
       "--insecure_pbx_no_auth", "--provisioning_allow_networks=127.0.0.1/32"},
      {{"HOTDESK_SESSION_SECRET", "correct horse battery"}}));
  std::string line = second.WaitForLine("http listening on port", absl::Seconds(20));
  ASSERT_FALSE(line.empty()) << second.Stderr();
  httplib::Client other("127.0.0.1", std::atoi(line.substr(line.rfind(' ') + 1).c_str()));
  v1::DialResponse d = Dial(kMac1, "*77*101*");
  ASSERT_EQ(d.action(), v1::DialResponse::PROMPT_PIN);
  auto res = other.Post("/v1/pin?format=text", "session_id=" + d.session_id() + "&pin=" + kPin,
                        "application/x-www-form-urlencoded");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body, "LOGGED_IN guest=101 hotdesk_extension=HD0001\n");
  EXPECT_EQ(GuestAt("HD0001"), "101");
  // Finished on that replica: a replay there is refused.
  res = other.Post("/v1/pin?format=text", "session_id=" + d.session_id() + "&pin=" + kPin,
                   "application/x-www-form-urlencoded");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body.rfind("REJECTED reason=SESSION_EXPIRED", 0), 0u) << res->body;
  EXPECT_EQ(second.Stop(), 0);
}

TEST_F(FeatureCodesE2ETest, SessionsExpire) {
  StartAdapter("3cx", {"--session_ttl=1s"});
  v1::DialResponse d = Dial(kMac1, "*77*101*");
  ASSERT_EQ(d.action(), v1::DialResponse::PROMPT_PIN);
  EXPECT_EQ(d.session_ttl().seconds(), 1);
  absl::SleepFor(absl::Milliseconds(1300));
  v1::SubmitPinResponse p = Pin(d.session_id(), kPin);
  EXPECT_EQ(p.result(), v1::SubmitPinResponse::REJECTED);
  EXPECT_EQ(p.reason(), "SESSION_EXPIRED");
  EXPECT_EQ(GuestAt("HD0001"), "");
}

TEST_F(FeatureCodesE2ETest, ConflictingDialPlanIsRefusedAtLoad) {
  std::string plan = dir_ + "/bad.plan";
  std::ofstream(plan) << "name = acme\nlogin = *77*{ext}*\nlogout = *7\n";
  std::string out, err;
  int rc = RunCommand({FEATURECODES_BIN, "--server=" + server_.addr(), "--dialplan=" + plan,
                       "--listen=127.0.0.1:0", "--http_listen=127.0.0.1:0", "--metrics_listen="},
                      &out, &err);
  EXPECT_EQ(rc, 2);
  EXPECT_NE(err.find("logout code \"*7\" is a prefix of login code \"*77*<ext>*\""),
            std::string::npos)
      << err;
  // An emergency number clashing with a preset's code, likewise.
  rc = RunCommand({FEATURECODES_BIN, "--server=" + server_.addr(), "--dialplan=portsip",
                   "--emergency_numbers=*7", "--listen=127.0.0.1:0", "--http_listen=127.0.0.1:0",
                   "--metrics_listen="},
                  &out, &err);
  EXPECT_EQ(rc, 2);
  EXPECT_NE(err.find("emergency number \"*7\""), std::string::npos) << err;
  // A good custom plan starts.
  std::ofstream(plan) << "name = acme\nlogin = *55*{ext}#\nlogout = *56#\nextension_digits = 3-4\n";
  StartAdapter(plan);
  v1::DialResponse d = Dial(kMac1, "*55*101#");
  EXPECT_EQ(d.action(), v1::DialResponse::PROMPT_PIN) << d.ShortDebugString();
  EXPECT_EQ(Dial(kMac1, "*55*10#").reason(), "BAD_EXTENSION");
}

TEST_F(FeatureCodesE2ETest, ForceLogoutFromHotdeskctlReprovisions) {
  StartAdapter("3cx");
  v1::SubmitPinResponse p;
  Login(kMac1, "*77*101*", kPin, &p);
  ASSERT_EQ(p.result(), v1::SubmitPinResponse::LOGGED_IN);
  ASSERT_TRUE(WaitNotice(std::string(kMac1) + " 101 guest acme"));
  std::string out, err;
  ASSERT_EQ(
      RunCommand({CtlBinary(), "--server=" + server_.addr(), "--tenant=acme", "devices", "list"},
                 &out, &err),
      0)
      << err;
  EXPECT_NE(out.find("hotdesk_extension=HD0001"), std::string::npos);
  EXPECT_NE(out.find("status: guest=101 since="), std::string::npos) << out;
  EXPECT_NE(out.find("source=FEATURE_CODE"), std::string::npos) << out;
  ASSERT_EQ(RunCommand({CtlBinary(), "--server=" + server_.addr(), "--tenant=acme", "devices",
                        "force-logout", "00:15:65:7a:1b:2c"},
                       &out, &err),
            0)
      << err;
  EXPECT_NE(out.find("reason=FORCED"), std::string::npos) << out;
  EXPECT_TRUE(WaitNotice(std::string(kMac1) + " HD0001 idle acme")) << ReadAll(notices_);
  EXPECT_NE(Profile(kMac1).find("hotdesk.state=idle"), std::string::npos);
}

TEST_F(FeatureCodesE2ETest, ThePinNeverAppearsInClear) {
  StartAdapter("3cx");
  v1::SubmitPinResponse p;
  v1::DialResponse d = Dial(kMac1, "*77*101*");
  Pin(d.session_id(), "73916");  // wrong, close to the real one
  p = Pin(d.session_id(), kPin);
  ASSERT_EQ(p.result(), v1::SubmitPinResponse::LOGGED_IN);
  Dial(kMac1, "*77*5*");
  // Redis: every key, every hash, the event stream.
  std::string dump = redis_.Cmd({"KEYS", "*"});
  for (const char* key : {"hotdesk:{acme}:guest", "hotdesk:{acme}:pin", "hotdesk:{acme}:dev",
                          "hotdesk:{acme}:by-host", "hotdesk:{acme}:by-guest"})
    dump += redis_.Cmd({"HGETALL", key});
  dump += redis_.Cmd({"XRANGE", "hotdesk:{acme}:ev", "-", "+"});
  for (absl::string_view k :
       absl::StrSplit(redis_.Cmd({"KEYS", "*:req:*"}), ' ', absl::SkipEmpty()))
    dump += redis_.Cmd({"GET", std::string(k)});
  EXPECT_NE(dump.find("$argon2id$"), std::string::npos);
  EXPECT_EQ(dump.find(kPin), std::string::npos) << dump;
  EXPECT_EQ(dump.find("73916"), std::string::npos) << dump;
  // Logs and output of the server and the adapter.
  std::string logs =
      server_.process().Stdout() + server_.process().Stderr() + fc_.Stdout() + fc_.Stderr();
  EXPECT_NE(logs.find("pin submitted"), std::string::npos);
  EXPECT_EQ(logs.find(kPin), std::string::npos);
  EXPECT_EQ(logs.find("73916"), std::string::npos);
}

}  // namespace
}  // namespace hotdesk
