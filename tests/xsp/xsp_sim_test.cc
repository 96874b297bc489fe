// hotdesk-xsp-sim over real HTTP: Basic auth, ErrorInfo, Xsi-Actions GET/PUT, the chunked
// Xsi-Events channel (first chunk Channel, initial events, heartbeats, acks, termination) and
// fault injection.
#include <gtest/gtest.h>

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <mutex>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "adapters/xsp/bridge/xsi_client.h"
#include "adapters/xsp/xml/doc_splitter.h"
#include "adapters/xsp/xml/xsi_xml.h"
#include "tests/xsp/xsp_harness.h"

namespace hotdesk::xsp::testing {
namespace {

constexpr char kEv[] = "/com.broadsoft.xsi-events/v2.0";

class Sim {
 public:
  explicit Sim(std::vector<std::string> flags = {}) {
    std::vector<std::string> argv = {XSP_SIM_BIN, "--listen=127.0.0.1:0", "--user=admin",
                                     "--password=pw", "--max_expires=3600"};
    for (auto& f : flags) argv.push_back(f);
    EXPECT_TRUE(proc.Start(argv));
    std::string line = proc.WaitForLine("listening on port", absl::Seconds(10));
    port = std::atoi(line.substr(line.rfind(' ') + 1).c_str());
  }
  int Call(const std::string& m, const std::string& path, const std::string& body = "",
           std::string* out = nullptr) {
    return HttpCall(m, port, path, body, out, "admin", "pw");
  }
  std::string Url() { return absl::StrCat("http://127.0.0.1:", port); }
  hotdesk::testing::ChildProcess proc;
  int port = 0;
};

// Holds a channel open on a thread and collects its documents.
class ChannelReader {
 public:
  ChannelReader(Sim& sim, int expires) {
    XsiGlobalInit();
    XsiEndpoint ep{sim.Url(), "admin", "pw", true};
    thread_ = std::thread([this, ep, expires] {
      XsiClient c(ep);
      result_ = c.Stream(
          "/com.broadsoft.async/com.broadsoft.xsi-events/v2.0/channel",
          BuildChannelRequest("set1", 1, 50, expires), absl::Seconds(5), absl::Seconds(30),
          [](const std::string&, long) {},
          [this](absl::string_view data) {
            std::lock_guard<std::mutex> lock(mu_);
            for (auto& d : splitter_.Feed(data)) docs_.push_back(d);
          },
          &abort_);
      done_ = true;
    });
  }
  ~ChannelReader() {
    abort_ = true;
    thread_.join();
  }
  std::vector<std::string> Docs() {
    std::lock_guard<std::mutex> lock(mu_);
    return docs_;
  }
  // Waits for a document containing `needle`; returns it or "".
  std::string WaitDoc(const std::string& needle, size_t from = 0) {
    std::string found;
    XspEnv::WaitFor(
        [&] {
          auto docs = Docs();
          for (size_t i = from; i < docs.size(); ++i) {
            if (absl::StrContains(docs[i], needle)) {
              found = docs[i];
              return true;
            }
          }
          return false;
        },
        absl::Seconds(5));
    return found;
  }
  bool done() const { return done_; }
  HttpResult result() const { return result_; }

 private:
  std::thread thread_;
  std::mutex mu_;
  DocSplitter splitter_;
  std::vector<std::string> docs_;
  std::atomic<bool> abort_{false};
  std::atomic<bool> done_{false};
  HttpResult result_;
};

TEST(XspSim, BasicAuthIsChallenged) {
  Sim sim;
  std::string body, challenge;
  const std::string path =
      "/com.broadsoft.xsi-actions/v2.0/user/7003@example.com/services/HotelingGuest";
  EXPECT_EQ(HttpCall("GET", sim.port, path, "", &body, "", "", &challenge), 401);
  EXPECT_EQ(challenge, "Basic realm=\"BroadWorks\"");
  EXPECT_TRUE(ParseErrorInfo(body).ok()) << body;
  EXPECT_EQ(HttpCall("GET", sim.port, path, "", &body, "admin", "wrong"), 401);
  // The client answers the challenge (or sends credentials pre-emptively): 200.
  ASSERT_EQ(HttpCall("GET", sim.port, path, "", &body, "admin", "pw"), 200);
  EXPECT_TRUE(ParseHotelingGuest(body).ok()) << body;
}

TEST(XspSim, ActionsPutThenGetAndErrorInfo) {
  Sim sim({"--domain=example.com"});
  const std::string hg =
      "/com.broadsoft.xsi-actions/v2.0/user/7003@example.com/services/HotelingGuest";
  std::string body;
  ASSERT_EQ(sim.Call("PUT", hg, BuildHotelingGuestAssociate("7002@example.com", 5), &body), 200);
  EXPECT_EQ(body, "");  // PUT answers with no content
  ASSERT_EQ(sim.Call("GET", hg, "", &body), 200);
  auto doc = ParseHotelingGuest(body);
  ASSERT_TRUE(doc.ok()) << body;
  EXPECT_EQ(doc->host_user_id.value_or(""), "7002@example.com");
  EXPECT_EQ(doc->association_limit_hours.value_or(0), 5);
  ASSERT_EQ(sim.Call("PUT", hg, BuildHotelingGuestClear()), 200);
  ASSERT_EQ(sim.Call("GET", hg, "", &body), 200);
  EXPECT_FALSE(ParseHotelingGuest(body)->host_user_id.has_value());

  // Bad XML: 400 with ErrorInfo naming the problem; state unchanged.
  ASSERT_EQ(sim.Call("PUT", hg, "<HotelingGuest xmlns=\"http://schema.broadsoft.com/xsi\"><active>",
                     &body),
            400);
  auto err = ParseErrorInfo(body);
  ASSERT_TRUE(err.ok()) << body;
  EXPECT_TRUE(absl::StrContains(err->summary_english, "malformed XML")) << err->summary_english;
  // Unknown user (outside the domain) and unknown service.
  ASSERT_EQ(
      sim.Call("GET", "/com.broadsoft.xsi-actions/v2.0/user/7003@other.com/services/CallCenter", "",
               &body),
      404);
  EXPECT_EQ(ParseErrorInfo(body)->error_code, 4008);
  EXPECT_EQ(sim.Call("GET", "/com.broadsoft.xsi-actions/v2.0/user/7003@example.com/services/Nope"),
            404);
  // Host that does not exist.
  EXPECT_EQ(sim.Call("PUT", hg, BuildHotelingGuestAssociate("x@other.com", 0)), 404);
  // iso-8859-1 request bodies are accepted.
  EXPECT_EQ(
      sim.Call("PUT", "/com.broadsoft.xsi-actions/v2.0/user/7003@example.com/services/CallCenter",
               "<?xml version=\"1.0\" encoding=\"iso-8859-1\"?><CallCenter "
               "xmlns=\"http://schema.broadsoft.com/xsi\"><agentACDState>Available"
               "</agentACDState></CallCenter>"),
      200);
}

TEST(XspSim, EventChannelLifecycle) {
  Sim sim;
  ChannelReader ch(sim, 90000);
  std::string first = ch.WaitDoc("<Channel");
  ASSERT_FALSE(first.empty());
  EXPECT_TRUE(absl::StartsWith(first, "<?xml"));
  auto cdoc = ParseStreamDoc(first);
  ASSERT_TRUE(cdoc.ok());
  ASSERT_EQ(cdoc->kind, StreamDoc::Kind::kChannel);
  const std::string channel_id = cdoc->channel.channel_id;
  EXPECT_EQ(cdoc->channel.expires, 3600);  // the server grants its own maximum

  // Subscriptions on every path variant; each gets an initial event with sequenceNumber 1.
  std::vector<std::string> paths = {"/user/7003@example.com", "/user/7004@example.com/subscription",
                                    "/User/7005@example.com/subscription"};
  std::vector<std::string> sub_ids;
  for (const std::string& p : paths) {
    std::string body;
    ASSERT_EQ(
        sim.Call("POST", kEv + p,
                 BuildSubscriptionRequest("User", "Hoteling Guest", 3600, "set1", "app"), &body),
        200)
        << p;
    auto sub = ParseSubscription(body);
    ASSERT_TRUE(sub.ok()) << body;
    EXPECT_FALSE(sub->subscription_id.empty());
    sub_ids.push_back(sub->subscription_id);
  }
  for (const std::string& id : sub_ids) {
    std::string ev = ch.WaitDoc(id);
    ASSERT_FALSE(ev.empty()) << id;
    auto d = ParseStreamDoc(ev);
    ASSERT_TRUE(d.ok()) << ev;
    EXPECT_EQ(d->event.sequence_number, 1);
    EXPECT_EQ(d->event.data_type, "HotelingGuestEvent");
    EXPECT_EQ(d->event.channel_id, channel_id);
  }
  // Subscription failures answer 403.
  EXPECT_EQ(sim.Call("POST", absl::StrCat(kEv, "/user/7003@example.com"), "<bad/>"), 403);

  // Events are tracked until acknowledged.
  Json chans;
  std::string j;
  HttpCall("GET", sim.port, "/sim/channels", "", &j);
  ASSERT_TRUE(ParseJson(j, &chans));
  EXPECT_EQ(chans["unacked"].Int(), 3);
  std::string ev = ch.WaitDoc(sub_ids[0]);
  std::string event_id = ParseStreamDoc(ev)->event.event_id;
  EXPECT_EQ(sim.Call("POST", absl::StrCat(kEv, "/channel/eventresponse"),
                     BuildEventResponse(event_id, 200, "OK")),
            200);
  EXPECT_EQ(sim.Call("POST", absl::StrCat(kEv, "/channel/eventresponse"),
                     BuildEventResponse("no-such-event", 200, "OK")),
            404);
  HttpCall("GET", sim.port, "/sim/channels", "", &j);
  ASSERT_TRUE(ParseJson(j, &chans));
  EXPECT_EQ(chans["unacked"].Int(), 2);
  EXPECT_EQ(chans["acked"].Int(), 1);

  // Heartbeat: 200 and a ChannelHeartBeat chunk; unknown channel: 404.
  size_t n = ch.Docs().size();
  EXPECT_EQ(sim.Call("PUT", absl::StrCat(kEv, "/channel/", channel_id, "/heartbeat")), 200);
  EXPECT_FALSE(ch.WaitDoc("ChannelHeartBeat", n).empty());
  EXPECT_EQ(sim.Call("PUT", absl::StrCat(kEv, "/channel/nope/heartbeat")), 404);

  // A change on the platform arrives as a HotelingGuestEvent with the next sequence number.
  n = ch.Docs().size();
  ASSERT_EQ(HttpCall("POST", sim.port, "/sim/hoteling?guest=7003@example.com&host=7002@example.com",
                     "", nullptr),
            200);
  std::string change = ch.WaitDoc("7002@example.com", n);
  auto cd = ParseStreamDoc(change);
  ASSERT_TRUE(cd.ok()) << change;
  EXPECT_EQ(cd->event.sequence_number, 2);
  EXPECT_EQ(cd->event.hoteling_guest.host_user_id.value_or(""), "7002@example.com");
  // Literal prefixes as a production XSP writes them.
  EXPECT_TRUE(absl::StrContains(change, "xsi1:type=\"xsi:HotelingGuestEvent\"")) << change;

  // Subscription refresh and delete.
  std::string body;
  ASSERT_EQ(sim.Call("PUT", absl::StrCat(kEv, "/subscription/", sub_ids[1]),
                     BuildSubscriptionRefresh(99999), &body),
            200);
  EXPECT_EQ(ParseSubscription(body)->expires, 3600);
  EXPECT_EQ(sim.Call("DELETE", absl::StrCat(kEv, "/subscription/", sub_ids[1])), 200);
  EXPECT_EQ(sim.Call("DELETE", absl::StrCat(kEv, "/subscription/", sub_ids[1])), 404);

  // Deleting the channel sends ChannelTerminatedEvent, then ends the stream.
  EXPECT_EQ(sim.Call("DELETE", absl::StrCat(kEv, "/channel/", channel_id)), 200);
  EXPECT_FALSE(ch.WaitDoc("ChannelTerminatedEvent").empty());
  EXPECT_TRUE(XspEnv::WaitFor([&] { return ch.done(); }, absl::Seconds(5)));
  EXPECT_EQ(ch.result().status, 200);
  EXPECT_TRUE(ch.result().error.empty()) << ch.result().error;
}

TEST(XspSim, FaultInjection) {
  Sim sim;
  const std::string cc =
      "/com.broadsoft.xsi-actions/v2.0/user/7003@example.com/services/CallCenter";
  // 500 twice, then normal.
  ASSERT_EQ(
      HttpCall("POST", sim.port, "/sim/faults?path=CallCenter&status=500&count=2", "", nullptr),
      200);
  std::string body;
  EXPECT_EQ(sim.Call("GET", cc, "", &body), 500);
  EXPECT_TRUE(ParseErrorInfo(body).ok()) << body;
  EXPECT_EQ(sim.Call("GET", cc), 500);
  EXPECT_EQ(sim.Call("GET", cc), 200);
  // 401 despite good credentials (e.g. password changed on the platform).
  ASSERT_EQ(HttpCall("POST", sim.port, "/sim/faults?path=CallCenter&status=401", "", nullptr), 200);
  EXPECT_EQ(sim.Call("GET", cc), 401);
  // Slow.
  ASSERT_EQ(HttpCall("POST", sim.port, "/sim/faults?method=GET&delay_ms=400", "", nullptr), 200);
  absl::Time t0 = absl::Now();
  EXPECT_EQ(sim.Call("GET", cc), 200);
  EXPECT_GE(absl::Now() - t0, absl::Milliseconds(400));
  // Dropped channel: the stream is cut without a ChannelTerminatedEvent.
  ChannelReader ch(sim, 3600);
  ASSERT_FALSE(ch.WaitDoc("<Channel").empty());
  ASSERT_EQ(HttpCall("POST", sim.port, "/sim/faults?drop_channel=1", "", nullptr), 200);
  ASSERT_TRUE(XspEnv::WaitFor([&] { return ch.done(); }, absl::Seconds(5)));
  EXPECT_FALSE(ch.result().error.empty());
  for (const std::string& d : ch.Docs()) EXPECT_FALSE(absl::StrContains(d, "ChannelTerminated"));
  // The journal lists Xsi-Actions requests in order with method, path, status and body.
  std::string j;
  HttpCall("GET", sim.port, "/sim/journal?api=actions", "", &j);
  Json journal;
  ASSERT_TRUE(ParseJson(j, &journal)) << j;
  ASSERT_EQ(journal.size(), 5u);
  EXPECT_EQ(journal[0]["status"].Int(), 500);
  EXPECT_EQ(journal[3]["status"].Int(), 401);
  EXPECT_EQ(journal[4]["method"].str, "GET");
  EXPECT_EQ(journal[4]["path"].str, cc);
}

// --state_file: what the platform acknowledged survives kill -9 of the simulator (a restarted
// XSP node in front of the same application server); channels and subscriptions do not.
TEST(XspSim, StateFileSurvivesKillAndRejectsCorruption) {
  const std::string path =
      absl::StrCat(::testing::TempDir(), "/xsp_sim_state_", ::getpid(), ".txt");
  std::remove(path.c_str());
  const std::string hg = "/com.broadsoft.xsi-actions/v2.0/user/7003@example.com/services/HotelingGuest";
  const std::string cfa =
      "/com.broadsoft.xsi-actions/v2.0/user/7002@example.com/services/CallForwardingAlways";
  int port = 0;
  {
    Sim sim({"--state_file=" + path});
    port = sim.port;
    ASSERT_EQ(sim.Call("PUT", hg, BuildHotelingGuestAssociate("7002@example.com", 5)), 200);
    ASSERT_EQ(sim.Call("PUT", cfa, BuildCallForwardingAlways(true, "7003")), 200);
    // A platform change (portal), then the host's agent state: each is saved before its answer.
    ASSERT_EQ(HttpCall("POST", sim.port, "/sim/hoteling?guest=7005@example.com&host=7004@example.com",
                       "", nullptr),
              200);
    ASSERT_EQ(HttpCall("POST", sim.port, "/sim/agent?user=7005@example.com&state=Available", "",
                       nullptr),
              200);
    sim.proc.Stop(SIGKILL);
  }
  {
    Sim sim({"--state_file=" + path});
    ASSERT_GT(sim.port, 0) << port;
    std::string body;
    ASSERT_EQ(sim.Call("GET", hg, "", &body), 200);
    auto g = ParseHotelingGuest(body);
    ASSERT_TRUE(g.ok()) << body;
    EXPECT_EQ(g->host_user_id.value_or(""), "7002@example.com");
    EXPECT_EQ(g->association_limit_hours.value_or(0), 5);
    ASSERT_EQ(sim.Call("GET", cfa, "", &body), 200);
    auto c = ParseCallForwardingAlways(body);
    ASSERT_TRUE(c.ok()) << body;
    EXPECT_TRUE(c->active.value_or(false));
    EXPECT_EQ(c->forward_to_phone_number.value_or(""), "7003");
    ASSERT_EQ(HttpCall("GET", sim.port, "/sim/users/7005@example.com", "", &body), 200);
    EXPECT_TRUE(absl::StrContains(body, "7004@example.com")) << body;
    EXPECT_TRUE(absl::StrContains(body, "Available")) << body;
    // Neither channels nor subscriptions survive.
    ASSERT_EQ(HttpCall("GET", sim.port, "/sim/channels", "", &body), 200);
    EXPECT_TRUE(absl::StrContains(body, "{\"channels\":[],\"subscriptions\":0,")) << body;
    sim.proc.Stop(SIGTERM);
  }
  // A file it cannot read is refused at start, naming the line and the field.
  {
    std::ofstream f(path, std::ios::trunc);
    f << "7003@example.com\tguest.active=1\n7004@example.com\tguest.hours=many\n";
  }
  hotdesk::testing::ChildProcess bad;
  ASSERT_TRUE(bad.Start({XSP_SIM_BIN, "--listen=127.0.0.1:0", "--state_file=" + path}));
  EXPECT_TRUE(XspEnv::WaitFor([&] { return !bad.Running(); }, absl::Seconds(10)));
  EXPECT_EQ(bad.Stop(), 2);
  EXPECT_TRUE(absl::StrContains(bad.Stderr(), "line 2: cannot read field 'guest.hours'"))
      << bad.Stderr();
  std::remove(path.c_str());
}

}  // namespace
}  // namespace hotdesk::xsp::testing
