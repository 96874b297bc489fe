// WatchEvents end to end: real redis-server, real hotdesk-server processes, real gRPC channels,
// on each Redis deployment (one server, Sentinel, Cluster); a restart of Redis itself is tested
// on the single server.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <random>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "services/common/status.h"
#include "services/core/stream_id.h"
#include "tests/e2e/grpc_helpers.h"
#include "tests/support/processes.h"
#include "tests/support/redis_topologies.h"

namespace hotdesk::testing {
namespace {

using ::testing::HasSubstr;

constexpr char kTenant[] = "acme";

// "calls=N" of one command in Redis's INFO commandstats.
int64_t RedisCalls(RedisServer& redis, const std::string& command) {
  std::string info = redis.Cmd({"INFO", "commandstats"});
  std::string head = "cmdstat_" + command + ":calls=";
  size_t at = info.find(head);
  return at == std::string::npos ? 0 : std::atoll(info.c_str() + at + head.size());
}

class WatchE2E : public ::testing::TestWithParam<std::string> {
 protected:
  WatchE2E() : redis_(GetParam()) {}

  void StartServer(std::vector<std::string> flags = {}) {
    ASSERT_TRUE(redis_.Start()) << "could not start Redis (" << GetParam() << ")";
    metrics_port_ = FreePort();
    flags.push_back("--metrics_listen=127.0.0.1:" + std::to_string(metrics_port_));
    flags.push_back("--log_level=info");
    for (const auto& f : redis_.ServerFlags()) flags.push_back(f);
    ASSERT_TRUE(server_.Start("127.0.0.1:1", flags)) << server_.process().Stderr();
    channel_ = server_.Channel();
    stub_ = v1::Associations::NewStub(channel_);
  }
  double Metric(const std::string& name) {
    return MetricValue(HttpGet(metrics_port_, "/metrics"), name);
  }
  std::string Login(const std::string& host, const std::string& guest) {
    v1::EstablishResponse resp;
    EXPECT_TRUE(Establish(stub_.get(), testing::Login(kTenant, host, guest), &resp).ok());
    return resp.cursor();
  }
  std::unique_ptr<Watcher> Watch(const std::string& after, bool snapshot = false,
                                 absl::Duration pause = absl::ZeroDuration()) {
    v1::WatchEventsRequest req;
    req.set_tenant(kTenant);
    req.set_after_cursor(after);
    req.set_include_snapshot(snapshot);
    return std::make_unique<Watcher>(channel_, req, pause);
  }

  // The process that holds the test tenant's keys.
  RedisServer& TenantPrimary() { return redis_.PrimaryFor("hotdesk:{acme}:ev"); }

  RedisDeployment redis_;
  HotdeskServerProcess server_;
  int metrics_port_ = 0;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Associations::Stub> stub_;
};
INSTANTIATE_TEST_SUITE_P(Redis, WatchE2E, ::testing::Values("redis", "sentinel", "cluster"),
                         [](const auto& info) { return info.param; });

// Faults of Redis itself: the single server, where the fault is one process.
class WatchE2ESingle : public WatchE2E {};
INSTANTIATE_TEST_SUITE_P(Redis, WatchE2ESingle, ::testing::Values("redis"),
                         [](const auto& info) { return info.param; });

std::vector<std::string> Hosts(const std::vector<v1::AssociationEvent>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(e.association().host());
  return out;
}

TEST_P(WatchE2E, AnUndecodableEntryIsSkippedByLiveAndCatchUpWatchersWithoutSpinning) {
  StartServer();
  Login("h1", "g1");
  auto live = Watch("0-0");
  ASSERT_TRUE(live->WaitFor(1));  // caught up: following the live feed now
  // A foreign entry at the end of the tenant's stream, announced as the scripts announce theirs,
  // so that the live reader reads it as the last thing in the stream.
  int64_t reads_before = RedisCalls(TenantPrimary(), "evalsha") + RedisCalls(TenantPrimary(), "xread");
  std::string bad =
      redis_.Cmd({"XADD", "hotdesk:{acme}:ev", "*", "t", "E", "h", "hx", "a", "not a record"});
  redis_.Cmd({"SPUBLISH", "hotdesk:{acme}:ev", bad});
  ASSERT_TRUE(WaitUntil([&] { return Metric("hotdesk_events_undecodable_total") == 1; },
                        absl::Seconds(5)))
      << "the live reader never met the entry";
  absl::Time since = absl::Now();
  const int kMore = 20;
  for (int i = 2; i < 2 + kMore; ++i) {
    Login("h" + std::to_string(i), "g" + std::to_string(i));
    ASSERT_TRUE(live->WaitFor(i)) << "live watcher stopped at " << live->events().size();
  }
  std::vector<std::string> expected = {"h1"};
  for (int i = 2; i < 2 + kMore; ++i) expected.push_back("h" + std::to_string(i));
  EXPECT_EQ(Hosts(live->events()), expected);
  // Stream reads (scripts and XREAD) while that happened: one per login (the establish script)
  // and about one read per event, plus a few per second of waiting; a reader stuck on the bad
  // entry would read it again and again.
  int64_t reads = RedisCalls(TenantPrimary(), "evalsha") + RedisCalls(TenantPrimary(), "xread") - reads_before;
  int64_t allowed = 2 * kMore + 10 + 2 * absl::ToInt64Seconds(absl::Now() - since);
  EXPECT_LE(reads, allowed) << "the live reader spun on the undecodable entry";

  auto catchup = Watch("0-0");
  ASSERT_TRUE(catchup->WaitFor(1 + kMore)) << catchup->WaitDone().error_message();
  EXPECT_EQ(Hosts(catchup->events()), expected);
  EXPECT_LE(Metric("hotdesk_watch_catchup_reads_total"), 3);
  EXPECT_EQ(Metric("hotdesk_events_undecodable_total"), 1);  // read by both paths, counted once
  EXPECT_THAT(server_.process().Stderr(), HasSubstr("undecodable stream entry skipped"));
}

TEST_P(WatchE2E, LostHistoryEndsLiveWatchersWithOutOfRangeAndTheTenantIsFollowedAgain) {
  // What a failover that dropped acknowledged writes looks like to the reader: the stream no
  // longer has the entry it had reached. Every watcher of the tenant must resync, and new
  // watchers follow the new history.
  StartServer();
  Login("h1", "g1");
  auto a = Watch("0-0");
  auto b = Watch("0-0");
  ASSERT_TRUE(a->WaitFor(1));
  ASSERT_TRUE(b->WaitFor(1));
  redis_.Cmd({"DEL", "hotdesk:{acme}:ev"});
  // Wake the reader as a newer entry would.
  redis_.Cmd({"SPUBLISH", "hotdesk:{acme}:ev", "99999999999999-0"});
  for (auto* w : {a.get(), b.get()}) {
    grpc::Status st = w->WaitDone();
    EXPECT_EQ(st.error_code(), grpc::StatusCode::OUT_OF_RANGE) << st.error_message();
  }
  ASSERT_TRUE(WaitUntil([&] { return Metric("hotdesk_watchers") == 0; }, absl::Seconds(10)));
  auto c = Watch("");
  ASSERT_TRUE(WaitUntil([&] { return Metric("hotdesk_watchers") == 1; }, absl::Seconds(10)));
  // The new watch may start before or after this login commits; a second one is after it.
  Login("h2", "g2");
  Login("h3", "g3");
  ASSERT_TRUE(WaitUntil(
      [&] {
        auto events = c->events();
        return !events.empty() && events.back().association().host() == "h3";
      },
      absl::Seconds(10)))
      << "the tenant was not followed again after its history was lost";
}

TEST_P(WatchE2ESingle, RedisRestartedWithoutItsDataEndsWatchersAndRefusesTheirOldCursors) {
  // The real fault behind a lost history: Redis killed with no persistence (or a failover to a
  // replica that lacked the last writes) comes back without the stream the watchers were
  // following. Neither the live watcher nor a later resume may go on as if nothing was lost.
  StartServer();
  std::string old_cursor = Login("h1", "g1");
  auto live = Watch("0-0");
  ASSERT_TRUE(live->WaitFor(1));
  redis_.single()->Kill();
  ASSERT_TRUE(redis_.single()->Restart());
  // The server reconnects by itself; the first change after that lands on a stream without the
  // history (Establish is retried here until the server serves again).
  ASSERT_TRUE(WaitUntil(
      [&] {
        v1::EstablishResponse resp;
        return Establish(stub_.get(), testing::Login(kTenant, "h2", "g2"), &resp).ok();
      },
      absl::Seconds(20)))
      << server_.process().Stderr();
  grpc::Status st = live->WaitDone();
  EXPECT_EQ(st.error_code(), grpc::StatusCode::OUT_OF_RANGE) << st.error_message();
  auto resumed = Watch(old_cursor);
  st = resumed->WaitDone();
  EXPECT_EQ(st.error_code(), grpc::StatusCode::OUT_OF_RANGE) << st.error_message();
  EXPECT_EQ(ErrorReason(FromGrpcStatus(st)), "HISTORY_LOST") << st.error_message();
  // A new watch from the start follows the new history.
  auto fresh = Watch("0-0");
  ASSERT_TRUE(fresh->WaitFor(1));
  EXPECT_EQ(fresh->events().front().association().host(), "h2");
}

TEST_P(WatchE2E, WatchersPerCallerAreCappedWithResourceExhausted) {
  StartServer({"--max_watchers_per_caller=2"});
  auto a = Watch("");
  auto b = Watch("");
  ASSERT_TRUE(WaitUntil([&] { return Metric("hotdesk_watchers") == 2; }, absl::Seconds(10)));
  auto refused = Watch("");
  grpc::Status st = refused->WaitDone();
  EXPECT_EQ(st.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(st.error_message(), HasSubstr("max_watchers_per_caller"));
  EXPECT_EQ(ErrorReason(FromGrpcStatus(st)), "WATCHERS_PER_CALLER");
  // A watcher that ends gives its place back.
  a->Cancel();
  ASSERT_TRUE(WaitUntil([&] { return Metric("hotdesk_watchers") == 1; }, absl::Seconds(10)));
  auto c = Watch("0-0");
  Login("h1", "g1");
  ASSERT_TRUE(c->WaitFor(1)) << c->WaitDone().error_message();
  ASSERT_TRUE(b->WaitFor(1));
}

TEST_P(WatchE2E, PagedSnapshotIsTheStateAtItsCursorWhileTheTenantChanges) {
  // 3,000 associations (listed with HSCAN in pages) while logins, logouts and roaming go on: the
  // snapshot holds each association once and is exactly the state at its cursor, and snapshot
  // plus the events after it give the state at the end.
  StartServer();
  for (int i = 0; i < 3000; ++i) Login("h" + std::to_string(i), "g" + std::to_string(i));
  std::atomic<bool> stop{false};
  std::atomic<int> changes{0};
  std::thread changer([&] {
    auto stub = v1::Associations::NewStub(server_.Channel());
    std::mt19937 rng(11);
    while (!stop) {
      int n = changes++;
      int h = std::uniform_int_distribution<int>(0, 3499)(rng);
      int g = std::uniform_int_distribution<int>(0, 3499)(rng);
      if (n % 3 == 0)
        CancelHost(stub.get(), kTenant, "h" + std::to_string(h));
      else
        Establish(stub.get(), testing::Login(kTenant, "h" + std::to_string(h),
                                             "g" + std::to_string(g)));
    }
  });
  // A failed ASSERT returns early: the changer must still be stopped and joined.
  struct StopAndJoin {
    std::atomic<bool>& stop;
    std::thread& thread;
    ~StopAndJoin() {
      stop = true;
      if (thread.joinable()) thread.join();
    }
  } stop_and_join{stop, changer};
  // Generous bounds: under TSan on a busy 2-core machine a change can take a second.
  ASSERT_TRUE(WaitUntil([&] { return changes > 20; }, absl::Seconds(60)));
  // A slow reader (about a second for the snapshot), so that changes happen while it is paged.
  auto snap = Watch("", true, absl::Microseconds(300));
  auto complete = [&] {
    for (const auto& e : snap->events())
      if (e.type() == v1::EVENT_TYPE_SNAPSHOT_COMPLETE) return true;
    return false;
  };
  bool done = WaitUntil(complete, absl::Seconds(120));
  int changes_at_complete = changes;
  ASSERT_TRUE(WaitUntil([&] { return changes > changes_at_complete + 20; }, absl::Seconds(60)));
  stop = true;
  changer.join();
  ASSERT_TRUE(done) << snap->WaitDone().error_message();

  // The whole log, to know the state at any cursor.
  auto all = Watch("0-0");
  std::string last = redis_.Cmd({"XREVRANGE", "hotdesk:{acme}:ev", "+", "-", "COUNT", "1"});
  last = last.substr(0, last.find(' '));
  auto reached = [&](Watcher& w) {
    auto events = w.events();
    return !events.empty() && events.back().cursor() == last;
  };
  ASSERT_TRUE(WaitUntil([&] { return reached(*all) && reached(*snap); }, absl::Seconds(120)));

  std::map<std::string, std::string> snapshot, at, now, expected_now;
  std::string position;
  auto events = snap->events();
  size_t i = 0;
  for (; events[i].type() != v1::EVENT_TYPE_SNAPSHOT_COMPLETE; ++i) {
    ASSERT_TRUE(events[i].snapshot());
    EXPECT_TRUE(snapshot.emplace(events[i].association().host(), events[i].association().guest())
                    .second)
        << "twice in the snapshot: " << events[i].association().host();
  }
  position = events[i].cursor();
  auto apply = [](std::map<std::string, std::string>& m, const v1::AssociationEvent& e) {
    if (e.type() == v1::EVENT_TYPE_ESTABLISHED)
      m[e.association().host()] = e.association().guest();
    else
      m.erase(e.association().host());
  };
  for (const auto& e : all->events()) {
    if (*hotdesk::StreamId::Parse(e.cursor()) <= *hotdesk::StreamId::Parse(position)) apply(at, e);
    apply(expected_now, e);
  }
  EXPECT_EQ(snapshot.size(), at.size());
  EXPECT_TRUE(snapshot == at) << "the snapshot is not the state at its cursor " << position;
  now = snapshot;
  for (++i; i < events.size(); ++i) apply(now, events[i]);
  EXPECT_TRUE(now == expected_now);
  EXPECT_EQ(static_cast<size_t>(std::stoll(redis_.Cmd({"HLEN", "hotdesk:{acme}:by-host"}))),
            expected_now.size());
  std::printf("snapshot of %zu associations at %s, %d changes made meanwhile\n", snapshot.size(),
              position.c_str(), changes.load());
}

}  // namespace
}  // namespace hotdesk::testing
