// The bridge's progress store against a real redis-server: the follower's place, the sequence
// queue, and the expected echoes of the bridge's own changes.
#include "adapters/xsp/bridge/progress_store.h"

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tests/support/processes.h"

namespace hotdesk::xsp {
namespace {

class ProgressStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(redis_.Start());
    RedisConfig rc;
    rc.port = redis_.port();
    client_ = std::make_shared<RedisClient>(rc);
    client_->Start();
    store_ = std::make_unique<ProgressStore>(client_, "hotdesk", "acme");
    // The client connects in the background.
    absl::Time end = absl::Now() + absl::Seconds(10);
    while (!client_->Healthy() && absl::Now() < end) absl::SleepFor(absl::Milliseconds(10));
    ASSERT_TRUE(client_->Healthy());
  }
  void TearDown() override { client_->Stop(); }

  SeqRecord Seq(const std::string& key, int64_t order) {
    SeqRecord r;
    r.cursor = key;
    r.order = order;
    return r;
  }
  bool Consume(const std::string& guest, const std::string& host) {
    absl::StatusOr<bool> r = store_->ConsumeEcho(guest, host);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() && *r;
  }

  hotdesk::testing::RedisServer redis_;
  std::shared_ptr<RedisClient> client_;
  std::unique_ptr<ProgressStore> store_;
};

TEST_F(ProgressStoreTest, EchoesAreMatchedInOrderOncePerSequenceAndSurviveDuplicates) {
  const absl::Duration window = absl::Seconds(60);
  // Sequence 1 sets 7003 -> 7002 (sent three times: retries keep one record), then sequence 2
  // clears it.
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(store_->ExpectEcho(Seq("1-0", 1), "7003", "7002", window).ok());
  EXPECT_EQ(*store_->EchoCount(), 1);
  ASSERT_TRUE(store_->ExpectEcho(Seq("2-0", 2), "7003", "", window).ok());
  // The first echo, and the same change again (one event per subscription).
  EXPECT_TRUE(Consume("7003", "7002"));
  EXPECT_TRUE(Consume("7003", "7002"));
  // The clear comes back: sequence 1's echoes are over.
  EXPECT_TRUE(Consume("7003", ""));
  EXPECT_EQ(*store_->EchoCount(), 1);
  // 7003 -> 7002 now is not ours any more: a platform change, and it supersedes what was
  // expected.
  EXPECT_FALSE(Consume("7003", "7002"));
  EXPECT_FALSE(Consume("7003", ""));
  EXPECT_EQ(*store_->EchoCount(), 0);
}

TEST_F(ProgressStoreTest, AnotherGuestsEchoesAreNotTouched) {
  ASSERT_TRUE(store_->ExpectEcho(Seq("1-0", 1), "7003", "7002", absl::Seconds(60)).ok());
  ASSERT_TRUE(store_->ExpectEcho(Seq("2-0", 2), "7004", "7005", absl::Seconds(60)).ok());
  EXPECT_FALSE(Consume("7004", "7009"));  // a platform change for 7004 ...
  EXPECT_TRUE(Consume("7003", "7002"));   // ... leaves 7003's expectation alone
}

TEST_F(ProgressStoreTest, EchoesExpireWithTheWindow) {
  ASSERT_TRUE(store_->ExpectEcho(Seq("1-0", 1), "7003", "7002", absl::Milliseconds(200)).ok());
  absl::SleepFor(absl::Milliseconds(400));
  EXPECT_FALSE(Consume("7003", "7002"));
  EXPECT_EQ(redis_.Cmd({"EXISTS", store_->EchoKey()}), "0");
}

TEST_F(ProgressStoreTest, EchoesAreBounded) {
  for (int i = 1; i <= ProgressStore::kMaxEchoes + 50; ++i) {
    ASSERT_TRUE(store_
                    ->ExpectEcho(Seq(absl::StrCat(i, "-0"), i), absl::StrCat("g", i), "h",
                                 absl::Seconds(60))
                    .ok());
  }
  EXPECT_EQ(*store_->EchoCount(), ProgressStore::kMaxEchoes);
  EXPECT_TRUE(Consume(absl::StrCat("g", ProgressStore::kMaxEchoes + 50), "h"));  // newest kept
  EXPECT_FALSE(Consume("g1", "h"));                                              // oldest gone
}

TEST_F(ProgressStoreTest, SequencesAreQueuedOnceInArrivalOrder) {
  SeqRecord a, b;
  a.cursor = "10-0";
  a.kind = "establish";
  a.state = "queued";
  b = a;
  b.cursor = "11-0";
  ASSERT_TRUE(*store_->Enqueue(&a));
  ASSERT_TRUE(*store_->Enqueue(&b));
  SeqRecord again = a;
  EXPECT_FALSE(*store_->Enqueue(&again));  // taken in before a restart: not twice
  EXPECT_LT(a.order, b.order);
  auto pending = store_->Pending();
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 2u);
  EXPECT_EQ((*pending)[0].cursor, "10-0");
  a.state = "done";
  ASSERT_TRUE(store_->Save(a).ok());
  pending = store_->Pending();
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ((*pending)[0].cursor, "11-0");
}

TEST_F(ProgressStoreTest, FollowerPlaceRoundTrips) {
  adapters::FollowerState st;
  st.cursor = "5-0";
  st.known = {{"7002", "7003"}};
  st.known_complete = true;
  ASSERT_TRUE(store_->Replace(st).ok());
  st.cursor = "6-0";
  st.known["7005"] = "7004";
  adapters::KnownChange add{"7005", "7004"};
  ASSERT_TRUE(store_->Advance(st, &add).ok());
  st.cursor = "7-0";
  st.known.erase("7002");
  adapters::KnownChange del{"7002", ""};
  ASSERT_TRUE(store_->Advance(st, &del).ok());
  auto loaded = store_->Load();
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->cursor, "7-0");
  EXPECT_TRUE(loaded->known_complete);
  EXPECT_EQ(loaded->known, (std::map<std::string, std::string>{{"7005", "7004"}}));
  // A bare cursor, as older bridges stored it: no complete picture.
  redis_.Cmd({"DEL", store_->KnownOkKey()});
  EXPECT_FALSE(store_->Load()->known_complete);
}

}  // namespace
}  // namespace hotdesk::xsp
