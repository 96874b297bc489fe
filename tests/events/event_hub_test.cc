// The event hub against the real MemoryStore (as feed and as catch-up store), and against a
// hand-driven feed where a test needs to say what the feed says (history lost).
#include "services/events/event_hub.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <set>

#include "services/store/memory/memory_store.h"

namespace hotdesk {
namespace {

class CountingReader : public EventHub::Reader {
 public:
  void OnReady() override { ++ready; }
  void OnEnded(const absl::Status& why) override {
    ++ended;
    last_end = why;
  }
  std::atomic<int> ready{0};
  std::atomic<int> ended{0};
  absl::Status last_end;
};

EstablishCommand Login(const std::string& host, const std::string& guest) {
  EstablishCommand c;
  c.tenant = "acme";
  c.host = host;
  c.guest = guest;
  return c;
}

std::string Establish(MemoryStore& store, const std::string& host, const std::string& guest) {
  std::string cursor;
  store.Establish(Login(host, guest), absl::InfiniteFuture(),
                  [&](absl::StatusOr<v1::EstablishResponse> r) {
                    ASSERT_TRUE(r.ok());
                    cursor = r->cursor();
                  });
  return cursor;
}

StreamId Last(MemoryStore& store) {
  StreamId id;
  store.LastEventId("acme", absl::InfiniteFuture(), [&](absl::StatusOr<StreamId> r) { id = *r; });
  return id;
}

std::vector<std::string> Hosts(const std::vector<EventPtr>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(e->association().host());
  return out;
}

EventHub::Options Ring(size_t size, int page = 256) {
  EventHub::Options o;
  o.ring_size = size;
  o.page = page;
  return o;
}

TEST(EventHubTest, DeliversFromTheRingAndWakesTheReader) {
  MemoryStore store;
  EventHub hub(&store.feed(), &store, Ring(8));
  Establish(store, "h0", "g0");  // before anyone follows
  auto reader = std::make_shared<CountingReader>();
  auto sub = hub.Subscribe("acme", Last(store), reader);

  auto first = hub.Pull(*sub);
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(first->empty());
  Establish(store, "h1", "g1");
  EXPECT_EQ(reader->ready, 1);
  auto next = hub.Pull(*sub);
  ASSERT_TRUE(next.ok());
  EXPECT_THAT(Hosts(*next), ::testing::ElementsAre("h1"));
  // The cursor moved: nothing more until the next commit.
  EXPECT_TRUE(hub.Pull(*sub)->empty());
}

TEST(EventHubTest, AReaderBehindTheRingIsServedFromTheStoreInOrder) {
  MemoryStore store;
  int catchup_reads = 0;
  auto options = Ring(4, 3);
  options.on_catchup_read = [&] { ++catchup_reads; };
  EventHub hub(&store.feed(), &store, options);
  auto live = std::make_shared<CountingReader>();
  auto keep_following = hub.Subscribe("acme", StreamId{}, live);
  ASSERT_TRUE(hub.Pull(*keep_following)->empty());
  for (int i = 0; i < 10; ++i) Establish(store, "h" + std::to_string(i), "g" + std::to_string(i));

  // 10 events, a ring of 4: a reader from the start is served by catch-up reads (pages of 3),
  // then by the ring, one sequence without gaps or repeats.
  auto reader = std::make_shared<CountingReader>();
  auto sub = hub.Subscribe("acme", StreamId{}, reader);
  std::vector<std::string> hosts;
  for (int pulls = 0; pulls < 20 && hosts.size() < 10; ++pulls) {
    auto got = hub.Pull(*sub);
    ASSERT_TRUE(got.ok()) << got.status();
    for (const auto& h : Hosts(*got)) hosts.push_back(h);
  }
  EXPECT_THAT(hosts, ::testing::ElementsAre("h0", "h1", "h2", "h3", "h4", "h5", "h6", "h7", "h8",
                                            "h9"));
  EXPECT_GE(catchup_reads, 2);
  EXPECT_GE(reader->ready, 2);  // woken when each page was in
}

TEST(EventHubTest, ATrimmedCursorEndsTheSubscription) {
  MemoryStoreOptions small;
  small.stream_retention = 3;
  MemoryStore store(small);
  EventHub hub(&store.feed(), &store, Ring(2));
  auto live = std::make_shared<CountingReader>();
  auto keep_following = hub.Subscribe("acme", StreamId{}, live);
  ASSERT_TRUE(hub.Pull(*keep_following)->empty());
  for (int i = 0; i < 6; ++i) Establish(store, "h" + std::to_string(i), "g" + std::to_string(i));
  auto reader = std::make_shared<CountingReader>();
  auto sub = hub.Subscribe("acme", StreamId{}, reader);
  EXPECT_TRUE(hub.Pull(*sub)->empty());  // the store read answers at once (memory store)
  EXPECT_EQ(reader->ended, 1);
  EXPECT_EQ(reader->last_end.code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(hub.Pull(*sub).status().code(), absl::StatusCode::kOutOfRange);
}

TEST(EventHubTest, WaitersOfAQuietTenantDoNotPileUp) {
  // Asking again and again while nothing happens, and watchers coming and going, leave one
  // entry per live subscription and none for those that left.
  MemoryStore store;
  EventHub hub(&store.feed(), &store, Ring(8));
  auto reader = std::make_shared<CountingReader>();
  auto sub = hub.Subscribe("acme", Last(store), reader);
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(hub.Pull(*sub)->empty());
  for (int i = 0; i < 1000; ++i) {
    auto gone = std::make_shared<CountingReader>();
    auto brief = hub.Subscribe("acme", Last(store), gone);
    ASSERT_TRUE(hub.Pull(*brief)->empty());
    if (i % 2 == 0) hub.Unsubscribe(*brief);  // the others just go away
  }
  auto counts = hub.CountsOf("acme");
  EXPECT_EQ(counts.subscriptions, 1u);
  EXPECT_EQ(counts.waiting, 1u);
  Establish(store, "h", "g");
  EXPECT_EQ(reader->ready, 1);
  EXPECT_EQ(hub.CountsOf("acme").waiting, 0u);
}

TEST(EventHubTest, IdleChannelsAreCollectedAndRejoinable) {
  MemoryStore store;
  EventHub hub(&store.feed(), &store, Ring(4));
  {
    auto reader = std::make_shared<CountingReader>();
    auto sub = hub.Subscribe("acme", StreamId{}, reader);
  }
  hub.CollectIdle();
  EXPECT_EQ(hub.ChannelCount(), 0u);
  auto reader = std::make_shared<CountingReader>();
  auto again = hub.Subscribe("acme", Last(store), reader);
  EXPECT_TRUE(hub.Pull(*again)->empty());
  Establish(store, "h", "g");
  EXPECT_THAT(Hosts(*hub.Pull(*again)), ::testing::ElementsAre("h"));
}

// A feed the test speaks for.
class ScriptedFeed : public EventFeed {
 public:
  void SetListener(Listener* listener) override { listener_ = listener; }
  void Follow(const std::string& tenant) override { followed.insert(tenant); }
  void Unfollow(const std::string& tenant) override { followed.erase(tenant); }
  Listener* listener_ = nullptr;
  std::set<std::string> followed;
};

EventPtr Event(const std::string& cursor, const std::string& host) {
  auto ev = std::make_shared<v1::AssociationEvent>();
  ev->set_cursor(cursor);
  ev->set_type(v1::EVENT_TYPE_ESTABLISHED);
  ev->mutable_association()->set_host(host);
  return ev;
}

TEST(EventHubTest, LostHistoryEndsEverySubscriberAndResetsTheChannel) {
  ScriptedFeed feed;
  MemoryStore store;  // catch-up store (unused here)
  EventHub hub(&feed, &store, Ring(8));
  auto a = std::make_shared<CountingReader>();
  auto b = std::make_shared<CountingReader>();
  auto sub_a = hub.Subscribe("acme", *StreamId::Parse("5-0"), a);
  auto sub_b = hub.Subscribe("acme", *StreamId::Parse("5-0"), b);
  EXPECT_EQ(feed.followed.count("acme"), 1u);
  hub.OnFollowing("acme", *StreamId::Parse("5-0"));
  hub.OnEvents("acme", {Event("6-0", "h6")});
  // A resuming cursor is first checked against the store (the reader is woken when it is).
  EXPECT_TRUE(hub.Pull(*sub_a)->empty());
  EXPECT_EQ(a->ready, 1);
  EXPECT_THAT(Hosts(*hub.Pull(*sub_a)), ::testing::ElementsAre("h6"));
  EXPECT_TRUE(hub.Pull(*sub_a)->empty());  // a waits; b has not pulled yet

  hub.OnLost("acme", absl::OutOfRangeError("resync: list, then watch"));
  EXPECT_EQ(a->ended, 1);
  EXPECT_EQ(b->ended, 1);
  EXPECT_EQ(a->last_end.code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(hub.Pull(*sub_b).status().code(), absl::StatusCode::kOutOfRange);

  // The channel starts again from the feed's next base; a new subscriber does not see the
  // events of the lost history.
  auto c = std::make_shared<CountingReader>();
  auto sub_c = hub.Subscribe("acme", *StreamId::Parse("3-0"), c);
  EXPECT_TRUE(hub.Pull(*sub_c)->empty());  // the store's check of the cursor
  EXPECT_EQ(c->ready, 1);
  EXPECT_TRUE(hub.Pull(*sub_c)->empty());  // not ready: waits for OnFollowing
  hub.OnEvents("acme", {Event("7-0", "lost")});  // ignored until the feed follows again
  hub.OnFollowing("acme", *StreamId::Parse("3-0"));
  EXPECT_EQ(c->ready, 2);
  hub.OnEvents("acme", {Event("4-0", "h4")});
  EXPECT_THAT(Hosts(*hub.Pull(*sub_c)), ::testing::ElementsAre("h4"));
  EXPECT_EQ(c->ended, 0);
}

}  // namespace
}  // namespace hotdesk
