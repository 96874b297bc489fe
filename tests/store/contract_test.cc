// One contract, two stores: every rule of the association store runs against MemoryStore and
// against RedisStore on a real redis-server, a real Sentinel group and a real Redis Cluster
// started for this suite.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <map>
#include <thread>

#include "absl/strings/str_split.h"
#include "google/rpc/error_details.pb.h"
#include "services/common/status.h"
#include "services/keyspace/redis_keys.h"
#include "services/redis/cluster_slots.h"
#include "services/store/memory/memory_store.h"
#include "services/store/redis/redis_store.h"
#include "tests/support/processes.h"
#include "tests/support/redis_topologies.h"
#include "tests/support/async.h"

namespace hotdesk {
namespace {

using ::testing::ElementsAre;

using ::hotdesk::testing::Wait;

absl::Time Soon() { return absl::Now() + absl::Seconds(5); }

// The stores under test: "memory", "redis" (one redis-server), "sentinel" (a primary and a replica
// under three sentinels, found through them) and "cluster" (a Redis Cluster of three primaries
// with a replica each), each Redis deployment started once per test process.
class StoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  static void TearDownTestSuite() {
    for (auto& [mode, d] : deployments_) delete d;
    deployments_.clear();
    redis_ = nullptr;
  }

  void SetUp() override {
    // A tenant per test keeps tests independent on the shared Redis.
    tenant_ = "t" + std::to_string(++counter_);
    redis_ = nullptr;
    if (GetParam() != "memory") {
      auto& d = deployments_[GetParam()];
      if (d == nullptr) {
        d = new testing::RedisDeployment(GetParam());
        ASSERT_TRUE(d->Start()) << GetParam();
      }
      redis_ = d;
    }
    Make(100000);
  }
  void TearDown() override { Destroy(); }

  void Destroy() {
    if (redis_store_) redis_store_->Stop();
    store_ = nullptr;
    redis_store_.reset();
    if (client_) client_->Stop();
    client_.reset();
    memory_.reset();
  }

  void Make(int64_t retention, ExpiryScheduleOptions expiry = {},
            std::function<void()> on_undecodable = nullptr) {
    Destroy();
    if (GetParam() == "memory") {
      MemoryStoreOptions o;
      o.stream_retention = retention;
      memory_ = std::make_unique<MemoryStore>(o);
      store_ = memory_.get();
    } else {
      RedisConfig rc;
      if (redis_->cluster()) {
        rc.mode = RedisConfig::Mode::kCluster;
        for (absl::string_view a : absl::StrSplit(redis_->cluster()->Seeds(), ','))
          rc.nodes.push_back(*ParseNodeAddr(a));
      } else if (redis_->sentinel()) {
        rc.mode = RedisConfig::Mode::kSentinel;
        for (absl::string_view a : absl::StrSplit(redis_->sentinel()->Sentinels(), ','))
          rc.nodes.push_back(*ParseNodeAddr(a));
        rc.master_name = testing::RedisSentinelProcesses::kMaster;
      } else {
        rc.port = redis_->single()->port();
      }
      client_ = std::make_unique<RedisClient>(rc);
      client_->Start();
      for (int i = 0; i < 500 && !client_->Healthy(); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      ASSERT_TRUE(client_->Healthy());
      RedisStoreOptions o;
      o.stream_retention = retention;
      o.on_undecodable = std::move(on_undecodable);
      o.expiry = expiry;
      redis_store_ = std::make_unique<RedisStore>(client_.get(), o);
      redis_store_->Start();
      store_ = redis_store_.get();
    }
  }

  EstablishCommand Login(const std::string& host, const std::string& guest) {
    EstablishCommand c;
    c.tenant = tenant_;
    c.host = host;
    c.guest = guest;
    c.source = v1::SOURCE_API;
    return c;
  }
  CancelCommand Logout(const std::string& host, const std::string& guest) {
    CancelCommand c;
    c.tenant = tenant_;
    c.host = host;
    c.guest = guest;
    return c;
  }
  absl::StatusOr<v1::EstablishResponse> Establish(const EstablishCommand& c) {
    return Wait<v1::EstablishResponse>([&](auto d) { store_->Establish(c, Soon(), d); });
  }
  absl::StatusOr<v1::CancelResponse> Cancel(const CancelCommand& c) {
    return Wait<v1::CancelResponse>([&](auto d) { store_->Cancel(c, Soon(), d); });
  }
  absl::StatusOr<v1::Association> Get(const std::string& host, const std::string& guest) {
    return Wait<v1::Association>([&](auto d) { store_->Get(tenant_, host, guest, Soon(), d); });
  }
  std::vector<EventPtr> Events(StreamId after = {}) {
    auto r = Wait<EventPage>([&](auto d) { store_->ReadEvents(tenant_, after, 100000, Soon(), d); });
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? r->events : std::vector<EventPtr>{};
  }
  // "TYPE host guest [reason]" per event, for compact assertions.
  std::vector<std::string> Summary(StreamId after = {}) {
    std::vector<std::string> out;
    for (const auto& e : Events(after)) {
      std::string s = (e->type() == v1::EVENT_TYPE_ESTABLISHED ? "E " : "C ") +
                      e->association().host() + " " + e->association().guest();
      if (e->type() == v1::EVENT_TYPE_CANCELLED) s += " " + ReasonName(e->reason());
      out.push_back(s);
    }
    return out;
  }

  static std::map<std::string, testing::RedisDeployment*> deployments_;
  static testing::RedisDeployment* redis_;  // this test's
  static int counter_;
  std::string tenant_;
  AssociationStore* store_ = nullptr;
  std::unique_ptr<MemoryStore> memory_;
  std::unique_ptr<RedisClient> client_;
  std::unique_ptr<RedisStore> redis_store_;
};

std::map<std::string, testing::RedisDeployment*> StoreTest::deployments_;
testing::RedisDeployment* StoreTest::redis_ = nullptr;
int StoreTest::counter_ = 0;

TEST_P(StoreTest, EstablishThenGetByHostAndGuest) {
  auto r = Establish(Login("7002", "7003"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->unchanged());
  EXPECT_EQ(r->association().host(), "7002");
  EXPECT_EQ(r->association().guest(), "7003");
  EXPECT_EQ(r->association().cursor(), r->cursor());
  EXPECT_TRUE(r->superseded().empty());
  auto by_host = Get("7002", "");
  ASSERT_TRUE(by_host.ok());
  EXPECT_EQ(by_host->guest(), "7003");
  auto by_guest = Get("", "7003");
  ASSERT_TRUE(by_guest.ok());
  EXPECT_EQ(by_guest->host(), "7002");
  EXPECT_EQ(Get("7009", "").status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(Summary(), ElementsAre("E 7002 7003"));
}

TEST_P(StoreTest, RoamingGuestMovesAndOldHostIsCancelledFirst) {
  ASSERT_TRUE(Establish(Login("7002", "7003")).ok());
  auto r = Establish(Login("7004", "7003"));
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->superseded_size(), 1);
  EXPECT_EQ(r->superseded(0).host(), "7002");
  EXPECT_EQ(Get("7002", "").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Get("", "7003")->host(), "7004");
  EXPECT_THAT(Summary(), ElementsAre("E 7002 7003", "C 7002 7003 SUPERSEDED", "E 7004 7003"));
}

TEST_P(StoreTest, LoginOnBusyHostReplacesItsGuest) {
  ASSERT_TRUE(Establish(Login("7002", "7003")).ok());
  auto r = Establish(Login("7002", "7005"));
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->superseded_size(), 1);
  EXPECT_EQ(r->superseded(0).guest(), "7003");
  EXPECT_EQ(Get("", "7003").status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(Summary(), ElementsAre("E 7002 7003", "C 7002 7003 SUPERSEDED", "E 7002 7005"));
}

TEST_P(StoreTest, BothConflictsEndBothAssociationsHostsGuestFirst) {
  ASSERT_TRUE(Establish(Login("A", "x")).ok());
  ASSERT_TRUE(Establish(Login("B", "y")).ok());
  auto r = Establish(Login("A", "y"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->superseded_size(), 2);
  EXPECT_THAT(Summary(),
              ElementsAre("E A x", "E B y", "C A x SUPERSEDED", "C B y SUPERSEDED", "E A y"));
  EXPECT_EQ(Get("B", "").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Get("", "x").status().code(), absl::StatusCode::kNotFound);
}

TEST_P(StoreTest, RejectPoliciesChangeNothingAndNameTheConflict) {
  ASSERT_TRUE(Establish(Login("7002", "7003")).ok());
  auto busy = Login("7002", "7005");
  busy.reject_host_busy = true;
  auto r = Establish(busy);
  ASSERT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ErrorReason(r.status()), "HOST_BUSY");
  v1::Association present;
  ASSERT_TRUE(GetDetail(r.status(), &present));
  EXPECT_EQ(present.guest(), "7003");

  auto elsewhere = Login("7009", "7003");
  elsewhere.reject_guest_elsewhere = true;
  r = Establish(elsewhere);
  ASSERT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ErrorReason(r.status()), "GUEST_ELSEWHERE");
  ASSERT_TRUE(GetDetail(r.status(), &present));
  EXPECT_EQ(present.host(), "7002");
  EXPECT_THAT(Summary(), ElementsAre("E 7002 7003"));
}

TEST_P(StoreTest, RegisteredGuestWithHotDeskingDisabledCannotLogIn) {
  // The Guests registry (services/directory) keeps the tenant's set of disabled guests, which
  // the establish script reads; the memory store asks the directory.
  auto registry = [&](const std::string& guest, bool enabled) {
    if (memory_) {
      memory_->SetGuestDisabledCheck(
          [=](const std::string&, const std::string& g) { return g == guest && !enabled; });
    } else {
      // What the directory's guest scripts write: the record and the guest's place in the set.
      RedisKeys keys("hotdesk");
      redis_->Cmd({"HSET", keys.Guests(tenant_), guest,
                   std::string("{\"id\":\"") + guest + "\",\"hotdesking_enabled\":" +
                       (enabled ? "true" : "false") + "}"});
      redis_->Cmd({enabled ? "SREM" : "SADD", keys.DisabledGuests(tenant_), guest});
    }
  };
  registry("7003", false);
  auto r = Establish(Login("7002", "7003"));
  ASSERT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ErrorReason(r.status()), "GUEST_DISABLED");
  EXPECT_TRUE(Events().empty());
  EXPECT_TRUE(Establish(Login("7002", "unregistered")).ok());
  registry("7003", true);
  EXPECT_TRUE(Establish(Login("7004", "7003")).ok());
}

TEST_P(StoreTest, SamePairAgainIsUnchangedWithoutEvent) {
  ASSERT_TRUE(Establish(Login("7002", "7003")).ok());
  auto r = Establish(Login("7002", "7003"));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->unchanged());
  EXPECT_TRUE(r->cursor().empty());
  EXPECT_EQ(Events().size(), 1u);
}

TEST_P(StoreTest, RequestIdMakesRetriesIdempotent) {
  auto c = Login("7002", "7003");
  c.request_id = "req-1";
  auto first = Establish(c);
  ASSERT_TRUE(first.ok());
  // Someone else changes the host in between; the retry still returns the first result.
  ASSERT_TRUE(Establish(Login("7002", "7005")).ok());
  auto retry = Establish(c);
  ASSERT_TRUE(retry.ok());
  EXPECT_EQ(retry->cursor(), first->cursor());
  EXPECT_FALSE(retry->unchanged());
  EXPECT_THAT(Summary(), ElementsAre("E 7002 7003", "C 7002 7003 SUPERSEDED", "E 7002 7005"));
  // Same id, other parameters: refused, nothing changes.
  auto other = Login("7002", "7009");
  other.request_id = "req-1";
  EXPECT_EQ(Establish(other).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Get("7002", "")->guest(), "7005");

  auto cancel = Logout("7002", "");
  cancel.request_id = "req-2";
  auto c1 = Cancel(cancel);
  ASSERT_TRUE(c1.ok());
  auto c2 = Cancel(cancel);
  ASSERT_TRUE(c2.ok()) << c2.status();
  EXPECT_EQ(c1->cursor(), c2->cursor());
  EXPECT_EQ(Events().size(), 4u);
}

TEST_P(StoreTest, CancelByHostByGuestAndMismatch) {
  ASSERT_TRUE(Establish(Login("7002", "7003")).ok());
  ASSERT_TRUE(Establish(Login("7004", "7005")).ok());
  auto mismatch = Cancel(Logout("7002", "7005"));
  EXPECT_EQ(mismatch.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ErrorReason(mismatch.status()), "NOT_ASSOCIATED");
  auto by_guest = Cancel(Logout("", "7003"));
  ASSERT_TRUE(by_guest.ok());
  EXPECT_EQ(by_guest->association().host(), "7002");
  auto c = Logout("7004", "");
  c.reason = v1::CANCEL_REASON_FORCED;
  ASSERT_TRUE(Cancel(c).ok());
  EXPECT_EQ(Cancel(Logout("7004", "")).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Cancel(Logout("", "nobody")).status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(Summary(), ElementsAre("E 7002 7003", "E 7004 7005", "C 7002 7003 LOGOUT",
                                     "C 7004 7005 FORCED"));
}

TEST_P(StoreTest, LimitsSetExpiryAndSweepCancelsOnceUnderConcurrency) {
  auto c = Login("7002", "7003");
  c.limit_ms = 150;
  c.limit.mutable_duration()->set_seconds(1);  // as requested; limit_ms is what counts
  auto r = Establish(c);
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r->association().has_expire_time());
  auto d = Login("7004", "7005");
  d.daily_logout_ms = {absl::ToUnixMillis(absl::Now() - absl::Hours(19)),
                       absl::ToUnixMillis(absl::Now() + absl::Hours(5))};
  ASSERT_TRUE(Establish(d).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  // Several sweeps at once: the association is cancelled exactly once.
  std::vector<std::thread> sweepers;
  std::atomic<int> total{0};
  for (int i = 0; i < 4; ++i) {
    sweepers.emplace_back([&] {
      auto n = Wait<std::vector<v1::CancelResponse>>(
          [&](auto done) { store_->SweepExpired(Soon(), done); });
      ASSERT_TRUE(n.ok());
      total += static_cast<int>(n->size());
      for (const auto& e : *n) {
        EXPECT_EQ(e.association().host(), "7002");
        EXPECT_FALSE(e.cursor().empty());
      }
    });
  }
  for (auto& t : sweepers) t.join();
  EXPECT_EQ(total, 1);
  auto events = Events();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[2]->reason(), v1::CANCEL_REASON_EXPIRED);
  EXPECT_EQ(events[2]->source(), v1::SOURCE_EXPIRY);
  EXPECT_EQ(Get("7002", "").status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(Get("7004", "").ok());
}

TEST_P(StoreTest, CancelledAssociationIsNotSweptLater) {
  auto c = Login("7002", "7003");
  c.limit_ms = 100;
  ASSERT_TRUE(Establish(c).ok());
  ASSERT_TRUE(Cancel(Logout("7002", "")).ok());
  ASSERT_TRUE(Establish(Login("7002", "7009")).ok());  // same host, no limit
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto n = Wait<std::vector<v1::CancelResponse>>(
      [&](auto done) { store_->SweepExpired(Soon(), done); });
  ASSERT_TRUE(n.ok());
  EXPECT_TRUE(n->empty());
  EXPECT_EQ(Get("7002", "")->guest(), "7009");
}

TEST_P(StoreTest, ReadEventsAfterCursorMissesAndRepeatsNothing) {
  std::vector<std::string> cursors;
  for (int i = 0; i < 20; ++i) {
    auto r = Establish(Login("h" + std::to_string(i), "g" + std::to_string(i)));
    ASSERT_TRUE(r.ok());
    cursors.push_back(r->cursor());
  }
  auto after = Events(*StreamId::Parse(cursors[9]));
  ASSERT_EQ(after.size(), 10u);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(after[i]->cursor(), cursors[10 + i]);
  EXPECT_TRUE(Events(*StreamId::Parse(cursors[19])).empty());
  auto last = Wait<StreamId>([&](auto d) { store_->LastEventId(tenant_, Soon(), d); });
  EXPECT_EQ(last->ToString(), cursors[19]);
}

TEST_P(StoreTest, ReadEventsPageSaysWhereTheNextPageStarts) {
  std::vector<std::string> cursors;
  for (int i = 0; i < 12; ++i) {
    auto r = Establish(Login("h" + std::to_string(i), "g" + std::to_string(i)));
    ASSERT_TRUE(r.ok());
    cursors.push_back(r->cursor());
  }
  StreamId at;
  std::vector<std::string> seen;
  for (int pages = 0; pages < 3; ++pages) {
    auto page = Wait<EventPage>([&](auto d) { store_->ReadEvents(tenant_, at, 5, Soon(), d); });
    ASSERT_TRUE(page.ok()) << page.status();
    ASSERT_FALSE(page->events.empty());
    EXPECT_EQ(page->next.ToString(), page->events.back()->cursor());
    for (const auto& e : page->events) seen.push_back(e->cursor());
    at = page->next;
  }
  EXPECT_EQ(seen, cursors);
  // Nothing newer: an empty page that stays where it was asked.
  auto end = Wait<EventPage>([&](auto d) { store_->ReadEvents(tenant_, at, 5, Soon(), d); });
  ASSERT_TRUE(end.ok());
  EXPECT_TRUE(end->events.empty());
  EXPECT_EQ(end->next, at);
}

TEST_P(StoreTest, UndecodableEntriesAreSkippedSteppedOverAndCountedOnce) {
  if (GetParam() != "redis") GTEST_SKIP() << "only a Redis stream can hold a foreign entry";
  std::atomic<int> counted{0};
  Make(100000, {}, [&counted] { ++counted; });
  auto first = Establish(Login("h1", "g1"));
  ASSERT_TRUE(first.ok());
  std::string key = RedisKeys("hotdesk").Events(tenant_);
  std::string garbage = redis_->Cmd({"XADD", key, "*", "t", "E", "h", "h2", "a", "not a record"});
  auto second = Establish(Login("h3", "g3"));
  ASSERT_TRUE(second.ok());

  std::vector<std::string> cursors;
  for (const auto& e : Events()) cursors.push_back(e->cursor());
  EXPECT_THAT(cursors, ElementsAre(first->cursor(), second->cursor()));
  // A page holding only the bad entry still moves on past it.
  auto only_bad = Wait<EventPage>([&](auto d) {
    store_->ReadEvents(tenant_, *StreamId::Parse(first->cursor()), 1, Soon(), d);
  });
  ASSERT_TRUE(only_bad.ok()) << only_bad.status();
  EXPECT_TRUE(only_bad->events.empty());
  EXPECT_EQ(only_bad->next.ToString(), garbage);
  // Read three times, reported once.
  EXPECT_EQ(counted, 1);
}

TEST_P(StoreTest, TrimmedCursorIsOutOfRange) {
  Make(10);
  std::vector<std::string> cursors;
  for (int i = 0; i < 400; ++i) {
    auto r = Establish(Login("h" + std::to_string(i % 7), "g" + std::to_string(i)));
    ASSERT_TRUE(r.ok());
    cursors.push_back(r->cursor());
  }
  auto r = Wait<EventPage>(
      [&](auto d) { store_->ReadEvents(tenant_, *StreamId::Parse(cursors[0]), 10, Soon(), d); });
  EXPECT_EQ(r.status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(ErrorReason(r.status()), "CURSOR_TRIMMED");
  // The newest cursor is still fine.
  auto ok = Wait<EventPage>(
      [&](auto d) { store_->ReadEvents(tenant_, *StreamId::Parse(cursors[398]), 10, Soon(), d); });
  ASSERT_TRUE(ok.ok());
  EXPECT_FALSE(ok->events.empty());
}

TEST_P(StoreTest, SnapshotAndListCoverEveryAssociationOnce) {
  for (int i = 0; i < 250; ++i)
    ASSERT_TRUE(Establish(Login("h" + std::to_string(i), "g" + std::to_string(i))).ok());
  auto snap = Wait<Snapshot>([&](auto d) { store_->TakeSnapshot(tenant_, Soon(), d); });
  ASSERT_TRUE(snap.ok());
  EXPECT_EQ(snap->associations.size(), 250u);
  auto last = Wait<StreamId>([&](auto d) { store_->LastEventId(tenant_, Soon(), d); });
  EXPECT_EQ(snap->cursor, *last);

  std::set<std::string> seen;
  std::string token;
  int pages = 0;
  do {
    auto page = Wait<v1::ListAssociationsResponse>(
        [&](auto d) { store_->List(tenant_, 40, token, Soon(), d); });
    ASSERT_TRUE(page.ok()) << page.status();
    for (const auto& a : page->associations())
      EXPECT_TRUE(seen.insert(a.host()).second) << a.host();
    token = page->next_page_token();
    ASSERT_LT(++pages, 100);
  } while (!token.empty());
  EXPECT_EQ(seen.size(), 250u);
  auto bad = Wait<v1::ListAssociationsResponse>(
      [&](auto d) { store_->List(tenant_, 10, "garbage", Soon(), d); });
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  auto negative =
      Wait<v1::ListAssociationsResponse>([&](auto d) { store_->List(tenant_, -1, "", Soon(), d); });
  EXPECT_EQ(negative.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_P(StoreTest, ConcurrentLoginsKeepOneToOne) {
  // Many threads log random guests into random hosts; afterwards every host has at most one
  // guest and every guest at most one host, and the indexes agree.
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 100; ++i) {
        auto r = Establish(Login("h" + std::to_string((i * 7 + t) % 10),
                                 "g" + std::to_string((i * 3 + t * 5) % 10)));
        ASSERT_TRUE(r.ok()) << r.status();
      }
    });
  }
  for (auto& th : threads) th.join();
  auto snap = Wait<Snapshot>([&](auto d) { store_->TakeSnapshot(tenant_, Soon(), d); });
  std::set<std::string> guests;
  for (const auto& a : snap->associations) {
    EXPECT_TRUE(guests.insert(a.guest()).second) << "guest twice: " << a.guest();
    EXPECT_EQ(Get("", a.guest())->host(), a.host());
  }
  // Replaying the event log reproduces the final state.
  std::map<std::string, std::string> state;
  for (const auto& e : Events()) {
    if (e->type() == v1::EVENT_TYPE_ESTABLISHED) {
      EXPECT_EQ(state.count(e->association().host()), 0u);
      state[e->association().host()] = e->association().guest();
    } else {
      EXPECT_EQ(state[e->association().host()], e->association().guest());
      state.erase(e->association().host());
    }
  }
  EXPECT_EQ(state.size(), snap->associations.size());
}

TEST_P(StoreTest, FeedDeliversCommittedEventsInOrder) {
  struct Listener : EventFeed::Listener {
    std::mutex mu;
    std::condition_variable cv;
    bool following = false;
    std::vector<std::string> cursors;
    void OnFollowing(const std::string&, StreamId) override {
      std::lock_guard<std::mutex> l(mu);
      following = true;
      cv.notify_all();
    }
    void OnEvents(const std::string&, std::vector<EventPtr> events) override {
      std::lock_guard<std::mutex> l(mu);
      for (auto& e : events) cursors.push_back(e->cursor());
      cv.notify_all();
    }
    void OnLost(const std::string&, absl::Status) override {}
  } listener;
  store_->feed().SetListener(&listener);
  store_->feed().Follow(tenant_);
  {
    std::unique_lock<std::mutex> l(listener.mu);
    ASSERT_TRUE(
        listener.cv.wait_for(l, std::chrono::seconds(5), [&] { return listener.following; }));
  }
  std::vector<std::string> expected;
  for (int i = 0; i < 30; ++i) {
    auto r = Establish(Login("h" + std::to_string(i % 3), "g" + std::to_string(i)));
    ASSERT_TRUE(r.ok());
  }
  for (const auto& e : Events()) expected.push_back(e->cursor());
  std::unique_lock<std::mutex> l(listener.mu);
  ASSERT_TRUE(listener.cv.wait_for(l, std::chrono::seconds(5),
                                   [&] { return listener.cursors.size() >= expected.size(); }));
  EXPECT_EQ(listener.cursors, expected);
  l.unlock();
  store_->feed().Unfollow(tenant_);
  store_->feed().SetListener(nullptr);
}

INSTANTIATE_TEST_SUITE_P(Stores, StoreTest,
                         ::testing::Values("memory", "redis", "sentinel", "cluster"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace hotdesk
