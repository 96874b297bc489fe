// hotdesk-server end to end: real redis-server, real server processes, real gRPC channels. The
// contract's tests run on each Redis deployment hotdesk supports (one server; a primary and a
// replica under three sentinels; a 3-primary cluster with replicas); those that fault Redis
// itself (kill, stop, restart) run on the single server, where the fault is one process.
#include <csignal>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "google/rpc/error_details.pb.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "services/common/status.h"
#include "tests/e2e/grpc_helpers.h"
#include "tests/support/processes.h"
#include "tests/support/redis_topologies.h"

namespace hotdesk::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kTenant[] = "acme";

class ServerE2E : public ::testing::TestWithParam<std::string> {
 protected:
  ServerE2E() : redis_(GetParam()) {}

  void SetUp() override {
    ASSERT_TRUE(redis_.Start()) << "could not start Redis (" << GetParam() << ")";
    ASSERT_TRUE(StartServer(server_, {"--min_association_limit=1s", "--sweep_interval=100ms"}))
        << server_.process().Stderr();
    channel_ = server_.Channel();
    stub_ = v1::Associations::NewStub(channel_);
  }

  // A hotdesk-server on this test's Redis (the mode's flags override the placeholder address).
  bool StartServer(HotdeskServerProcess& server, std::vector<std::string> flags = {}) {
    for (const auto& f : redis_.ServerFlags()) flags.push_back(f);
    return server.Start("127.0.0.1:1", flags);
  }

  // Every key on every primary (a cluster spreads tenants over three).
  std::string AllKeys() {
    if (redis_.cluster() == nullptr) return redis_.Cmd({"KEYS", "*"});
    std::string all;
    for (size_t i = 0; i < redis_.cluster()->size(); ++i) {
      RedisServer& node = redis_.cluster()->node(i);
      if (node.Cmd({"ROLE"}).rfind("master", 0) == 0) all += node.Cmd({"KEYS", "*"});
    }
    return all;
  }

  std::unique_ptr<Watcher> Watch(const std::string& after = "", bool snapshot = false,
                                 const std::string& host = "") {
    v1::WatchEventsRequest req;
    req.set_tenant(kTenant);
    req.set_after_cursor(after);
    req.set_include_snapshot(snapshot);
    req.set_host(host);
    return std::make_unique<Watcher>(channel_, req);
  }
  // A watcher from "now" is live once it has seen a marker change; returns it with the marker
  // events consumed (count returned through `seen`).
  std::unique_ptr<Watcher> LiveWatch(size_t* seen) {
    auto w = Watch();
    std::string last_marker;
    for (int i = 0; i < 50; ++i) {
      last_marker = "m" + std::to_string(i);
      EXPECT_TRUE(Establish(stub_.get(), Login(kTenant, "marker", last_marker)).ok());
      if (w->WaitFor(1, absl::Milliseconds(200))) break;
    }
    // The watch may have started between two marker logins: wait for the last login's event,
    // so that no marker event arrives after `seen`.
    while (true) {
      auto events = w->events();
      if (!events.empty() && events.back().association().guest() == last_marker &&
          events.back().type() == v1::EVENT_TYPE_ESTABLISHED)
        break;
      if (!w->WaitFor(events.size() + 1)) {
        ADD_FAILURE() << "the watch never saw the marker logins";
        break;
      }
    }
    *seen = w->events().size();
    return w;
  }

  RedisDeployment redis_;
  HotdeskServerProcess server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Associations::Stub> stub_;
};
INSTANTIATE_TEST_SUITE_P(Redis, ServerE2E, ::testing::Values("redis", "sentinel", "cluster"),
                         [](const auto& info) { return info.param; });

// Faults of Redis itself, and tests that need a Redis of their own: the single server.
class ServerE2ESingle : public ServerE2E {
 protected:
  RedisServer& single() { return *redis_.single(); }
};
INSTANTIATE_TEST_SUITE_P(Redis, ServerE2ESingle, ::testing::Values("redis"),
                         [](const auto& info) { return info.param; });

std::vector<std::string> Summaries(const std::vector<v1::AssociationEvent>& events, size_t from) {
  std::vector<std::string> out;
  for (size_t i = from; i < events.size(); ++i)
    if (events[i].association().host() != "marker") out.push_back(Summary(events[i]));
  return out;
}

TEST_P(ServerE2E, RoamingGuestOldHostCancelledSupersededThenEstablished) {
  size_t seen;
  auto w = LiveWatch(&seen);
  ASSERT_TRUE(Establish(stub_.get(), Login(kTenant, "7002", "7003")).ok());
  v1::EstablishResponse resp;
  ASSERT_TRUE(Establish(stub_.get(), Login(kTenant, "7004", "7003"), &resp).ok());
  ASSERT_EQ(resp.superseded_size(), 1);
  EXPECT_EQ(resp.superseded(0).host(), "7002");
  ASSERT_TRUE(w->WaitFor(seen + 3));
  EXPECT_THAT(Summaries(w->events(), seen),
              ElementsAre("E 7002 7003", "C 7002 7003 SUPERSEDED", "E 7004 7003"));
  // State in Redis: one association, both indexes agree.
  EXPECT_EQ(redis_.Cmd({"HGET", "hotdesk:{acme}:by-guest", "7003"}), "7004");
  EXPECT_EQ(redis_.Cmd({"HEXISTS", "hotdesk:{acme}:by-host", "7002"}), "0");
}

TEST_P(ServerE2E, HostReplacementCancelsPresentGuest) {
  size_t seen;
  auto w = LiveWatch(&seen);
  ASSERT_TRUE(Establish(stub_.get(), Login(kTenant, "7002", "7003")).ok());
  ASSERT_TRUE(Establish(stub_.get(), Login(kTenant, "7002", "7005")).ok());
  ASSERT_TRUE(w->WaitFor(seen + 3));
  EXPECT_THAT(Summaries(w->events(), seen),
              ElementsAre("E 7002 7003", "C 7002 7003 SUPERSEDED", "E 7002 7005"));
  EXPECT_EQ(redis_.Cmd({"HEXISTS", "hotdesk:{acme}:by-guest", "7003"}), "0");
}

TEST_P(ServerE2E, RejectPoliciesReturnFailedPreconditionWithConflict) {
  ASSERT_TRUE(Establish(stub_.get(), Login(kTenant, "7002", "7003")).ok());
  std::string before = redis_.Cmd({"XLEN", "hotdesk:{acme}:ev"});
  auto req = Login(kTenant, "7002", "7005");
  req.set_on_host_busy(v1::HOST_BUSY_POLICY_REJECT);
  grpc::Status st = Establish(stub_.get(), req);
  ASSERT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  absl::Status s = FromGrpcStatus(st);
  EXPECT_EQ(ErrorReason(s), "HOST_BUSY");
  v1::Association present;
  ASSERT_TRUE(GetDetail(s, &present));
  EXPECT_EQ(present.guest(), "7003");
  google::rpc::PreconditionFailure pf;
  ASSERT_TRUE(GetDetail(s, &pf));
  EXPECT_EQ(pf.violations(0).subject(), "tenants/acme/hosts/7002");

  req = Login(kTenant, "7010", "7003");
  req.set_on_guest_elsewhere(v1::GUEST_ELSEWHERE_POLICY_REJECT);
  st = Establish(stub_.get(), req);
  ASSERT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(ErrorReason(FromGrpcStatus(st)), "GUEST_ELSEWHERE");
  EXPECT_EQ(redis_.Cmd({"XLEN", "hotdesk:{acme}:ev"}), before);
  EXPECT_EQ(redis_.Cmd({"HGET", "hotdesk:{acme}:by-guest", "7003"}), "7002");
}

TEST_P(ServerE2E, IdempotentRetryYieldsOneEvent) {
  size_t seen;
  auto w = LiveWatch(&seen);
  auto req = Login(kTenant, "7002", "7003");
  req.set_request_id("6f1c2a9e-retry");
  v1::EstablishResponse first, second;
  ASSERT_TRUE(Establish(stub_.get(), req, &first).ok());
  ASSERT_TRUE(Establish(stub_.get(), req, &second).ok());
  EXPECT_EQ(first.cursor(), second.cursor());
  ASSERT_TRUE(Establish(stub_.get(), Login(kTenant, "7099", "7098")).ok());
  ASSERT_TRUE(w->WaitFor(seen + 2));
  EXPECT_THAT(Summaries(w->events(), seen), ElementsAre("E 7002 7003", "E 7099 7098"));
  EXPECT_EQ(w->events()[seen].request_id(), "6f1c2a9e-retry");
}

TEST_P(ServerE2E, ExpiryFiresOnceWithTwoReplicasSweeping) {
  HotdeskServerProcess second;
  ASSERT_TRUE(StartServer(second, {"--min_association_limit=1s", "--sweep_interval=50ms"}));
  auto w = std::make_unique<Watcher>(second.Channel(), [] {
    v1::WatchEventsRequest r;
    r.set_tenant(kTenant);
    r.set_after_cursor("0-0");
    return r;
  }());
  auto req = Login(kTenant, "7002", "7003");
  req.mutable_limit()->mutable_duration()->set_seconds(1);
  v1::EstablishResponse resp;
  ASSERT_TRUE(Establish(stub_.get(), req, &resp).ok());
  ASSERT_TRUE(resp.association().has_expire_time());
  ASSERT_TRUE(w->WaitFor(2, absl::Seconds(10)));
  absl::SleepFor(absl::Milliseconds(800));  // both replicas keep sweeping meanwhile
  auto events = w->events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].type(), v1::EVENT_TYPE_CANCELLED);
  EXPECT_EQ(events[1].reason(), v1::CANCEL_REASON_EXPIRED);
  EXPECT_EQ(events[1].source(), v1::SOURCE_EXPIRY);
  EXPECT_EQ(redis_.Cmd({"XLEN", "hotdesk:{acme}:ev"}), "2");
  EXPECT_EQ(redis_.Cmd({"ZCARD", "hotdesk:{acme}:exp"}), "0");
  grpc::ClientContext ctx;
  v1::GetAssociationRequest get;
  get.set_tenant(kTenant);
  get.set_host("7002");
  v1::Association a;
  EXPECT_EQ(stub_->GetAssociation(&ctx, get, &a).error_code(), grpc::StatusCode::NOT_FOUND);
}

// A daily logout is an instant of Redis time, not of the replica's clock: a replica running 20 h
// ahead must still log out today at the time Redis's clock reaches next, not tomorrow.
TEST_P(ServerE2E, DailyLogoutFollowsRedisTimeNotTheReplicaClock) {
  HotdeskServerProcess skewed;
  ASSERT_TRUE(StartServer(skewed, {"--testonly_clock_offset=20h"}))
      << skewed.process().Stderr();
  auto stub = v1::Associations::NewStub(skewed.Channel());
  std::string t = redis_.Cmd({"TIME"});  // "<seconds> <microseconds>"
  int64_t redis_s = 0;
  ASSERT_TRUE(absl::SimpleAtoi(t.substr(0, t.find_first_not_of("0123456789")), &redis_s)) << t;
  // Two hours from Redis's now, to the minute, in UTC.
  absl::Time redis_now = absl::FromUnixSeconds(redis_s);
  absl::CivilMinute at = absl::ToCivilMinute(redis_now + absl::Hours(2), absl::UTCTimeZone());
  auto req = Login(kTenant, "7002", "7003");
  auto* daily = req.mutable_limit()->mutable_daily();
  daily->set_time_zone("UTC");
  daily->set_hour(at.hour());
  daily->set_minute(at.minute());
  v1::EstablishResponse resp;
  ASSERT_TRUE(Establish(stub.get(), req, &resp).ok());
  EXPECT_EQ(absl::FromUnixSeconds(resp.association().expire_time().seconds()),
            absl::FromCivil(at, absl::UTCTimeZone()));
}

TEST_P(ServerE2E, WatchResumesFromCursorWithoutMissOrDuplicate) {
  std::vector<std::string> cursors;
  for (int i = 0; i < 5; ++i) {
    v1::EstablishResponse r;
    ASSERT_TRUE(Establish(stub_.get(), Login(kTenant, "h" + std::to_string(i), "g"), &r).ok());
    cursors.push_back(r.cursor());
  }
  auto w = Watch("0-0");
  ASSERT_TRUE(w->WaitFor(9));  // 5 establishes, 4 supersedes (g roams)
  std::string last = w->events()[8].cursor();
  w->Cancel();
  w.reset();
  // Changes while nobody watches.
  for (int i = 5; i < 12; ++i)
    ASSERT_TRUE(
        Establish(stub_.get(), Login(kTenant, "h" + std::to_string(i), "x" + std::to_string(i)))
            .ok());
  auto resumed = Watch(last);
  ASSERT_TRUE(resumed->WaitFor(7));
  ASSERT_TRUE(Establish(stub_.get(), Login(kTenant, "live", "y")).ok());
  ASSERT_TRUE(resumed->WaitFor(8));
  absl::SleepFor(absl::Milliseconds(200));
  auto events = resumed->events();
  ASSERT_EQ(events.size(), 8u);
  for (int i = 0; i < 7; ++i)
    EXPECT_EQ(events[i].association().host(), "h" + std::to_string(i + 5));
  EXPECT_EQ(events[7].association().host(), "live");
  for (size_t i = 1; i < events.size(); ++i) EXPECT_LT(events[i - 1].cursor(), events[i].cursor());
}

TEST_P(ServerE2E, TrimmedCursorIsOutOfRange) {
  HotdeskServerProcess small;
  ASSERT_TRUE(StartServer(small, {"--stream_retention=10", "--key_prefix=small"}));
  auto stub = v1::Associations::NewStub(small.Channel());
  std::string first;
  for (int i = 0; i < 400; ++i) {
    v1::EstablishResponse r;
    ASSERT_TRUE(Establish(stub.get(),
                          Login(kTenant, "h" + std::to_string(i % 5), "g" + std::to_string(i)), &r)
                    .ok());
    if (i == 0) first = r.cursor();
  }
  v1::WatchEventsRequest req;
  req.set_tenant(kTenant);
  req.set_after_cursor(first);
  Watcher w(small.Channel(), req);
  grpc::Status st = w.WaitDone();
  EXPECT_EQ(st.error_code(), grpc::StatusCode::OUT_OF_RANGE);
  EXPECT_THAT(st.error_message(), HasSubstr("resync"));
  EXPECT_TRUE(w.events().empty());
}

TEST_P(ServerE2E, InvalidInputIsRejectedWithFieldViolationsAndChangesNothing) {
  v1::EstablishRequest req;
  req.set_tenant("Acme Corp");
  req.set_host("70 02");
  req.set_guest(std::string(129, 'g'));
  grpc::Status st = Establish(stub_.get(), req);
  ASSERT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  google::rpc::BadRequest bad;
  ASSERT_TRUE(GetDetail(FromGrpcStatus(st), &bad));
  std::vector<std::string> fields;
  for (const auto& v : bad.field_violations()) fields.push_back(v.field());
  EXPECT_THAT(fields, ::testing::UnorderedElementsAre("tenant", "host", "guest"));
  // A valid tenant with a bad id: nothing written for that tenant either.
  req.set_tenant(kTenant);
  EXPECT_EQ(Establish(stub_.get(), req).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(AllKeys(), "");

  v1::WatchEventsRequest watch;
  watch.set_tenant(kTenant);
  watch.set_after_cursor("yesterday");
  Watcher w(channel_, watch);
  EXPECT_EQ(w.WaitDone().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_P(ServerE2ESingle, RedisKilledGivesUnavailableThenRecoversWithoutRestart) {
  ASSERT_TRUE(Establish(stub_.get(), Login(kTenant, "7002", "7003")).ok());
  EXPECT_EQ(HealthStatus(channel_), 1);
  single().Kill();
  absl::Time start = absl::Now();
  grpc::Status st =
      Establish(stub_.get(), Login(kTenant, "7004", "7005"), nullptr, absl::Seconds(2));
  EXPECT_TRUE(st.error_code() == grpc::StatusCode::UNAVAILABLE ||
              st.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED)
      << st.error_code() << " " << st.error_message();
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(2500));
  // Once the loss is detected, calls fail fast with UNAVAILABLE and health is NOT_SERVING.
  for (int i = 0; i < 50 && HealthStatus(channel_) != 2; ++i)
    absl::SleepFor(absl::Milliseconds(100));
  EXPECT_EQ(HealthStatus(channel_), 2);
  EXPECT_EQ(HealthStatus(channel_, "hotdesk.v1.Associations"), 2);
  EXPECT_EQ(Establish(stub_.get(), Login(kTenant, "7004", "7005")).error_code(),
            grpc::StatusCode::UNAVAILABLE);

  ASSERT_TRUE(single().Restart());
  for (int i = 0; i < 100 && HealthStatus(channel_) != 1; ++i)
    absl::SleepFor(absl::Milliseconds(100));
  EXPECT_EQ(HealthStatus(channel_), 1);
  EXPECT_TRUE(Establish(stub_.get(), Login(kTenant, "7004", "7005")).ok());
  EXPECT_EQ(redis_.Cmd({"HGET", "hotdesk:{acme}:by-guest", "7005"}), "7004");
}

TEST_P(ServerE2ESingle, SlowRedisGivesDeadlineExceededWithinTheDeadline) {
  ASSERT_TRUE(Establish(stub_.get(), Login(kTenant, "7002", "7003")).ok());
  single().Pause();
  absl::Time start = absl::Now();
  grpc::Status st =
      Establish(stub_.get(), Login(kTenant, "7004", "7005"), nullptr, absl::Milliseconds(500));
  absl::Duration took = absl::Now() - start;
  single().Resume();
  EXPECT_EQ(st.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED) << st.error_message();
  EXPECT_LT(took, absl::Milliseconds(900));
  // Serves again once Redis answers (the stalled connection may be replaced first).
  bool ok = false;
  for (int i = 0; i < 50 && !ok; ++i) {
    ok = Establish(stub_.get(), Login(kTenant, "7006", "7007")).ok();
    if (!ok) absl::SleepFor(absl::Milliseconds(100));
  }
  EXPECT_TRUE(ok);
}

TEST_P(ServerE2E, SnapshotThenLiveWithHostFilter) {
  ASSERT_TRUE(Establish(stub_.get(), Login(kTenant, "7002", "7003")).ok());
  ASSERT_TRUE(Establish(stub_.get(), Login(kTenant, "7004", "7005")).ok());
  auto all = Watch("", true);
  auto only = Watch("", true, "7004");
  ASSERT_TRUE(all->WaitFor(3));
  ASSERT_TRUE(only->WaitFor(2));
  auto ev = all->events();
  EXPECT_TRUE(ev[0].snapshot());
  EXPECT_EQ(ev[2].type(), v1::EVENT_TYPE_SNAPSHOT_COMPLETE);
  auto filtered = only->events();
  EXPECT_EQ(filtered[0].association().host(), "7004");
  EXPECT_EQ(filtered[1].type(), v1::EVENT_TYPE_SNAPSHOT_COMPLETE);
  ASSERT_TRUE(CancelHost(stub_.get(), kTenant, "7002").ok());
  ASSERT_TRUE(CancelHost(stub_.get(), kTenant, "7004").ok());
  ASSERT_TRUE(all->WaitFor(5));
  ASSERT_TRUE(only->WaitFor(3));
  absl::SleepFor(absl::Milliseconds(200));
  EXPECT_EQ(only->events().size(), 3u);
  EXPECT_EQ(only->events()[2].association().host(), "7004");
}

TEST_P(ServerE2ESingle, StalledWatcherBlocksNobodyAndCatchesUpLater) {
  // A watcher that does not read: gRPC flow control stops writes to it, and it falls behind the
  // in-memory ring (64 events here). Everyone else keeps receiving; when it reads again it gets
  // every event, in order, through catch-up reads from Redis.
  int metrics_port = FreePort();
  HotdeskServerProcess small_ring;
  ASSERT_TRUE(StartServer(
      small_ring,
      {"--watch_ring_size=64", "--metrics_listen=127.0.0.1:" + std::to_string(metrics_port)}));
  auto channel = small_ring.Channel();
  // The stalled watcher's own connection has a 4 KiB window that never grows (no BDP probes):
  // one event fills it, so the server's writes to it stop at once however fast the machine.
  grpc::ChannelArguments small_window;
  small_window.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  small_window.SetInt(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES, 4096);
  auto stalled_channel = grpc::CreateCustomChannel(
      small_ring.addr(), grpc::InsecureChannelCredentials(), small_window);
  struct Stalled {
    grpc::ClientContext ctx;
    std::unique_ptr<grpc::ClientReader<v1::AssociationEvent>> reader;
  } stalled;
  v1::WatchEventsRequest req;
  req.set_tenant(kTenant);
  req.set_after_cursor("0-0");
  auto stub = v1::Associations::NewStub(channel);
  stalled.reader = v1::Associations::NewStub(stalled_channel)->WatchEvents(&stalled.ctx, req);
  Watcher fast(channel, req);
  // Several times the ring: the stalled watcher must come back through Redis.
  const int kEvents = 400;
  auto big = Login(kTenant, "h", "g");
  // ~4 KiB per event.
  for (int a = 0; a < 16; ++a)
    (*big.mutable_attributes())["pad" + std::to_string(a)] = std::string(250, 'p');
  for (int i = 0; i < kEvents; ++i) {
    big.set_host("h" + std::to_string(i));
    big.set_guest("g" + std::to_string(i));
    ASSERT_TRUE(Establish(stub.get(), big).ok());
  }
  ASSERT_TRUE(fast.WaitFor(kEvents, absl::Seconds(30)));
  v1::AssociationEvent ev;
  std::string prev;
  for (int i = 0; i < kEvents; ++i) {
    ASSERT_TRUE(stalled.reader->Read(&ev)) << i;
    EXPECT_EQ(ev.association().host(), "h" + std::to_string(i));
    EXPECT_LT(prev, ev.cursor());
    prev = ev.cursor();
  }
  stalled.ctx.TryCancel();
  std::string metrics = HttpGet(metrics_port, "/metrics");
  EXPECT_GT(MetricValue(metrics, "hotdesk_watch_catchup_reads_total"), 0)
      << "the stalled watcher never read Redis";
}

TEST_P(ServerE2E, MetricsCountCallsByMethodAndCode) {
  int port = FreePort();
  HotdeskServerProcess metered;
  ASSERT_TRUE(StartServer(metered, {"--metrics_listen=127.0.0.1:" + std::to_string(port)}));
  auto stub = v1::Associations::NewStub(metered.Channel());
  ASSERT_TRUE(Establish(stub.get(), Login(kTenant, "7002", "7003")).ok());
  ASSERT_EQ(Establish(stub.get(), Login(kTenant, "bad host", "x")).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  std::string body = HttpGet(port, "/metrics");
  EXPECT_THAT(body,
              HasSubstr("grpc_server_handled_total{grpc_code=\"OK\",grpc_method=\"Establish\","
                        "grpc_service=\"hotdesk.v1.Associations\",grpc_type=\"unary\"} 1"));
  EXPECT_THAT(body, HasSubstr("grpc_code=\"InvalidArgument\",grpc_method=\"Establish\","
                              "grpc_service=\"hotdesk.v1.Associations\",grpc_type=\"unary\"} 1"));
  EXPECT_THAT(body, HasSubstr("hotdesk_events_published_total{type=\"established\"} 1"));
  EXPECT_THAT(body, HasSubstr("hotdesk_redis_up 1"));
  EXPECT_THAT(body, HasSubstr("grpc_server_handling_seconds_bucket"));
  EXPECT_THAT(body, ::testing::Not(HasSubstr("7002")));  // no ids as labels
}

// Every committed change is logged and counted once, whoever made it: here the sweeper's expiry
// (it used to count only hotdesk_associations_expired_total, not the CANCELLED event it writes).
TEST_P(ServerE2ESingle, EveryChangeIsLoggedAndCountedWhoeverMadeIt) {
  // Its own Redis: the fixture's replica would otherwise sweep (and count) half of the expiries.
  RedisServer own_redis;
  ASSERT_TRUE(own_redis.Start());
  int port = FreePort();
  HotdeskServerProcess metered;
  ASSERT_TRUE(metered.Start(own_redis.addr(),
                            {"--metrics_listen=127.0.0.1:" + std::to_string(port),
                             "--min_association_limit=1s", "--sweep_interval=100ms"}));
  auto stub = v1::Associations::NewStub(metered.Channel());
  auto req = Login(kTenant, "7002", "7003");
  req.mutable_limit()->mutable_duration()->set_seconds(1);
  ASSERT_TRUE(Establish(stub.get(), req).ok());
  ASSERT_TRUE(Establish(stub.get(), Login(kTenant, "7002", "7004")).ok());  // supersedes 7003
  req = Login(kTenant, "7005", "7006");
  req.mutable_limit()->mutable_duration()->set_seconds(1);
  ASSERT_TRUE(Establish(stub.get(), req).ok());
  absl::Time end = absl::Now() + absl::Seconds(10);
  while (metered.process().Stderr().find("association expired") == std::string::npos &&
         absl::Now() < end)
    absl::SleepFor(absl::Milliseconds(20));
  std::string body = HttpGet(port, "/metrics");
  EXPECT_THAT(body, HasSubstr("hotdesk_events_published_total{type=\"established\"} 3"));
  EXPECT_THAT(body, HasSubstr("hotdesk_events_published_total{type=\"cancelled\"} 2"));
  EXPECT_THAT(body, HasSubstr("hotdesk_associations_expired_total 1"));
  std::string log = metered.process().Stderr();
  EXPECT_THAT(log, HasSubstr("reason=SUPERSEDED"));
  EXPECT_THAT(log, HasSubstr("reason=EXPIRED"));
}

TEST_P(ServerE2ESingle, ReflectionIsOffByDefault) {
  namespace refl = grpc::reflection::v1alpha;
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  auto stream = refl::ServerReflection::NewStub(channel_)->ServerReflectionInfo(&ctx);
  refl::ServerReflectionRequest req;
  req.set_list_services("");
  stream->Write(req);
  stream->WritesDone();
  refl::ServerReflectionResponse resp;
  EXPECT_FALSE(stream->Read(&resp));
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::UNIMPLEMENTED);
}

TEST_P(ServerE2E, ReflectionAndHealthNameEveryService) {
  namespace refl = grpc::reflection::v1alpha;
  HotdeskServerProcess reflective;
  ASSERT_TRUE(StartServer(reflective, {"--enable_reflection"}))
      << reflective.process().Stderr();
  auto channel = reflective.Channel();
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  auto stream = refl::ServerReflection::NewStub(channel)->ServerReflectionInfo(&ctx);
  refl::ServerReflectionRequest req;
  req.set_list_services("");
  ASSERT_TRUE(stream->Write(req));
  stream->WritesDone();
  refl::ServerReflectionResponse resp;
  ASSERT_TRUE(stream->Read(&resp));
  std::vector<std::string> names;
  for (const auto& s : resp.list_services_response().service()) names.push_back(s.name());
  EXPECT_THAT(names, ::testing::IsSupersetOf({"hotdesk.v1.Associations", "hotdesk.v1.Devices",
                                              "hotdesk.v1.Guests", "hotdesk.v1.Session",
                                              "grpc.health.v1.Health"}));
  EXPECT_TRUE(stream->Finish().ok());
  for (const char* service : {"hotdesk.v1.Associations", "hotdesk.v1.Devices", "hotdesk.v1.Guests",
                              "hotdesk.v1.Session"})
    EXPECT_EQ(HealthStatus(channel, service), 1) << service;
}

TEST_P(ServerE2E, SigtermDrainsAndExitsCleanly) {
  auto w = Watch();
  ASSERT_TRUE(Establish(stub_.get(), Login(kTenant, "7002", "7003")).ok());
  absl::Time start = absl::Now();
  int rc = server_.Stop(SIGTERM);
  EXPECT_EQ(rc, 0);
  EXPECT_LT(absl::Now() - start, absl::Seconds(25));
  EXPECT_THAT(server_.process().Stderr(), HasSubstr("shutting down"));
  EXPECT_NE(w->WaitDone().error_code(), grpc::StatusCode::OK);
}

}  // namespace
}  // namespace hotdesk::testing
