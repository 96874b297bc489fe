// hotdesk-csta end to end: a real redis-server, hotdesk-server and hotdesk-csta (child
// processes stopped by PID with real signals) and test CSTA clients over real sockets.
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "adapters/csta/frame_codec.h"
#include "hotdesk/v1/associations.grpc.pb.h"
#include "hotdesk/v1/guests.grpc.pb.h"
#include "tests/csta/csta_test_client.h"
#include "tests/support/processes.h"

namespace hotdesk::csta {
namespace {

using hotdesk::testing::ChildProcess;
using hotdesk::testing::CtlBinary;
using hotdesk::testing::FreePort;
using hotdesk::testing::HotdeskServerProcess;
using hotdesk::testing::RedisServer;
using hotdesk::testing::RunCommand;
using testing::Client;
using testing::Message;

const std::string kNs3 = "http://www.ecma-international.org/standards/ecma-323/csta/ed3";
const std::string kNs4 = "http://www.ecma-international.org/standards/ecma-323/csta/ed4";
const std::string kNsTypo = "http://www.ecmainternational.org/standards/ecma-323/csta/ed3";
constexpr absl::Duration kWait = absl::Seconds(10);

class CstaGateway : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(redis_.Start());
    ASSERT_TRUE(core_.Start(redis_.addr()));
    cursor_file_ = ::testing::TempDir() + "/csta_cursor_" + std::to_string(getpid());
    unlink(cursor_file_.c_str());
  }
  void TearDown() override {
    if (gateway_) gateway_->Stop();
    core_.Stop();
    unlink(cursor_file_.c_str());
  }

  std::vector<std::string> Flags(const std::vector<std::string>& extra) const {
    std::vector<std::string> argv;
    // CSTA_TEST_WRAPPER="valgrind --error-exitcode=9" runs the gateway under a checker.
    if (const char* w = std::getenv("CSTA_TEST_WRAPPER"))
      for (auto part : absl::StrSplit(w, ' ', absl::SkipEmpty())) argv.emplace_back(part);
    for (std::string a : {std::string(HOTDESK_CSTA_BIN), std::string("--listen=127.0.0.1:0"),
                          "--server=" + core_.addr(), std::string("--metrics_listen="),
                          std::string("--log_level=debug"),
                          // These tests log in without PINs and use the private services, as a
                          // trusted T-Server does (the network checks: network_test.cc).
                          std::string("--trusted_networks=127.0.0.0/8")})
      argv.push_back(a);
    for (const auto& f : extra) argv.push_back(f);
    return argv;
  }

  // Starts (or restarts) the gateway; returns its CSTA port.
  int StartGateway(const std::vector<std::string>& extra = {}) {
    if (gateway_) gateway_->Stop();
    gateway_ = std::make_unique<ChildProcess>();
    if (!gateway_->Start(Flags(extra))) return -1;
    std::string line = gateway_->WaitForLine("listening on port", absl::Seconds(20));
    if (line.empty()) return -1;
    port_ = std::atoi(line.substr(line.rfind(' ') + 1).c_str());
    return port_;
  }

  // Waits until the gateway's event stream is open (so later changes are seen live).
  void WaitWatching() {
    absl::Time end = absl::Now() + kWait;
    while (absl::Now() < end) {
      if (gateway_->Stderr().find("watching events") != std::string::npos) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    FAIL() << "gateway never opened its event stream:\n" << gateway_->Stderr();
  }

  void Connect(Client& c, bool tls = false) { ASSERT_TRUE(c.Connect(port_, tls)); }

  std::string Monitor(Client& c, const std::string& device, const std::string& ns = "") {
    auto r = c.Request(testing::MonitorStartXml(device, ns));
    EXPECT_TRUE(r.has_value());
    if (!r) return "";
    EXPECT_EQ(r->name, "MonitorStartResponse") << r->xml;
    return r->Field("monitorCrossRefID");
  }

  std::string GuestOf(const std::string& host) {
    return redis_.Cmd({"HGET", "hotdesk:{default}:by-host", host});
  }
  std::string HostOf(const std::string& guest) {
    return redis_.Cmd({"HGET", "hotdesk:{default}:by-guest", guest});
  }

  int Ctl(const std::vector<std::string>& args, std::string* out = nullptr) {
    std::vector<std::string> argv = {CtlBinary(), "--server=" + core_.addr()};
    for (const auto& a : args) argv.push_back(a);
    std::string o, e;
    int rc = RunCommand(argv, &o, &e);
    if (out) *out = o + e;
    return rc;
  }

  // The three events of one change, as one monitor sees them.
  void ExpectChange(Client& c, const std::string& xref, const std::string& host,
                    const std::string& guest, bool on) {
    auto a = c.WaitFor(on ? "AgentLoggedOnEvent" : "AgentLoggedOffEvent", kWait);
    ASSERT_TRUE(a.has_value()) << "no agent event for " << host << "/" << guest;
    EXPECT_EQ(a->invoke_id, 9999);
    EXPECT_EQ(a->Field("monitorCrossRefID"), xref);
    EXPECT_EQ(a->Field("agentDevice/deviceIdentifier"), host);
    EXPECT_EQ(a->Field("agentID"), guest);
    auto f = c.WaitFor("ForwardingEvent", kWait);
    ASSERT_TRUE(f.has_value());
    EXPECT_EQ(f->invoke_id, 9999);
    EXPECT_EQ(f->Field("monitorCrossRefID"), xref);
    EXPECT_EQ(f->Field("device"), host);
    EXPECT_EQ(f->Field("forwardingType"), "forwardImmediate");
    EXPECT_EQ(f->Field("forwardStatus"), on ? "true" : "false");
    EXPECT_EQ(f->Field("forwardTo"), on ? guest : "");
    auto p = c.WaitFor("PrivateEvent", kWait);
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(p->Field("monitorCrossRefID"), xref);
    EXPECT_EQ(p->Find("eventNumber"), on ? "1" : "2");
    EXPECT_EQ(p->Find("thisDN"), guest);
    EXPECT_EQ(p->Find("otherDN"), host);
    EXPECT_EQ(p->PrivateKey("HOST_DN"), host);
  }

  void ExpectError(const std::optional<Message>& m, const std::string& category,
                   const std::string& value) {
    ASSERT_TRUE(m.has_value()) << "no answer";
    EXPECT_EQ(m->name, "CSTAErrorCode") << m->xml;
    EXPECT_EQ(m->Field(category), value) << m->xml;
  }

  // The stream's entries about `host`, oldest first, as "E" (established) / "C" (cancelled).
  std::vector<std::string> StreamOf(const std::string& host) {
    std::vector<std::string> out;
    redisReply* r = redis_.Raw({"XRANGE", "hotdesk:{default}:ev", "-", "+"});
    if (r == nullptr) return out;
    for (size_t i = 0; i < r->elements; ++i) {
      const redisReply* fields = r->element[i]->element[1];
      std::string type, h;
      for (size_t k = 0; k + 1 < fields->elements; k += 2) {
        std::string key(fields->element[k]->str, fields->element[k]->len);
        std::string val(fields->element[k + 1]->str, fields->element[k + 1]->len);
        if (key == "t") type = val;
        if (key == "h") h = val;
      }
      if (h == host) out.push_back(type);
    }
    freeReplyObject(r);
    return out;
  }

  RedisServer redis_;
  HotdeskServerProcess core_;
  std::unique_ptr<ChildProcess> gateway_;
  int port_ = 0;
  std::string cursor_file_;
};

TEST_F(CstaGateway, SetAgentStateLoginAndLogout) {
  ASSERT_GT(StartGateway(), 0);
  WaitWatching();
  Client c;
  Connect(c);
  std::string xref = Monitor(c, "7002");
  ASSERT_FALSE(xref.empty());

  auto r = c.Request(testing::SetAgentStateXml("7002", "loggedOn", "7003", "4711"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->name, "SetAgentStateResponse") << r->xml;
  EXPECT_EQ(r->ns, kNs3);
  EXPECT_EQ(GuestOf("7002").substr(0, 0), "");
  EXPECT_EQ(HostOf("7003"), "7002");
  ExpectChange(c, xref, "7002", "7003", true);
  EXPECT_EQ(c.Request(testing::SetAgentStateXml("7002", "notReady", "7003"))->name,
            "SetAgentStateResponse");
  std::string out;
  ASSERT_EQ(Ctl({"get", "--host=7002"}, &out), 0);
  EXPECT_THAT(out, ::testing::HasSubstr("source=CSTA"));

  r = c.Request(testing::SetAgentStateXml("7002", "loggedOff", "7003"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->name, "SetAgentStateResponse") << r->xml;
  EXPECT_EQ(HostOf("7003"), "(nil)");
  ExpectChange(c, xref, "7002", "7003", false);

  // Work states are accepted only while an agent is logged on, and change nothing.
  ExpectError(c.Request(testing::SetAgentStateXml("7002", "ready", "7003")), "operation",
              "invalidAgentState");
  // Logging off again: nothing to cancel.
  ExpectError(c.Request(testing::SetAgentStateXml("7002", "loggedOff", "7003")), "operation",
              "invalidAgentState");
  ExpectError(c.Request(testing::SetAgentStateXml("", "loggedOn", "7003")), "operation",
              "invalidDeviceID");
  ExpectError(c.Request(testing::SetAgentStateXml("7002", "loggedOn", "")), "operation",
              "invalidAgentID");
  ExpectError(c.Request(testing::SetAgentStateXml("7002", "dancing", "7003")), "operation",
              "invalidAgentState");
  EXPECT_EQ(HostOf("7003"), "(nil)");
}

TEST_F(CstaGateway, HostBusyIsRejectedWithoutStateChange) {
  ASSERT_GT(StartGateway(), 0);
  Client c;
  Connect(c);
  ASSERT_EQ(c.Request(testing::SetAgentStateXml("7002", "loggedOn", "7003"))->name,
            "SetAgentStateResponse");
  ExpectError(c.Request(testing::SetAgentStateXml("7002", "loggedOn", "7004")),
              "stateIncompatibility", "incorrectObjectState");
  EXPECT_EQ(HostOf("7003"), "7002");
  EXPECT_EQ(HostOf("7004"), "(nil)");
  // The same login again is idempotent.
  EXPECT_EQ(c.Request(testing::SetAgentStateXml("7002", "loggedOn", "7003"))->name,
            "SetAgentStateResponse");
  // Logging off the wrong agent at the host.
  ExpectError(c.Request(testing::SetAgentStateXml("7002", "loggedOff", "7004")), "operation",
              "invalidAgentID");
  EXPECT_EQ(HostOf("7003"), "7002");
}

TEST_F(CstaGateway, HostBusyReplacedWhenConfigured) {
  ASSERT_GT(StartGateway({"--on_host_busy=replace"}), 0);
  WaitWatching();
  Client c;
  Connect(c);
  std::string xref = Monitor(c, "7003");
  ASSERT_EQ(c.Request(testing::SetAgentStateXml("7002", "loggedOn", "7003"))->name,
            "SetAgentStateResponse");
  ExpectChange(c, xref, "7002", "7003", true);
  ASSERT_EQ(c.Request(testing::SetAgentStateXml("7002", "loggedOn", "7004"))->name,
            "SetAgentStateResponse");
  ExpectChange(c, xref, "7002", "7003", false);  // superseded
  EXPECT_EQ(HostOf("7004"), "7002");
  EXPECT_EQ(HostOf("7003"), "(nil)");
}

TEST_F(CstaGateway, GenesysPrivateServices) {
  ASSERT_GT(StartGateway(), 0);
  WaitWatching();
  Client c;
  Connect(c);
  std::string xref = Monitor(c, "7003");
  auto r = c.Request(testing::EscapeServiceXml(1, "7003", "7002"));
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->name, "EscapeServiceResponse") << r->xml;
  EXPECT_EQ(r->Find("serviceNumber"), "1");
  EXPECT_EQ(r->Find("thisDN"), "7003");
  EXPECT_EQ(r->Find("otherDN"), "7002");
  EXPECT_EQ(r->PrivateKey("HOST_DN"), "7002");
  EXPECT_EQ(HostOf("7003"), "7002");
  ExpectChange(c, xref, "7002", "7003", true);

  // Already associated: EventError, as Genesys does.
  ExpectError(c.Request(testing::EscapeServiceXml(1, "7003", "7002")), "stateIncompatibility",
              "incorrectObjectState");
  ExpectError(c.Request(testing::EscapeServiceXml(1, "7003", "")), "operation", "invalidDeviceID");
  ExpectError(c.Request(testing::EscapeServiceXml(77, "7003", "7002")), "operation",
              "requestIncompatibleWithObject");

  r = c.Request(testing::EscapeServiceXml(2, "7003", ""));
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->name, "EscapeServiceResponse") << r->xml;
  EXPECT_EQ(r->Find("serviceNumber"), "2");
  EXPECT_EQ(r->Find("otherDN"), "7002");
  EXPECT_EQ(HostOf("7003"), "(nil)");
  ExpectChange(c, xref, "7002", "7003", false);
  // Not associated: error.
  ExpectError(c.Request(testing::EscapeServiceXml(2, "7003", "")), "operation",
              "invalidAgentState");
}

TEST_F(CstaGateway, SecondClientSeesChangesFromFirstClientAndHotdeskctl) {
  ASSERT_GT(StartGateway(), 0);
  WaitWatching();
  Client a, b;
  Connect(a);
  Connect(b);
  std::string xa = Monitor(a, "9001");
  std::string xb = Monitor(b, "9002");  // b monitors the guest
  ASSERT_NE(xa, xb);
  ASSERT_EQ(a.Request(testing::SetAgentStateXml("9001", "loggedOn", "9002"))->name,
            "SetAgentStateResponse");
  ExpectChange(b, xb, "9001", "9002", true);
  ExpectChange(a, xa, "9001", "9002", true);

  // A change made elsewhere (an operator, or a login by feature code) shows on CSTA.
  ASSERT_EQ(Ctl({"cancel", "--host=9001"}), 0);
  ExpectChange(a, xa, "9001", "9002", false);
  ExpectChange(b, xb, "9001", "9002", false);
  ASSERT_EQ(Ctl({"establish", "--source=feature_code", "9001", "9002"}), 0);
  ExpectChange(a, xa, "9001", "9002", true);
  ExpectChange(b, xb, "9001", "9002", true);

  // After MonitorStop, a client hears nothing more about that device.
  auto stop =
      a.Request(testing::Xml("MonitorStop", "<monitorCrossRefID>" + xa + "</monitorCrossRefID>"));
  ASSERT_EQ(stop->name, "MonitorStopResponse");
  ExpectError(
      a.Request(testing::Xml("MonitorStop", "<monitorCrossRefID>" + xb + "</monitorCrossRefID>")),
      "operation", "invalidCrossRefID");
  ASSERT_EQ(Ctl({"cancel", "--guest=9002"}), 0);
  ExpectChange(b, xb, "9001", "9002", false);
  EXPECT_TRUE(a.Drain(absl::Milliseconds(500)).empty());
}

TEST_F(CstaGateway, ManyConcurrentClients) {
  ASSERT_GT(StartGateway(), 0);
  WaitWatching();
  constexpr int kClients = 24;
  std::vector<std::unique_ptr<Client>> clients;
  std::vector<std::string> xrefs;
  for (int i = 0; i < kClients; ++i) {
    clients.push_back(std::make_unique<Client>());
    Connect(*clients.back());
    xrefs.push_back(Monitor(*clients.back(), "8000"));
  }
  Client actor;
  Connect(actor);
  ASSERT_EQ(actor.Request(testing::SetAgentStateXml("8000", "loggedOn", "8001"))->name,
            "SetAgentStateResponse");
  for (int i = 0; i < kClients; ++i) {
    auto m = clients[i]->WaitFor("AgentLoggedOnEvent", kWait);
    ASSERT_TRUE(m.has_value()) << "client " << i;
    EXPECT_EQ(m->Field("monitorCrossRefID"), xrefs[i]);
  }
}

TEST_F(CstaGateway, ClientsBeyondTheLimitAreRefused) {
  ASSERT_GT(StartGateway({"--max_clients=2"}), 0);
  Client a, b, c;
  Connect(a);
  Connect(b);
  ASSERT_EQ(a.Request(testing::MonitorStartXml("7002"))->name, "MonitorStartResponse");
  ASSERT_EQ(b.Request(testing::MonitorStartXml("7002"))->name, "MonitorStartResponse");
  Connect(c);
  EXPECT_TRUE(c.WaitClosed(kWait));
  // A slot frees when a client leaves.
  a.Close();
  absl::Time end = absl::Now() + kWait;
  bool served = false;
  while (!served && absl::Now() < end) {
    Client d;
    Connect(d);
    auto r = d.Request(testing::MonitorStartXml("7002"), absl::Seconds(1));
    served = r.has_value() && r->name == "MonitorStartResponse";
  }
  EXPECT_TRUE(served);
}

TEST_F(CstaGateway, SlowClientIsDroppedWithoutHoldingUpOthers) {
  ASSERT_GT(StartGateway({"--max_queue_kb=256", "--log_level=info"}), 0);
  WaitWatching();
  Client slow, fast;
  slow.set_receive_buffer(2048);
  Connect(slow);
  Connect(fast);
  Monitor(slow, "4002");
  std::string xref = Monitor(fast, "4002");
  // The slow client stops reading; 5000 changes (about 1 KB of events each) follow: more than
  // the kernel's socket buffers (up to 4 MB here) and the gateway's 256 KB queue hold.
  auto stub = v1::Associations::NewStub(core_.Channel());
  constexpr int kChanges = 5000;
  // The reading client reads as the events come, and gets every one, in order.
  int received = 0;
  bool in_order = true;
  std::thread reader([&] {
    for (int i = 0; i < kChanges; ++i) {
      auto m = fast.WaitFor(i % 2 == 0 ? "AgentLoggedOnEvent" : "AgentLoggedOffEvent", kWait);
      if (!m) return;
      if (m->Field("monitorCrossRefID") != xref) in_order = false;
      ++received;
    }
  });
  for (int i = 0; i < kChanges; ++i) {
    grpc::ClientContext ctx;
    grpc::Status st;
    if (i % 2 == 0) {
      v1::EstablishRequest req;
      req.set_tenant("default");
      req.set_host("4002");
      req.set_guest("4003");
      v1::EstablishResponse resp;
      st = stub->Establish(&ctx, req, &resp);
    } else {
      v1::CancelRequest req;
      req.set_tenant("default");
      req.set_host("4002");
      v1::CancelResponse resp;
      st = stub->Cancel(&ctx, req, &resp);
    }
    if (!st.ok()) {
      ADD_FAILURE() << st.error_message();
      break;
    }
  }
  reader.join();
  EXPECT_EQ(received, kChanges) << "disconnects: "
                                << absl::StrJoin(
                                       absl::StrSplit(gateway_->Stderr(), '\n'), "\n",
                                       [](std::string* out, absl::string_view line) {
                                         if (line.find("disconnected") != absl::string_view::npos)
                                           out->append(line.data(), line.size());
                                       });
  EXPECT_TRUE(in_order);
  // The one that did not read was dropped.
  absl::Time end = absl::Now() + kWait;
  while (gateway_->Stderr().find("reason=slow") == std::string::npos && absl::Now() < end)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_NE(gateway_->Stderr().find("reason=slow"), std::string::npos);
  EXPECT_TRUE(slow.WaitClosed(kWait));
}

TEST_F(CstaGateway, ExpiryShowsAsLogoff) {
  core_.Stop();
  ASSERT_TRUE(core_.Start(redis_.addr(), {"--min_association_limit=1s"}));
  ASSERT_GT(StartGateway(), 0);
  WaitWatching();
  Client c;
  Connect(c);
  std::string xref = Monitor(c, "3002");
  ASSERT_EQ(Ctl({"establish", "--limit=1s", "3002", "3003"}), 0);
  ExpectChange(c, xref, "3002", "3003", true);
  ExpectChange(c, xref, "3002", "3003", false);  // the association limit ends it
}

TEST_F(CstaGateway, SetAgentStateCanBeSomethingElseThanHotDesking) {
  ASSERT_GT(StartGateway({"--setagentstate_hotdesk=false"}), 0);
  Client c;
  Connect(c);
  ExpectError(c.Request(testing::SetAgentStateXml("7002", "loggedOn", "7003")), "operation",
              "requestIncompatibleWithObject");
  EXPECT_EQ(HostOf("7003"), "(nil)");
  // The private services still work.
  EXPECT_EQ(c.Request(testing::EscapeServiceXml(1, "7003", "7002"))->name, "EscapeServiceResponse");
  EXPECT_EQ(HostOf("7003"), "7002");
}

TEST_F(CstaGateway, FramingSplitAndCoalescedWrites) {
  ASSERT_GT(StartGateway(), 0);
  Client c;
  Connect(c);
  // One request written a byte at a time.
  ASSERT_TRUE(c.Send(17, testing::MonitorStartXml("7002"), 1));
  auto r = c.WaitForInvoke(17, kWait);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->name, "MonitorStartResponse");
  // Three frames in one write: three answers, in order, each echoing its invoke id.
  std::string three =
      EncodeFrame(21, testing::Xml("SystemStatus", "<systemStatus>normal</systemStatus>")) +
      EncodeFrame(22, testing::MonitorStartXml("7003")) +
      EncodeFrame(23, testing::Xml("RequestSystemStatus", ""));
  ASSERT_TRUE(c.SendRaw(three));
  auto m1 = c.Read(kWait), m2 = c.Read(kWait), m3 = c.Read(kWait);
  ASSERT_TRUE(m1 && m2 && m3);
  EXPECT_EQ(m1->invoke_id, 21);
  EXPECT_EQ(m1->name, "SystemStatusResponse");
  EXPECT_EQ(m2->invoke_id, 22);
  EXPECT_EQ(m2->name, "MonitorStartResponse");
  EXPECT_EQ(m3->invoke_id, 23);
  EXPECT_EQ(m3->name, "RequestSystemStatusResponse");
  EXPECT_EQ(m3->Field("systemStatus"), "normal");
  // A frame split in the middle of its header, then of its body.
  std::string f = EncodeFrame(24, testing::MonitorStartXml("7004"));
  ASSERT_TRUE(c.SendRaw(f.substr(0, 3)));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_TRUE(c.SendRaw(f.substr(3, 20)));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_TRUE(c.SendRaw(f.substr(23)));
  EXPECT_EQ(c.WaitForInvoke(24, kWait)->name, "MonitorStartResponse");
}

TEST_F(CstaGateway, InvokeIdsAreEchoed) {
  ASSERT_GT(StartGateway(), 0);
  Client c;
  Connect(c);
  for (int id : {0, 1, 42, 4711, 9000, 9998}) {
    ASSERT_TRUE(c.Send(id, testing::Xml("SystemStatus", "<systemStatus>normal</systemStatus>")));
    auto r = c.WaitForInvoke(id, kWait);
    ASSERT_TRUE(r.has_value()) << id;
    EXPECT_EQ(r->name, "SystemStatusResponse");
  }
  // Errors echo the invoke id too.
  ASSERT_TRUE(c.Send(321, "garbage"));
  ExpectError(c.WaitForInvoke(321, kWait), "operation", "generic");
}

TEST_F(CstaGateway, BadInputIsAnsweredAndChangesNothing) {
  ASSERT_GT(StartGateway({"--max_frame=1024"}), 0);
  Client c;
  Connect(c);
  // Non-XML, truncated XML, a foreign namespace, an unsupported request: each gets an error
  // with its invoke id, the connection stays usable, and no state changes.
  ASSERT_TRUE(c.Send(31, "this is not xml"));
  ExpectError(c.WaitForInvoke(31, kWait), "operation", "generic");
  std::string full = testing::SetAgentStateXml("7002", "loggedOn", "7003");
  ASSERT_TRUE(c.Send(32, full.substr(0, full.size() - 10)));
  ExpectError(c.WaitForInvoke(32, kWait), "operation", "generic");
  ASSERT_TRUE(c.Send(33, testing::Xml("SetAgentState",
                                      "<device>7002</device><requestedAgentState>loggedOn"
                                      "</requestedAgentState><agentID>7003</agentID>",
                                      "urn:example:not-csta")));
  ExpectError(c.WaitForInvoke(33, kWait), "operation", "requestIncompatibleWithObject");
  ASSERT_TRUE(c.Send(
      34, testing::Xml("StartApplicationSession",
                       "<applicationInfo><applicationID>x</applicationID></applicationInfo>",
                       "http://www.ecma-international.org/standards/ecma-354/appl_session")));
  ExpectError(c.WaitForInvoke(34, kWait), "operation", "requestIncompatibleWithObject");
  ASSERT_TRUE(c.Send(35, testing::Xml("MakeCall", "<callingDevice>7002</callingDevice>")));
  ExpectError(c.WaitForInvoke(35, kWait), "operation", "requestIncompatibleWithObject");
  // Longer than --max_frame: skipped, answered, and the stream stays in step.
  ASSERT_TRUE(c.Send(
      36,
      testing::Xml("SetAgentState", std::string(2000, ' ') +
                                        "<device>7002</device><requestedAgentState>"
                                        "loggedOn</requestedAgentState><agentID>7003</agentID>")));
  ExpectError(c.WaitForInvoke(36, kWait), "operation", "valueOutOfRange");
  EXPECT_EQ(c.Request(testing::MonitorStartXml("7002"))->name, "MonitorStartResponse");
  EXPECT_EQ(HostOf("7003"), "(nil)");
  EXPECT_EQ(redis_.Cmd({"XLEN", "hotdesk:{default}:ev"}), "0");
  // The gateway survived all of it.
  EXPECT_TRUE(gateway_->Running());
}

TEST_F(CstaGateway, BrokenHeaderClosesTheConnection) {
  ASSERT_GT(StartGateway(), 0);
  {
    Client c;
    Connect(c);
    ASSERT_TRUE(c.SendRaw(testing::RawFrame(5, "0001", "<a/>")));  // length < 8
    EXPECT_TRUE(c.WaitClosed(kWait));
  }
  {
    Client c;
    Connect(c);
    std::string f = EncodeFrame(2, "<a/>");
    f[0] = 1;  // not 00 00
    ASSERT_TRUE(c.SendRaw(f));
    EXPECT_TRUE(c.WaitClosed(kWait));
  }
  {
    Client c;
    Connect(c);
    ASSERT_TRUE(c.SendRaw(testing::RawFrame(12, "ab12", "<a/>")));  // invoke id not digits
    EXPECT_TRUE(c.WaitClosed(kWait));
  }
  // Other clients are unaffected.
  Client ok;
  Connect(ok);
  EXPECT_EQ(ok.Request(testing::MonitorStartXml("7002"))->name, "MonitorStartResponse");
  EXPECT_TRUE(gateway_->Running());
}

TEST_F(CstaGateway, AnswersInTheClientsNamespace) {
  ASSERT_GT(StartGateway(), 0);
  WaitWatching();
  Client ed4, typo, none;
  Connect(ed4);
  Connect(typo);
  Connect(none);
  auto r4 = ed4.Request(testing::MonitorStartXml("7002", kNs4));
  EXPECT_EQ(r4->ns, kNs4);
  auto rt = typo.Request(testing::MonitorStartXml("7002", kNsTypo));
  EXPECT_EQ(rt->ns, kNsTypo);
  auto rn = none.Request(testing::Xml(
      "MonitorStart", "<monitorObject><deviceObject>7002</deviceObject></monitorObject>", ""));
  EXPECT_EQ(rn->name, "MonitorStartResponse");
  EXPECT_EQ(rn->ns, kNs3);  // the configured default
  ASSERT_EQ(Ctl({"establish", "7002", "7003"}), 0);
  EXPECT_EQ(ed4.WaitFor("AgentLoggedOnEvent", kWait)->ns, kNs4);
  EXPECT_EQ(typo.WaitFor("AgentLoggedOnEvent", kWait)->ns, kNsTypo);
  EXPECT_EQ(none.WaitFor("AgentLoggedOnEvent", kWait)->ns, kNs3);
}

TEST_F(CstaGateway, DefaultNamespaceIsConfigurable) {
  ASSERT_GT(StartGateway({"--namespace=ed4"}), 0);
  Client c;
  c.set_auto_answer(false);
  Connect(c);
  auto hello = c.Read(kWait);  // SystemStatus on connect, in the default namespace
  ASSERT_TRUE(hello.has_value());
  EXPECT_EQ(hello->name, "SystemStatus");
  EXPECT_EQ(hello->ns, kNs4);
  EXPECT_LT(hello->invoke_id, 9999);  // a request of ours, not an event
  EXPECT_GE(hello->invoke_id, 9000);  // clear of the ids clients use for their requests
  EXPECT_EQ(hello->Field("systemStatus"), "normal");
}

TEST_F(CstaGateway, SystemStatusHeartbeatAndRegister) {
  ASSERT_GT(StartGateway({"--heartbeat_interval=1s"}), 0);
  Client c;
  c.set_auto_answer(false);
  Connect(c);
  auto first = c.WaitFor("SystemStatus", kWait);
  ASSERT_TRUE(first.has_value());
  ASSERT_TRUE(c.Send(first->invoke_id, testing::Xml("SystemStatusResponse", "")));
  auto beat = c.WaitFor("SystemStatus", absl::Seconds(5));
  ASSERT_TRUE(beat.has_value());
  EXPECT_NE(beat->invoke_id, first->invoke_id);
  auto reg = c.Request(testing::Xml("SystemRegister", ""));
  ASSERT_EQ(reg->name, "SystemRegisterResponse");
  EXPECT_FALSE(reg->Field("sysStatRegisterID").empty());
  EXPECT_EQ(c.Request(testing::Xml("SystemRegisterCancel", ""))->name,
            "SystemRegisterCancelResponse");
}

TEST_F(CstaGateway, IdleClientIsDisconnected) {
  ASSERT_GT(StartGateway({"--idle_timeout=1s", "--heartbeat_interval=0s"}), 0);
  Client silent;
  silent.set_auto_answer(false);
  Connect(silent);
  absl::Time start = absl::Now();
  EXPECT_TRUE(silent.WaitClosed(absl::Seconds(5)));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(900));
}

TEST_F(CstaGateway, AssociationBeforeStartupReportsHostDn) {
  ASSERT_EQ(Ctl({"establish", "7002", "7003"}), 0);
  ASSERT_GT(StartGateway(), 0);
  Client c;
  Connect(c);
  auto m = c.Request(testing::MonitorStartXml("7003"));
  ASSERT_EQ(m->name, "MonitorStartResponse");
  EXPECT_EQ(m->PrivateKey("HOST_DN"), "7002");
  auto s = c.Request(testing::Xml("SnapshotDevice", "<snapshotObject>7003</snapshotObject>"));
  ASSERT_EQ(s->name, "SnapshotDeviceResponse") << s->xml;
  EXPECT_EQ(s->PrivateKey("HOST_DN"), "7002");
  auto sh = c.Request(testing::Xml("SnapshotDevice", "<snapshotObject>7002</snapshotObject>"));
  EXPECT_EQ(sh->PrivateKey("GUEST_DN"), "7003");
  EXPECT_EQ(sh->PrivateKey("HOST_DN"), "");
  auto g = c.Request(testing::Xml("GetAgentState", "<device>7002</device>"));
  ASSERT_EQ(g->name, "GetAgentStateResponse") << g->xml;
  EXPECT_EQ(g->Field("agentStateList/agentStateEntry/agentID"), "7003");
  EXPECT_EQ(g->Field("agentStateList/agentStateEntry/loggedOnState"), "true");
  auto gg = c.Request(testing::Xml("GetAgentState", "<device>7003</device>"));
  EXPECT_EQ(gg->PrivateKey("HOST_DN"), "7002");
  auto idle = c.Request(testing::Xml("GetAgentState", "<device>7999</device>"));
  ASSERT_EQ(idle->name, "GetAgentStateResponse");
  EXPECT_EQ(idle->Field("agentStateList/agentStateEntry/agentID"), "");
  auto none = c.Request(testing::MonitorStartXml("7999"));
  EXPECT_EQ(none->PrivateKey("HOST_DN"), "");
}

TEST_F(CstaGateway, GatewayRestartResumesWithoutMissingEvents) {
  ASSERT_GT(StartGateway({"--cursor_file=" + cursor_file_}), 0);
  WaitWatching();
  {
    Client c;
    Connect(c);
    std::string xref = Monitor(c, "6002");
    ASSERT_EQ(Ctl({"establish", "6002", "6003"}), 0);
    ExpectChange(c, xref, "6002", "6003", true);
  }
  // Let the cursor of that event reach the file, then stop the gateway with SIGTERM.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ASSERT_EQ(gateway_->Stop(), 0);
  std::string saved;
  std::ifstream(cursor_file_) >> saved;
  EXPECT_FALSE(saved.empty());
  // Changes while the gateway is down.
  ASSERT_EQ(Ctl({"cancel", "--host=6002"}), 0);
  ASSERT_EQ(Ctl({"establish", "6002", "6004"}), 0);
  ASSERT_GT(StartGateway({"--cursor_file=" + cursor_file_}), 0);
  WaitWatching();
  // The client reconnects and monitors again: it hears what happened while the gateway was
  // down, in order, and not the change it had already heard.
  Client c;
  Connect(c);
  std::string xref = Monitor(c, "6002");
  ExpectChange(c, xref, "6002", "6003", false);
  ExpectChange(c, xref, "6002", "6004", true);
  EXPECT_TRUE(c.Drain(absl::Milliseconds(500)).empty());
  // And live events keep flowing.
  ASSERT_EQ(Ctl({"cancel", "--host=6002"}), 0);
  ExpectChange(c, xref, "6002", "6004", false);
}

TEST_F(CstaGateway, CoreRestartResumesFromCursor) {
  // Two replicas on one Redis: the gateway follows replica A; while A is down, changes go
  // through B; when A is back the gateway resumes from its cursor and misses nothing.
  int port_a = FreePort();
  HotdeskServerProcess a, b;
  // A short grace: a stopping replica otherwise waits for the gateway's open stream.
  const std::vector<std::string> a_flags = {"--listen=127.0.0.1:" + std::to_string(port_a),
                                            "--shutdown_grace=1s"};
  ASSERT_TRUE(a.Start(redis_.addr(), a_flags));
  ASSERT_TRUE(b.Start(redis_.addr()));
  if (gateway_) gateway_->Stop();
  gateway_ = std::make_unique<ChildProcess>();
  std::vector<std::string> argv = {HOTDESK_CSTA_BIN, "--listen=127.0.0.1:0", "--server=" + a.addr(),
                                   "--metrics_listen=", "--log_level=debug"};
  ASSERT_TRUE(gateway_->Start(argv));
  std::string line = gateway_->WaitForLine("listening on port", absl::Seconds(20));
  ASSERT_FALSE(line.empty());
  port_ = std::atoi(line.substr(line.rfind(' ') + 1).c_str());
  WaitWatching();
  Client c;
  Connect(c);
  std::string xref = Monitor(c, "5002");
  a.Stop();
  std::string out;
  ASSERT_EQ(RunCommand({CtlBinary(), "--server=" + b.addr(), "establish", "5002", "5003"}, &out), 0)
      << out;
  ASSERT_EQ(RunCommand({CtlBinary(), "--server=" + b.addr(), "cancel", "--host=5002"}, &out), 0);
  ASSERT_TRUE(a.Start(redis_.addr(), a_flags));
  ExpectChange(c, xref, "5002", "5003", true);
  ExpectChange(c, xref, "5002", "5003", false);
  a.Stop();
  b.Stop();
}

TEST_F(CstaGateway, PasswordOfUnregisteredGuest) {
  // A guest unknown to the Guests registry (or no registry at all): the password cannot be
  // checked; by default the guest counts as one without a PIN; strict mode refuses.
  ASSERT_GT(StartGateway(), 0);
  Client c;
  Connect(c);
  EXPECT_EQ(c.Request(testing::SetAgentStateXml("7002", "loggedOn", "7003", "1234"))->name,
            "SetAgentStateResponse");
  ASSERT_GT(StartGateway({"--allow_unregistered_guests=false"}), 0);
  Client strict;
  Connect(strict);
  ExpectError(strict.Request(testing::SetAgentStateXml("7010", "loggedOn", "7011", "1234")),
              "operation", "invalidAgentID");
  EXPECT_EQ(HostOf("7011"), "(nil)");
  ASSERT_GT(StartGateway({"--allow_unregistered_guests=false", "--check_password=false"}), 0);
  Client open;
  Connect(open);
  EXPECT_EQ(open.Request(testing::SetAgentStateXml("7010", "loggedOn", "7011", "1234"))->name,
            "SetAgentStateResponse");
}

TEST_F(CstaGateway, PasswordCheckedAgainstGuestPin) {
  auto stub = v1::Guests::NewStub(core_.Channel());
  v1::CreateGuestRequest req;
  req.set_tenant("default");
  req.mutable_guest()->set_id("7003");
  req.mutable_guest()->set_hotdesking_enabled(true);
  req.set_pin("4711");
  v1::Guest g;
  grpc::ClientContext ctx;
  grpc::Status st = stub->CreateGuest(&ctx, req, &g);
  if (st.error_code() == grpc::StatusCode::UNIMPLEMENTED)
    GTEST_SKIP() << "hotdesk.v1.Guests is not served by this hotdesk-server yet";
  ASSERT_TRUE(st.ok()) << st.error_message();
  ASSERT_GT(StartGateway(), 0);
  Client c;
  Connect(c);
  ExpectError(c.Request(testing::SetAgentStateXml("7002", "loggedOn", "7003", "0000")), "operation",
              "invalidAgentPassword");
  ExpectError(c.Request(testing::SetAgentStateXml("7002", "loggedOn", "7003")), "operation",
              "invalidAgentPassword");
  EXPECT_EQ(HostOf("7003"), "(nil)");
  EXPECT_EQ(c.Request(testing::SetAgentStateXml("7002", "loggedOn", "7003", "4711"))->name,
            "SetAgentStateResponse");
  EXPECT_EQ(HostOf("7003"), "7002");
  ASSERT_EQ(c.Request(testing::SetAgentStateXml("7002", "loggedOff", "7003"))->name,
            "SetAgentStateResponse");
  // Wrong PINs until the guest is locked (server default: 3 attempts): a security error.
  std::optional<Message> last;
  for (int i = 0; i < 4; ++i)
    last = c.Request(testing::SetAgentStateXml("7002", "loggedOn", "7003", "9999"));
  ExpectError(last, "security", "unspecified");
  ExpectError(c.Request(testing::SetAgentStateXml("7002", "loggedOn", "7003", "4711")), "security",
              "unspecified");
  EXPECT_EQ(HostOf("7003"), "(nil)");
  // Passwords never reach the logs.
  EXPECT_EQ(gateway_->Stderr().find("4711"), std::string::npos);
  EXPECT_EQ(gateway_->Stdout().find("4711"), std::string::npos);
}

TEST_F(CstaGateway, CoreUnavailableMapsToResourceError) {
  // Once the retries are spent (a short budget here), the client is told.
  ASSERT_GT(StartGateway({"--rpc_timeout=2s", "--rpc_retry_budget=1s"}), 0);
  core_.Stop();
  Client c;
  Connect(c);
  ExpectError(c.Request(testing::SetAgentStateXml("7002", "loggedOn", "7003", "", "")),
              "systemResourceAvailability", "resourceOutOfService");
}

TEST_F(CstaGateway, LoginThatTimedOutCannotLandAfterItsLogout) {
  // Each attempt gives up after 300 ms; the core stalls longer than that. Without request ids the
  // login would be answered with an error, the logout sent while the login may still land, and
  // the order in hotdesk left to chance.
  ASSERT_GT(StartGateway({"--rpc_timeout=300ms", "--rpc_retry_budget=30s"}), 0);
  WaitWatching();
  Client c;
  Connect(c);
  core_.process().Signal(SIGSTOP);
  ASSERT_TRUE(hotdesk::testing::WaitProcessStopped(core_.process().pid()));
  ASSERT_TRUE(c.Send(1, testing::SetAgentStateXml("7002", "loggedOn", "7003")));
  ASSERT_TRUE(c.Send(2, testing::SetAgentStateXml("7002", "loggedOff", "7003")));
  // The stall outlasts several attempts of the login.
  absl::SleepFor(absl::Milliseconds(1500));
  core_.process().Signal(SIGCONT);
  auto on = c.WaitForInvoke(1, kWait);
  auto off = c.WaitForInvoke(2, kWait);
  ASSERT_TRUE(on.has_value());
  ASSERT_TRUE(off.has_value());
  EXPECT_EQ(on->name, "SetAgentStateResponse") << on->xml;
  EXPECT_EQ(off->name, "SetAgentStateResponse") << off->xml;
  // What the user did, in the order they did it: logged on, then off. Once each.
  EXPECT_EQ(GuestOf("7002"), "(nil)");
  EXPECT_EQ(StreamOf("7002"), (std::vector<std::string>{"E", "C"}));
  // The retries carried the same request id, so the core applied the login once.
  EXPECT_THAT(gateway_->Stderr(), ::testing::HasSubstr("request_id=csta-"));
}

// CPU seconds (user + system) a process has used.
double CpuSeconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), {});
  std::vector<std::string> f = absl::StrSplit(stat.substr(stat.rfind(')') + 2), ' ');
  return (std::stod(f[11]) + std::stod(f[12])) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

int OpenFds(pid_t pid) {
  int n = 0;
  DIR* d = opendir(("/proc/" + std::to_string(pid) + "/fd").c_str());
  if (d == nullptr) return -1;
  while (readdir(d) != nullptr) ++n;
  closedir(d);
  return n - 2;
}

TEST_F(CstaGateway, OutOfDescriptorsDoesNotSpinAndRecovers) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  // The sanitizer runtimes need descriptors of their own (UBSan's vptr check reads
  // /proc/self/maps and reports a false "invalid vptr" when it cannot); the default build runs it.
  GTEST_SKIP() << "out of descriptors on purpose: not under a sanitizer";
#endif
  ASSERT_GT(StartGateway(), 0);
  WaitWatching();
  pid_t pid = gateway_->pid();
  // Room for two more clients (socket + wake-up descriptor each), no more.
  int limit = OpenFds(pid) + 4;
  std::string out;
  ASSERT_EQ(RunCommand({"prlimit", "--pid", std::to_string(pid),
                        "--nofile=" + std::to_string(limit) + ":" + std::to_string(limit)},
                       &out),
            0)
      << out;
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < 8; ++i) {
    clients.push_back(std::make_unique<Client>());
    ASSERT_TRUE(clients.back()->Connect(port_));  // the kernel completes it; accept() may not
  }
  // Until the gateway has used up its descriptors on the clients it could take.
  absl::Time end = absl::Now() + kWait;
  while (absl::Now() < end && OpenFds(pid) < limit) absl::SleepFor(absl::Milliseconds(20));
  ASSERT_GE(OpenFds(pid), limit) << gateway_->Stderr();
  // Out of descriptors, with clients waiting: the gateway must not burn a core on accept().
  double before = CpuSeconds(pid);
  absl::SleepFor(absl::Seconds(2));
  double used = CpuSeconds(pid) - before;
  EXPECT_LT(used, 0.2) << "CPU seconds in 2 s while out of descriptors";
  std::cerr << "gateway CPU while out of descriptors: " << used << " s in 2 s\n";
  EXPECT_THAT(gateway_->Stderr(), ::testing::HasSubstr("out of file descriptors"));
  // Those that were accepted still work.
  EXPECT_EQ(clients[0]->Request(testing::MonitorStartXml("7002"))->name, "MonitorStartResponse");
  // Descriptors free again: new clients are served.
  clients.clear();
  end = absl::Now() + kWait;
  std::optional<Message> r;
  while (absl::Now() < end) {
    Client again;
    if (again.Connect(port_) &&
        (r = again.Request(testing::MonitorStartXml("7002"), absl::Milliseconds(500)))) {
      break;
    }
  }
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->name, "MonitorStartResponse");
}

std::string HttpGet(int port, const std::string& path) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return "";
  }
  std::string req = "GET " + path + " HTTP/1.0\r\nHost: localhost\r\n\r\n";
  ::send(fd, req.data(), req.size(), 0);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::recv(fd, buf, sizeof(buf), 0)) > 0) out.append(buf, static_cast<size_t>(n));
  ::close(fd);
  return out;
}

TEST_F(CstaGateway, MetricsCountRequestsAndErrors) {
  int mport = FreePort();
  ASSERT_GT(StartGateway({"--metrics_listen=127.0.0.1:" + std::to_string(mport)}), 0);
  WaitWatching();
  Client c;
  Connect(c);
  Monitor(c, "7002");
  ASSERT_TRUE(c.Send(5, "not xml"));
  ASSERT_TRUE(c.WaitForInvoke(5, kWait).has_value());
  ASSERT_EQ(c.Request(testing::SetAgentStateXml("7002", "loggedOn", "7003"))->name,
            "SetAgentStateResponse");
  ASSERT_TRUE(c.WaitFor("AgentLoggedOnEvent", kWait).has_value());
  // The gateway counts an event once it is written, which may be just after the client read it.
  std::string m;
  for (absl::Time end = absl::Now() + kWait; absl::Now() < end;) {
    m = HttpGet(mport, "/metrics");
    if (m.find("hotdesk_csta_events_sent_total{event=\"AgentLoggedOnEvent\"} 1") !=
        std::string::npos)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_THAT(m,
              ::testing::HasSubstr("hotdesk_csta_protocol_errors_total{kind=\"malformed_xml\"} 1"));
  EXPECT_THAT(m, ::testing::HasSubstr(
                     "hotdesk_csta_requests_total{request=\"SetAgentState\",result=\"ok\"} 1"));
  EXPECT_THAT(
      m, ::testing::HasSubstr("hotdesk_csta_events_sent_total{event=\"AgentLoggedOnEvent\"} 1"));
  EXPECT_THAT(m, ::testing::HasSubstr("hotdesk_csta_clients 1"));
  EXPECT_THAT(m, ::testing::HasSubstr("hotdesk_csta_watch_connected 1"));
  EXPECT_THAT(gateway_->Stderr(), ::testing::HasSubstr("rejected CSTA input"));
}

TEST_F(CstaGateway, TlsClients) {
  std::string dir = ::testing::TempDir() + "/csta_tls_" + std::to_string(getpid());
  ASSERT_EQ(std::system(("mkdir -p " + dir).c_str()), 0);
  std::string out;
  ASSERT_EQ(
      RunCommand({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                  "/CN=localhost", "-keyout", dir + "/key.pem", "-out", dir + "/cert.pem"},
                 &out),
      0)
      << out;
  ASSERT_GT(StartGateway({"--tls_cert=" + dir + "/cert.pem", "--tls_key=" + dir + "/key.pem"}), 0);
  WaitWatching();
  Client c;
  Connect(c, /*tls=*/true);
  std::string xref = Monitor(c, "7002");
  ASSERT_FALSE(xref.empty());
  ASSERT_EQ(c.Request(testing::SetAgentStateXml("7002", "loggedOn", "7003"))->name,
            "SetAgentStateResponse");
  ExpectChange(c, xref, "7002", "7003", true);
  // A plain-TCP client cannot talk to the TLS listener.
  Client plain;
  Connect(plain);
  plain.set_auto_answer(false);
  plain.Send(1, testing::MonitorStartXml("7002"));
  EXPECT_FALSE(plain.Read(absl::Seconds(2)).has_value());
  std::system(("rm -rf " + dir).c_str());
}

}  // namespace
}  // namespace hotdesk::csta
