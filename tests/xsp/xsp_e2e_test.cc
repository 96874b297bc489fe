// The bridge against the simulator over real HTTP, with a real hotdesk-server and Redis.
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "adapters/xsp/xml/xsi_xml.h"
#include "tests/xsp/xsp_harness.h"

namespace hotdesk::xsp::testing {
namespace {

constexpr absl::Duration kWait = absl::Seconds(10);

class XspE2E : public ::testing::Test {
 protected:
  void StartEnv(const std::vector<std::string>& bridge_flags = {}) {
    ASSERT_TRUE(env_.Start(bridge_flags)) << "bridge log:\n" << env_.BridgeLog();
  }
  // The Xsi-Actions requests after `since` but the reads of a guest's HotelingGuest, which the
  // bridge makes on its own schedule (reconciling after every channel open, checking that an
  // inbound event is current, syncing its own changes).
  std::vector<Request> Sent(int64_t since) {
    std::vector<Request> out;
    for (Request& r : env_.Actions(since))
      if (!(r.method == "GET" && absl::EndsWith(r.path, "/services/HotelingGuest")))
        out.push_back(std::move(r));
    return out;
  }
  // Waits until Sent(since) has `n` requests; returns them.
  std::vector<Request> WaitActions(int64_t since, size_t n) {
    std::vector<Request> got;
    XspEnv::WaitFor(
        [&] {
          got = Sent(since);
          return got.size() >= n;
        },
        kWait);
    return got;
  }
  // Sequences recorded by the bridge, newest first.
  Json Sequences() { return env_.Status()["sequences"]; }
  bool WaitSequenceState(const std::string& cursor, const std::string& state) {
    return XspEnv::WaitFor(
        [&] {
          Json seqs = Sequences();
          for (const Json& s : seqs.arr) {
            if (s["cursor"].str == cursor && s["state"].str == state) return true;
          }
          return false;
        },
        kWait);
  }
  XspEnv env_;
};

TEST_F(XspE2E, EstablishRunsTheDocumentedSequenceInOrder) {
  StartEnv();
  int64_t since = env_.LastSeq();
  std::string cursor = env_.Establish("7002", "7003").cursor();
  std::vector<Request> want = ExpectedEstablish("7002", "7003", 0, false);
  EXPECT_EQ(WaitActions(since, want.size()), want);
  ASSERT_TRUE(WaitSequenceState(cursor, "done")) << env_.BridgeLog();
  // Platform state is what the sequence set.
  std::string user = env_.SimGet("/sim/users/7003@example.com");
  EXPECT_TRUE(absl::StrContains(user, "\"hostUserId\":\"7002@example.com\"")) << user;
  EXPECT_TRUE(absl::StrContains(user, "\"agentACDState\":\"Unavailable\"")) << user;
  std::string host = env_.SimGet("/sim/users/7002@example.com");
  EXPECT_TRUE(absl::StrContains(host, "\"active\":true,\"forwardToPhoneNumber\":\"7003\"")) << host;
  EXPECT_EQ(env_.Metric("hotdesk_xsp_sequences_total{kind=\"establish\",outcome=\"done\"}"), 1);
}

TEST_F(XspE2E, CancelRunsTheDocumentedSequenceInOrder) {
  StartEnv();
  std::string est = env_.Establish("7002", "7003").cursor();
  ASSERT_TRUE(WaitSequenceState(est, "done"));
  int64_t since = env_.LastSeq();
  std::string cursor = env_.Cancel("7002").cursor();
  std::vector<Request> want = ExpectedCancel("7002", "7003");
  EXPECT_EQ(WaitActions(since, want.size()), want);
  ASSERT_TRUE(WaitSequenceState(cursor, "done"));
  std::string user = env_.SimGet("/sim/users/7003@example.com");
  EXPECT_TRUE(absl::StrContains(user, "\"hostUserId\":null")) << user;
  EXPECT_TRUE(absl::StrContains(user, "\"agentACDState\":\"Sign-Out\"")) << user;
}

TEST_F(XspE2E, AssociationLimitIsPassedThrough) {
  StartEnv();
  int64_t since = env_.LastSeq();
  env_.Establish("7002", "7003", /*limit_hours=*/10);
  std::vector<Request> got = WaitActions(since, 4);
  ASSERT_GE(got.size(), 3u);
  EXPECT_EQ(got[2].body, BuildHotelingGuestAssociate("7002@example.com", 10));
  EXPECT_TRUE(absl::StrContains(got[2].body,
                                "<enableAssociationLimit>true</enableAssociationLimit>"
                                "<associationLimitHours>10</associationLimitHours>"));
}

TEST_F(XspE2E, SignedInHostAgentIsSignedOutFirst) {
  StartEnv();
  ASSERT_EQ(env_.SimPost("/sim/agent?user=7002@example.com&state=Available"), 200);
  int64_t since = env_.LastSeq();
  env_.Establish("7002", "7004");
  std::vector<Request> want = ExpectedEstablish("7002", "7004", 0, /*signed_in=*/true);
  std::vector<Request> got = WaitActions(since, want.size());
  EXPECT_EQ(got, want);
  ASSERT_GE(got.size(), 2u);
  EXPECT_EQ(got[1].body, BuildCallCenterState("Sign-Out"));
}

TEST_F(XspE2E, FailureAtStep2IsRetriedAndReported) {
  StartEnv();
  ASSERT_EQ(env_.SimPost("/sim/faults?method=PUT&path=CallForwardingAlways&status=500&count=1"),
            200);
  int64_t since = env_.LastSeq();
  std::string cursor = env_.Establish("7002", "7003").cursor();
  ASSERT_TRUE(WaitSequenceState(cursor, "done")) << env_.BridgeLog();
  std::vector<Request> got = Sent(since);
  ASSERT_EQ(got.size(), 5u) << ::testing::PrintToString(got);
  EXPECT_EQ(got[1].path, ActionsPath("7002", "CallForwardingAlways"));
  EXPECT_EQ(got[1].status, 500);
  EXPECT_EQ(got[2], got[1]);  // the same request again
  EXPECT_EQ(got[2].status, 200);
  // Visible to an operator: /status, metrics, log.
  Json seq = Sequences()[0];
  EXPECT_EQ(seq["steps"][1]["name"].str, "host_cfa_on");
  EXPECT_EQ(seq["steps"][1]["attempts"].Int(), 2);
  EXPECT_EQ(seq["steps"][1]["outcome"].str, "ok");
  EXPECT_EQ(env_.Metric("hotdesk_xsp_steps_total{outcome=\"retry\",step=\"host_cfa_on\"}"), 1);
  EXPECT_TRUE(absl::StrContains(env_.BridgeLog(), "step failed; retrying"));
}

TEST_F(XspE2E, FailedSequenceIsParkedAndRetriedUntilItSucceeds) {
  StartEnv({"--step_retries=2", "--park_backoff=300ms", "--park_backoff_max=300ms"});
  // Three attempts per run: the first two runs fail, the third gets through on its second try.
  ASSERT_EQ(env_.SimPost("/sim/faults?method=PUT&path=CallForwardingAlways&status=503&count=7"),
            200);
  int64_t since = env_.LastSeq();
  std::string cursor = env_.Establish("7002", "7003").cursor();
  // Parked, visible to an operator: /status, metrics, log.
  Json parked;
  ASSERT_TRUE(XspEnv::WaitFor(
      [&] {
        Json st = env_.Status();
        for (const Json& p : st["pending"].arr) {
          if (p["cursor"].str == cursor && p["state"].str == "parked") parked = p;
        }
        return parked.type == Json::kObject;
      },
      kWait))
      << env_.BridgeLog();
  EXPECT_TRUE(absl::StrContains(parked["error"].str, "HTTP 503")) << parked["error"].str;
  EXPECT_EQ(parked["steps"][1]["outcome"].str, "failed");
  EXPECT_EQ(parked["steps"][2]["outcome"].str, "not_run");
  EXPECT_GT(parked["nextAttemptMs"].Int(), 0);
  EXPECT_TRUE(absl::StrContains(env_.BridgeLog(), "sequence failed; parked"));
  // It is retried, from the failed step on, until it succeeds.
  ASSERT_TRUE(WaitSequenceState(cursor, "done")) << env_.BridgeLog();
  Json seq = Sequences()[0];
  EXPECT_EQ(seq["parks"].Int(), 2);
  EXPECT_EQ(seq["steps"][1]["outcome"].str, "ok");
  EXPECT_GE(env_.Metric("hotdesk_xsp_sequences_total{kind=\"establish\",outcome=\"parked\"}"), 2);
  EXPECT_EQ(env_.Metric("hotdesk_xsp_sequences_total{kind=\"establish\",outcome=\"done\"}"), 1);
  EXPECT_EQ(env_.Metric("hotdesk_xsp_sequences_parked"), 0);
  // The host agent step ran once; the CFA PUT until it succeeded; the rest once, after it.
  std::vector<Request> got = Sent(since);
  std::vector<Request> base = ExpectedEstablish("7002", "7003", 0, false);
  ASSERT_EQ(got.size(), 1 + 8 + 2u) << ::testing::PrintToString(got);
  EXPECT_EQ(got[0], base[0]);
  for (int i = 1; i <= 8; ++i) EXPECT_EQ(got[i], base[1]) << i;
  EXPECT_EQ(got[9], base[2]);
  EXPECT_EQ(got[10], base[3]);
  std::string user = env_.SimGet("/sim/users/7003@example.com");
  EXPECT_TRUE(absl::StrContains(user, "\"hostUserId\":\"7002@example.com\"")) << user;
}

TEST_F(XspE2E, RefusedSequenceWaitsForAnOperatorAndHoldsBackOnlyItsUsers) {
  StartEnv({"--park_backoff=200ms", "--park_backoff_max=1s"});
  ASSERT_EQ(
      env_.SimPost("/sim/faults?method=PUT&path=7003@example.com/services/HotelingGuest&status=400"
                   "&count=1000"),
      200);
  int64_t since = env_.LastSeq();
  std::string first = env_.Establish("7002", "7003").cursor();
  // A client error is not retried within the run: parked after one attempt of the step.
  ASSERT_TRUE(XspEnv::WaitFor(
      [&] {
        Json st = env_.Status();
        for (const Json& p : st["pending"].arr) {
          if (p["cursor"].str == first && p["state"].str == "parked") return true;
        }
        return false;
      },
      kWait))
      << env_.BridgeLog();
  std::vector<Request> got = Sent(since);
  ASSERT_GE(got.size(), 3u) << ::testing::PrintToString(got);
  EXPECT_EQ(got[2].status, 400);
  // The guest's logout waits behind it; another desk's login goes ahead.
  std::string logout = env_.Cancel("7002").cursor();
  std::string other = env_.Establish("7005", "7004").cursor();
  ASSERT_TRUE(WaitSequenceState(other, "done")) << env_.BridgeLog();
  bool queued = false;
  Json st = env_.Status();
  for (const Json& p : st["pending"].arr) {
    queued |= p["cursor"].str == logout && p["state"].str == "queued";
  }
  EXPECT_TRUE(queued) << env_.SimGet("/sim/journal");
  // Operator actions: bad requests are answered as such; dropping the parked one lets the
  // logout run.
  std::string out;
  EXPECT_EQ(HttpCall("POST", env_.bridge_port, "/sequences/drop", "", &out), 400) << out;
  EXPECT_EQ(HttpCall("POST", env_.bridge_port, "/sequences/drop?cursor=1-0", "", &out), 404) << out;
  ASSERT_EQ(HttpCall("DELETE", env_.sim_port, "/sim/faults", "", nullptr), 200);
  ASSERT_EQ(HttpCall("POST", env_.bridge_port, "/sequences/drop?cursor=" + first, "", &out), 200)
      << out;
  ASSERT_TRUE(WaitSequenceState(first, "dropped"));
  ASSERT_TRUE(WaitSequenceState(logout, "done")) << env_.BridgeLog();
  EXPECT_EQ(env_.Metric("hotdesk_xsp_sequences_total{kind=\"establish\",outcome=\"dropped\"}"), 1);
  EXPECT_TRUE(absl::StrContains(env_.BridgeLog(), "dropped by an operator"));
  EXPECT_TRUE(env_.Status()["pending"].arr.empty());
}

TEST_F(XspE2E, PlatformAssociationAppearsInHotdeskWithoutEcho) {
  StartEnv();
  int64_t since = env_.LastSeq();
  // Association made on the portal.
  ASSERT_EQ(env_.SimPost("/sim/hoteling?guest=7004@example.com&host=7005@example.com&hours=8"),
            200);
  absl::StatusOr<v1::Association> a;
  ASSERT_TRUE(XspEnv::WaitFor([&] { return (a = env_.GetByGuest("7004")).ok(); }, kWait))
      << env_.BridgeLog();
  EXPECT_EQ(a->host(), "7005");
  EXPECT_EQ(a->source(), v1::SOURCE_XSP);
  EXPECT_EQ(a->limit().duration().seconds(), 8 * 3600);
  // Force release on the platform.
  ASSERT_EQ(env_.SimPost("/sim/release?host=7005@example.com"), 200);
  ASSERT_TRUE(XspEnv::WaitFor([&] { return !env_.GetByGuest("7004").ok(); }, kWait));
  std::vector<v1::AssociationEvent> evs = env_.Events(env_.seed_cursor);
  ASSERT_EQ(evs.size(), 2u);
  EXPECT_EQ(evs[0].type(), v1::EVENT_TYPE_ESTABLISHED);
  EXPECT_EQ(evs[0].source(), v1::SOURCE_XSP);
  EXPECT_EQ(evs[1].type(), v1::EVENT_TYPE_CANCELLED);
  EXPECT_EQ(evs[1].source(), v1::SOURCE_XSP);
  EXPECT_EQ(evs[1].reason(), v1::CANCEL_REASON_EXTERNAL);
  // Nothing written to the platform for either: it already has them. Each became a sync
  // sequence that read the guest's HotelingGuest, found what hotdesk has, and wrote nothing
  // (the inbound side also read it, to see that each event was still current).
  ASSERT_TRUE(XspEnv::WaitFor(
      [&] {
        return env_.Metric("hotdesk_xsp_sequences_total{kind=\"sync\",outcome=\"done\"}") == 2;
      },
      kWait))
      << env_.Metrics();
  for (const Request& r : env_.Actions(since)) {
    EXPECT_EQ(r.method, "GET") << ::testing::PrintToString(env_.Actions(since));
  }
  EXPECT_EQ(env_.Metric("hotdesk_xsp_steps_total{outcome=\"skipped\",step=\"guest_hoteling_sync\"}"),
            2);
  // Every event was acknowledged.
  EXPECT_TRUE(XspEnv::WaitFor([&] { return env_.SimChannels()["unacked"].Int() == 0; }, kWait))
      << env_.SimGet("/sim/channels");
}

// Two writers on one guest: hotdesk moves 7003 to 7002 while the platform's PUT fails (the
// sequence parks), and meanwhile the platform moves 7003 to 7005, which the bridge applies to
// hotdesk. When the parked sequence finally writes 7002 to the platform, the platform holds an
// older change than hotdesk. The bridge's own event for the platform change makes it sync the
// guest to what hotdesk holds, so both sides end at 7005. (Before: hotdesk 7005, platform 7002,
// for good; the fault suite's xsp_diverged.)
TEST_F(XspE2E, PlatformChangeDuringAParkedSequenceEndsTheSameOnBothSides) {
  StartEnv({"--step_retries=0", "--park_backoff=300ms", "--park_backoff_max=300ms"});
  ASSERT_EQ(env_.SimPost("/sim/faults?method=PUT&path=HotelingGuest&status=503&count=3"), 200);
  std::string cursor = env_.Establish("7002", "7003").cursor();
  ASSERT_TRUE(XspEnv::WaitFor(
      [&] {
        Json st = env_.Status();  // held: the loop reads into it
        for (const Json& p : st["pending"].arr)
          if (p["cursor"].str == cursor && p["state"].str == "parked") return true;
        return false;
      },
      kWait))
      << env_.BridgeLog();
  ASSERT_EQ(env_.SimPost("/sim/hoteling?guest=7003@example.com&host=7005@example.com"), 200);
  ASSERT_TRUE(XspEnv::WaitFor(
      [&] {
        auto a = env_.GetByGuest("7003");
        return a.ok() && a->host() == "7005";
      },
      kWait))
      << env_.BridgeLog();
  std::string user;
  bool agree = XspEnv::WaitFor(
      [&] {
        user = env_.SimGet("/sim/users/7003@example.com");
        auto a = env_.GetByGuest("7003");
        return env_.Status()["pending"].arr.empty() && a.ok() && a->host() == "7005" &&
               absl::StrContains(user, "\"hostUserId\":\"7005@example.com\"");
      },
      kWait);
  auto a = env_.GetByGuest("7003");
  EXPECT_TRUE(agree) << "hotdesk: " << (a.ok() ? a->host() : "none") << ", platform: " << user
                     << "\n" << env_.BridgeLog();
}

// A platform change made while no channel is open has no event (the XSP has nobody to send it
// to), and the new subscription's initial event is not applied. The bridge compares each
// subscribed guest with its picture of BroadWorks after the channel opens and applies what it
// missed; a guest whose difference a pending sequence explains is left to that sequence.
TEST_F(XspE2E, PlatformChangeMadeWhileTheBridgeWasDownIsReconciled) {
  StartEnv();
  std::string c1 = env_.Establish("7002", "7003").cursor();
  ASSERT_TRUE(WaitSequenceState(c1, "done"));
  env_.StopBridge(SIGKILL);
  // The sim sees the channel gone before the changes, so no event is queued for it.
  ASSERT_TRUE(XspEnv::WaitFor(
      [&] {
        Json chs = env_.SimChannels();  // held: the loop reads into it
        for (const Json& c : chs["channels"].arr)
          if (c["open"].b) return false;
        return true;
      },
      kWait))
      << env_.SimGet("/sim/channels");
  ASSERT_EQ(env_.SimPost("/sim/hoteling?guest=7004@example.com&host=7005@example.com"), 200);
  ASSERT_EQ(env_.SimPost("/sim/logout?guest=7003@example.com"), 200);
  ASSERT_TRUE(env_.StartBridge()) << env_.BridgeLog();
  absl::StatusOr<v1::Association> a;
  EXPECT_TRUE(XspEnv::WaitFor(
      [&] {
        a = env_.GetByGuest("7004");
        return a.ok() && a->host() == "7005" && !env_.GetByGuest("7003").ok();
      },
      kWait))
      << env_.BridgeLog();
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->source(), v1::SOURCE_XSP);
  EXPECT_TRUE(absl::StrContains(env_.BridgeLog(), "a missed change")) << env_.BridgeLog();
  EXPECT_EQ(env_.Metric("hotdesk_xsp_inbound_changes_total{kind=\"establish\",outcome=\"reconciled\"}"),
            1)
      << env_.Metrics();
  // Nothing else moved: the seed association is where it was, and a second open (the channel
  // dropped) finds nothing to reconcile.
  ASSERT_EQ(env_.SimPost("/sim/faults?drop_channel=1"), 200);
  ASSERT_TRUE(XspEnv::WaitFor([&] { return env_.Status()["channel"]["opens"].Int() >= 2; }, kWait));
  ASSERT_TRUE(env_.WaitBridgeReady());
  EXPECT_EQ(env_.GetByGuest("seed-guest")->host(), "seed-host");
  EXPECT_EQ(env_.Metric("hotdesk_xsp_inbound_changes_total{kind=\"establish\",outcome=\"reconciled\"}"),
            1);
}

// A restarted XSP knows no subscription: refreshing them on the new channel gets 404 and the
// bridge subscribes again at once. (Before: not until the lost one was due for refresh, 80 % of
// an hour later, so platform changes were not heard meanwhile.)
TEST_F(XspE2E, SubscriptionsAreMadeAgainAtOnceAfterTheXspRestarted) {
  StartEnv();
  ASSERT_TRUE(env_.RestartSim());
  ASSERT_TRUE(XspEnv::WaitFor([&] { return env_.Status()["channel"]["opens"].Int() >= 2; }, kWait))
      << env_.BridgeLog();
  EXPECT_TRUE(env_.WaitBridgeReady()) << env_.BridgeLog();
  EXPECT_TRUE(XspEnv::WaitFor(
      [&] { return env_.SimChannels()["subscriptions"].Int() == env_.expected_subscriptions; },
      kWait))
      << env_.SimGet("/sim/channels");
  ASSERT_EQ(env_.SimPost("/sim/hoteling?guest=7004@example.com&host=7005@example.com"), 200);
  EXPECT_TRUE(XspEnv::WaitFor(
      [&] {
        auto a = env_.GetByGuest("7004");
        return a.ok() && a->host() == "7005";
      },
      kWait))
      << env_.BridgeLog();
}

TEST_F(XspE2E, OwnChangesDoNotComeBackAsNewChanges) {
  StartEnv();
  std::string c1 = env_.Establish("7002", "7003").cursor();
  ASSERT_TRUE(WaitSequenceState(c1, "done"));
  std::string c2 = env_.Cancel("7002").cursor();
  ASSERT_TRUE(WaitSequenceState(c2, "done"));
  // The platform reported both HotelingGuest changes; they were recognised as own changes.
  ASSERT_TRUE(XspEnv::WaitFor(
      [&] {
        return env_.Metric(
                   "hotdesk_xsp_inbound_changes_total{kind=\"establish\",outcome=\"echo\"}") == 1 &&
               env_.Metric("hotdesk_xsp_inbound_changes_total{kind=\"cancel\",outcome=\"echo\"}") ==
                   1;
      },
      kWait))
      << env_.Metrics();
  absl::SleepFor(absl::Milliseconds(300));
  std::vector<v1::AssociationEvent> evs = env_.Events(env_.seed_cursor);
  ASSERT_EQ(evs.size(), 2u);  // only the two API changes
  for (const auto& e : evs) EXPECT_EQ(e.source(), v1::SOURCE_API);
}

TEST_F(XspE2E, GroupSubscriptionDeliversPlatformChanges) {
  env_.group_mode = true;
  StartEnv();
  // Any user of the group, not only listed ones; the first event of a group subscription is a
  // real change (there is no initial event for group targets).
  ASSERT_EQ(env_.SimPost("/sim/hoteling?guest=7020@example.com&host=7021@example.com"), 200);
  absl::StatusOr<v1::Association> a;
  ASSERT_TRUE(XspEnv::WaitFor([&] { return (a = env_.GetByGuest("7020")).ok(); }, kWait))
      << env_.BridgeLog();
  EXPECT_EQ(a->host(), "7021");
  EXPECT_EQ(a->source(), v1::SOURCE_XSP);
  bool group_path = false;
  for (const Request& r : env_.AllRequests(0)) {
    group_path |= r.method == "POST" &&
                  r.path == "/com.broadsoft.xsi-events/v2.0/serviceprovider/sp1/group/group1" &&
                  absl::StrContains(r.body, "<targetIdType>Group</targetIdType>");
  }
  EXPECT_TRUE(group_path);
}

TEST_F(XspE2E, DroppedChannelIsReopened) {
  StartEnv();
  std::string first = env_.Status()["channel"]["channelId"].str;
  Json dropped;
  std::string out;
  ASSERT_EQ(env_.SimPost("/sim/faults?drop_channel=1", "", &out), 200);
  ASSERT_TRUE(ParseJson(out, &dropped));
  EXPECT_EQ(dropped["dropped"].Int(), 1);
  ASSERT_TRUE(XspEnv::WaitFor(
      [&] {
        Json s = env_.Status();
        return s["channel"]["up"].b && s["channel"]["opens"].Int() == 2;
      },
      kWait))
      << env_.BridgeLog();
  std::string second = env_.Status()["channel"]["channelId"].str;
  EXPECT_NE(first, second);
  Json chans = env_.SimChannels();
  int open = 0;
  for (const Json& c : chans["channels"].arr) open += c["open"].b;
  EXPECT_EQ(open, 1) << env_.SimGet("/sim/channels");
  // Events flow again on the new channel.
  ASSERT_EQ(env_.SimPost("/sim/hoteling?guest=7006@example.com&host=7008@example.com"), 200);
  absl::StatusOr<v1::Association> a;
  ASSERT_TRUE(XspEnv::WaitFor([&] { return (a = env_.GetByGuest("7006")).ok(); }, kWait))
      << env_.BridgeLog();
  EXPECT_EQ(a->host(), "7008");
  // Heartbeats continue on the new channel.
  ASSERT_TRUE(XspEnv::WaitFor(
      [&] {
        Json chs = env_.SimChannels();
        for (const Json& c : chs["channels"].arr) {
          if (c["channelId"].str == second && c["heartbeats"].Int() >= 1) return true;
        }
        return false;
      },
      kWait))
      << env_.SimGet("/sim/channels") << env_.BridgeLog();
}

TEST_F(XspE2E, HeartbeatForUnknownChannelMakesTheBridgeReopen) {
  StartEnv();
  // A restarted XSP forgets its channels: the heartbeat gets 404 and the bridge reopens.
  ASSERT_EQ(env_.SimPost("/sim/faults?method=PUT&path=/heartbeat&status=404&count=1"), 200);
  EXPECT_TRUE(XspEnv::WaitFor([&] { return env_.Status()["channel"]["opens"].Int() >= 2; }, kWait))
      << env_.BridgeLog();
  EXPECT_TRUE(env_.WaitBridgeReady());
}

TEST_F(XspE2E, ChannelAndSubscriptionsAreRefreshedBeforeExpiry) {
  // The simulator grants at most 4 s and ends a channel that is not refreshed in time.
  ASSERT_TRUE(env_.Start({}, {"--max_expires=4"})) << env_.BridgeLog();
  int64_t since = env_.LastSeq();
  absl::SleepFor(absl::Seconds(8));
  Json s = env_.Status();
  EXPECT_TRUE(s["channel"]["up"].b);
  EXPECT_EQ(s["channel"]["opens"].Int(), 1) << env_.BridgeLog();
  EXPECT_EQ(s["channel"]["expires"].Int(), 4);
  int channel_refresh = 0, sub_refresh = 0;
  for (const Request& r : env_.AllRequests(since)) {
    if (r.method != "PUT") continue;
    if (absl::StrContains(r.path, "/v2.0/channel/") && !absl::StrContains(r.path, "heartbeat")) {
      ++channel_refresh;
      EXPECT_EQ(r.status, 200);
    }
    if (absl::StrContains(r.path, "/v2.0/subscription/")) ++sub_refresh;
  }
  EXPECT_GE(channel_refresh, 2) << ::testing::PrintToString(env_.AllRequests(since));
  EXPECT_GE(sub_refresh, 2 * env_.expected_subscriptions) << env_.BridgeLog();
  // Still delivering.
  ASSERT_EQ(env_.SimPost("/sim/hoteling?guest=7003@example.com&host=7010@example.com"), 200);
  EXPECT_TRUE(XspEnv::WaitFor([&] { return env_.GetByGuest("7003").ok(); }, kWait));
}

TEST_F(XspE2E, RestartResumesWithoutDuplicateSequences) {
  StartEnv();
  std::string c1 = env_.Establish("7002", "7003").cursor();
  ASSERT_TRUE(WaitSequenceState(c1, "done"));
  ASSERT_EQ(env_.StopBridge(SIGTERM), 0);
  int64_t since = env_.LastSeq();
  // Changes while the bridge is down.
  env_.Cancel("7002");
  env_.Establish("7005", "7004");
  ASSERT_TRUE(env_.StartBridge()) << env_.BridgeLog();
  std::vector<Request> want = ExpectedCancel("7002", "7003");
  for (const Request& r : ExpectedEstablish("7005", "7004", 0, false)) want.push_back(r);
  EXPECT_EQ(WaitActions(since, want.size()), want);
  absl::SleepFor(absl::Seconds(1));
  EXPECT_EQ(Sent(since).size(), want.size());  // the first establish was not replayed
  // Restart again with nothing new: nothing is sent.
  ASSERT_EQ(env_.StopBridge(SIGTERM), 0);
  since = env_.LastSeq();
  ASSERT_TRUE(env_.StartBridge());
  absl::SleepFor(absl::Seconds(1));
  EXPECT_TRUE(Sent(since).empty()) << ::testing::PrintToString(env_.Actions(since));
  // The graceful stop removed the channel and subscriptions from the platform.
  int deletes = 0;
  for (const Request& r : env_.AllRequests(0)) deletes += r.method == "DELETE";
  EXPECT_EQ(deletes, 2 * (env_.expected_subscriptions + 1));
}

TEST_F(XspE2E, HalfDoneSequenceResumesAfterCrash) {
  StartEnv();
  // Step 3 hangs; the bridge is killed meanwhile (SIGKILL: no chance to clean up).
  ASSERT_EQ(env_.SimPost("/sim/faults?method=PUT&path=HotelingGuest&delay_ms=1500&count=1"), 200);
  int64_t since = env_.LastSeq();
  std::string cursor = env_.Establish("7002", "7003").cursor();
  ASSERT_TRUE(XspEnv::WaitFor(
      [&] {
        for (const Request& r : env_.AllRequests(since)) {
          if (r.path == ActionsPath("7003", "HotelingGuest")) return true;
        }
        return false;
      },
      kWait));
  absl::SleepFor(absl::Milliseconds(200));
  env_.StopBridge(SIGKILL);
  ASSERT_TRUE(env_.StartBridge()) << env_.BridgeLog();
  ASSERT_TRUE(WaitSequenceState(cursor, "done")) << env_.BridgeLog();
  std::vector<Request> got = Sent(since);
  std::vector<Request> base = ExpectedEstablish("7002", "7003", 0, false);
  // Steps 1-2 once; step 3 (idempotent PUT) again; step 4 once.
  std::vector<Request> want = {base[0], base[1], base[2], base[2], base[3]};
  EXPECT_EQ(got, want);
  EXPECT_TRUE(absl::StrContains(env_.BridgeLog(), "sequence resumed"));
}

TEST_F(XspE2E, MalformedXmlFromTheXspIsRejected) {
  StartEnv();
  // Broken XML with a readable eventID, and a well-formed event whose prefix is bound to a
  // foreign namespace (so it is not an Xsi event).
  std::string broken =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<xsi:Event xsi1:type=\"xsi:SubscriptionEvent\" "
      "xmlns:xsi=\"http://schema.broadsoft.com/xsi\" "
      "xmlns:xsi1=\"http://www.w3.org/2001/XMLSchema-instance\"><xsi:eventID>bad-1</xsi:eventID>"
      "<xsi:targetId>7003@example.com</xsi:targetId><xsi:eventData "
      "xsi1:type=\"xsi:HotelingGuestEvent\"><xsi:info><xsi:hostUserId>7002@example.com"
      "</xsi:info></xsi:eventData></xsi:Event>";
  std::string foreign =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<xsi:Event xsi1:type=\"xsi:SubscriptionEvent\" "
      "xmlns:xsi=\"http://example.com/other\" "
      "xmlns:xsi1=\"http://www.w3.org/2001/XMLSchema-instance\"><xsi:eventID>bad-2</xsi:eventID>"
      "<xsi:targetId>7003@example.com</xsi:targetId><xsi:eventData "
      "xsi1:type=\"xsi:HotelingGuestEvent\"><xsi:info><xsi:hostUserId>7002@example.com"
      "</xsi:hostUserId></xsi:info></xsi:eventData></xsi:Event>";
  int64_t since = env_.LastSeq();
  ASSERT_EQ(env_.SimPost("/sim/raw_event", broken), 200);
  ASSERT_EQ(env_.SimPost("/sim/raw_event", foreign), 200);
  ASSERT_TRUE(XspEnv::WaitFor(
      [&] { return env_.Metric("hotdesk_xsp_events_received_total{type=\"malformed\"}") == 2; },
      kWait))
      << env_.BridgeLog();
  EXPECT_TRUE(absl::StrContains(env_.BridgeLog(), "rejected malformed document"));
  // Both were answered with a non-200 event response.
  ASSERT_TRUE(XspEnv::WaitFor(
      [&] {
        int n = 0;
        for (const Request& r : env_.AllRequests(since)) {
          n += absl::StrContains(r.path, "/channel/eventresponse") &&
               absl::StrContains(r.body, "<statusCode>400</statusCode>");
        }
        return n == 2;
      },
      kWait));
  // No state change in hotdesk, nothing sent to the platform, channel still up.
  EXPECT_FALSE(env_.GetByGuest("7003").ok());
  EXPECT_EQ(env_.Events(env_.seed_cursor).size(), 0u);
  EXPECT_TRUE(Sent(since).empty());
  EXPECT_TRUE(env_.Status()["channel"]["up"].b);
  // A good event right after still works.
  ASSERT_EQ(env_.SimPost("/sim/hoteling?guest=7003@example.com&host=7009@example.com"), 200);
  EXPECT_TRUE(XspEnv::WaitFor([&] { return env_.GetByGuest("7003").ok(); }, kWait));
}

// issue 10: G moves H1 -> H2; the bridge dies after H1's PUT and before recording it; on restart
// H1 is sent again. Its echo must not be taken for a platform change: hotdesk and BroadWorks end
// agreeing on G at H2.
TEST_F(XspE2E, BridgeKilledBetweenAPutAndItsRecordAgreesWithThePlatformAfterRestart) {
  StartEnv();
  // The PUT of 7003's HotelingGuest (host 7002) is carried out and its answer is late.
  ASSERT_EQ(env_.SimPost("/sim/faults?method=PUT&path=HotelingGuest&delay_ms=5000&after=1&count=1"),
            200);
  env_.Establish("7002", "7003");
  ASSERT_TRUE(XspEnv::WaitFor(
      [&] {
        return absl::StrContains(env_.SimGet("/sim/users/7003@example.com"),
                                 "\"hostUserId\":\"7002@example.com\"");
      },
      kWait));
  env_.StopBridge(SIGKILL);
  // While the bridge is down, 7003 moves to 7005.
  env_.Establish("7005", "7003");
  // After the restart the unfinished PUT is sent again; the platform holds it a moment, so that
  // the new event channel is open when the change is reported (to the subscriptions of both
  // bridge processes: the killed one could not delete its own).
  ASSERT_EQ(env_.SimPost("/sim/faults?method=PUT&path=HotelingGuest&delay_ms=2000&count=1"), 200);
  ASSERT_TRUE(env_.StartBridge()) << env_.BridgeLog();
  auto settled = [&] {
    absl::StatusOr<v1::Association> a = env_.GetByGuest("7003");
    return a.ok() && a->host() == "7005" &&
           absl::StrContains(env_.SimGet("/sim/users/7003@example.com"),
                             "\"hostUserId\":\"7005@example.com\"") &&
           env_.Status()["pending"].arr.empty() && env_.UnackedOnOpenChannels() == 0;
  };
  EXPECT_TRUE(XspEnv::WaitFor(settled, absl::Seconds(30)))
      << "hotdesk: " << (env_.GetByGuest("7003").ok() ? env_.GetByGuest("7003")->host() : "none")
      << "\nplatform: " << env_.SimGet("/sim/users/7003@example.com") << "\n"
      << env_.BridgeLog();
  // No change came back from the platform: every event was the bridge's own.
  for (const auto& ev : env_.Events(env_.seed_cursor)) {
    EXPECT_NE(ev.source(), v1::SOURCE_XSP) << ev.ShortDebugString();
  }
}

TEST_F(XspE2E, PlatformChangeIsAcknowledgedOnlyOnceApplied) {
  StartEnv({"--core_retry_budget=500ms"});
  env_.StopServer();
  ASSERT_EQ(env_.SimPost("/sim/hoteling?guest=7004@example.com&host=7005@example.com"), 200);
  // hotdesk is down: the change is not applied, so not acknowledged; it is tried again.
  ASSERT_TRUE(XspEnv::WaitFor(
      [&] { return absl::StrContains(env_.BridgeLog(), "not acknowledged, trying again"); },
      kWait));
  EXPECT_EQ(env_.UnackedOnOpenChannels(), 1) << env_.SimGet("/sim/channels");
  ASSERT_TRUE(env_.RestartServer());
  absl::StatusOr<v1::Association> a;
  ASSERT_TRUE(XspEnv::WaitFor([&] { return (a = env_.GetByGuest("7004")).ok(); }, kWait))
      << env_.BridgeLog();
  EXPECT_EQ(a->host(), "7005");
  EXPECT_EQ(a->source(), v1::SOURCE_XSP);
  EXPECT_TRUE(XspEnv::WaitFor([&] { return env_.UnackedOnOpenChannels() == 0; }, kWait))
      << env_.SimGet("/sim/channels");
  // Applied once, with the event's request id.
  std::vector<v1::AssociationEvent> evs = env_.Events(env_.seed_cursor);
  ASSERT_EQ(evs.size(), 1u);
  EXPECT_TRUE(absl::StartsWith(evs[0].request_id(), "xsp-")) << evs[0].request_id();
}

TEST_F(XspE2E, TrimmedCursorIsResyncedByTheDifferences) {
  env_.server_flags = {"--stream_retention=10"};
  StartEnv();
  env_.redis.Cmd({"CONFIG", "SET", "stream-node-max-entries", "5"});
  std::string c1 = env_.Establish("7002", "7003").cursor();
  ASSERT_TRUE(WaitSequenceState(c1, "done"));
  ASSERT_EQ(env_.StopBridge(SIGTERM), 0);
  // A fresh server (one that kept the tenant's events in memory would hand them all over), and
  // while the bridge is away: 7003 leaves 7002, 7004 sits at 7005, and enough churn that the
  // stream no longer reaches back to the bridge's cursor.
  ASSERT_TRUE(env_.RestartServer());
  env_.stub = v1::Associations::NewStub(env_.server.Channel());
  env_.Cancel("7002");
  env_.Establish("7005", "7004");
  for (int i = 0; i < 60; ++i) {
    env_.Establish("7010", "7011");
    env_.Cancel("7010");
  }
  int64_t since = env_.LastSeq();
  ASSERT_TRUE(env_.StartBridge()) << env_.BridgeLog();
  // Only the differences are applied: the cancel and the establish, not 120 churned sequences.
  std::vector<Request> want = ExpectedCancel("7002", "7003");
  for (const Request& r : ExpectedEstablish("7005", "7004", 0, false)) want.push_back(r);
  EXPECT_EQ(WaitActions(since, want.size()), want);
  ASSERT_TRUE(XspEnv::WaitFor([&] { return env_.Status()["pending"].arr.empty(); }, kWait));
  EXPECT_EQ(Sent(since).size(), want.size());
  EXPECT_EQ(env_.Metric("hotdesk_xsp_watch_resyncs_total"), 1);
  EXPECT_TRUE(absl::StrContains(env_.SimGet("/sim/users/7003@example.com"), "\"hostUserId\":null"));
  EXPECT_TRUE(absl::StrContains(env_.SimGet("/sim/users/7004@example.com"),
                                "\"hostUserId\":\"7005@example.com\""));
}

}  // namespace
}  // namespace hotdesk::xsp::testing
