#include "services/events/event_hub.h"

#include <gtest/gtest.h>

#include <atomic>

#include "services/store/memory/memory_store.h"

namespace hotdesk {
namespace {

class CountingWaiter : public EventHub::Waiter {
 public:
  void Wake() override { ++wakes; }
  std::atomic<int> wakes{0};
};

EstablishCommand Login(const std::string& host, const std::string& guest) {
  EstablishCommand c;
  c.tenant = "acme";
  c.host = host;
  c.guest = guest;
  return c;
}

void Establish(MemoryStore& store, const std::string& host, const std::string& guest) {
  store.Establish(Login(host, guest), absl::InfiniteFuture(),
                  [](absl::StatusOr<v1::EstablishResponse> r) { ASSERT_TRUE(r.ok()); });
}

TEST(EventHubTest, DeliversFromRingAndWakesWaiters) {
  MemoryStore store;
  EventHub hub(&store.feed(), 8);
  Establish(store, "h0", "g0");  // before anyone follows: base is after it
  auto ch = hub.Join("acme");
  auto waiter = std::make_shared<CountingWaiter>();
  StreamId base;
  store.LastEventId("acme", absl::InfiniteFuture(),
                    [&](absl::StatusOr<StreamId> id) { base = *id; });

  std::vector<EventPtr> out;
  EXPECT_EQ(hub.Next(*ch, base, 10, &out, waiter), EventHub::Fetch::kWait);
  Establish(store, "h1", "g1");
  EXPECT_EQ(waiter->wakes, 1);
  EXPECT_EQ(hub.Next(*ch, base, 10, &out, waiter), EventHub::Fetch::kEvents);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0]->association().host(), "h1");
  // An older cursor than the ring's base must be read from the store.
  EXPECT_EQ(hub.Next(*ch, StreamId{}, 10, &out, waiter), EventHub::Fetch::kBehind);
}

TEST(EventHubTest, RingIsBoundedAndSlowReadersFallBehind) {
  MemoryStore store;
  EventHub hub(&store.feed(), 4);
  auto ch = hub.Join("acme");
  auto waiter = std::make_shared<CountingWaiter>();
  StreamId start;
  for (int i = 0; i < 10; ++i) Establish(store, "h" + std::to_string(i), "g" + std::to_string(i));
  std::vector<EventPtr> out;
  // 10 events, ring of 4: a reader at the start is behind; one at event 6 reads the last 4.
  EXPECT_EQ(hub.Next(*ch, start, 100, &out, waiter), EventHub::Fetch::kBehind);
  std::vector<EventPtr> all;
  store.ReadEvents("acme", StreamId{}, 100, absl::InfiniteFuture(),
                   [&](absl::StatusOr<std::vector<EventPtr>> r) { all = *r; });
  ASSERT_EQ(all.size(), 10u);
  auto sixth = *StreamId::Parse(all[5]->cursor());
  EXPECT_EQ(hub.Next(*ch, sixth, 100, &out, waiter), EventHub::Fetch::kEvents);
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out.front()->cursor(), all[6]->cursor());
  EXPECT_EQ(out.back()->cursor(), all[9]->cursor());
}

TEST(EventHubTest, IdleChannelsAreCollectedAndRejoinable) {
  MemoryStore store;
  EventHub hub(&store.feed(), 4);
  auto ch = hub.Join("acme");
  hub.Leave(ch);
  hub.CollectIdle();
  EXPECT_EQ(hub.ChannelCount(), 0u);
  auto again = hub.Join("acme");
  auto waiter = std::make_shared<CountingWaiter>();
  StreamId last;
  std::vector<EventPtr> out;
  EXPECT_EQ(hub.Next(*again, last, 10, &out, waiter), EventHub::Fetch::kWait);
  Establish(store, "h", "g");
  EXPECT_EQ(hub.Next(*again, last, 10, &out, waiter), EventHub::Fetch::kEvents);
}

}  // namespace
}  // namespace hotdesk
