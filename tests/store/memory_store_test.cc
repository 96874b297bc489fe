// MemoryStore rules beyond the shared contract: how it hands events to its feed listener.
#include "services/store/memory/memory_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <future>
#include <thread>

namespace hotdesk {
namespace {

EstablishCommand Login(const std::string& host, const std::string& guest) {
  EstablishCommand c;
  c.tenant = "acme";
  c.host = host;
  c.guest = guest;
  return c;
}

// A listener that reacts to an event by changing the store again, as a hub's reader may.
class EchoListener : public EventFeed::Listener {
 public:
  explicit EchoListener(MemoryStore* store) : store_(store) {}
  void OnFollowing(const std::string&, StreamId) override { ++following; }
  void OnEvents(const std::string&, std::vector<EventPtr> events) override {
    for (const auto& e : events) {
      seen.push_back(e->association().host() + (e->type() == v1::EVENT_TYPE_CANCELLED ? "-" : "+"));
      if (e->type() != v1::EVENT_TYPE_ESTABLISHED) continue;
      CancelCommand c;
      c.tenant = "acme";
      c.host = e->association().host();
      store_->Cancel(c, absl::InfiniteFuture(), [](absl::StatusOr<v1::CancelResponse>) {});
    }
  }
  void OnLost(const std::string&, absl::Status) override {}
  int following = 0;
  std::vector<std::string> seen;

 private:
  MemoryStore* store_;
};

TEST(MemoryStoreTest, ListenerIsCalledWithNoStoreLockHeld) {
  // Leaked on failure: a deadlocked thread still uses it.
  auto* store = new MemoryStore;
  auto* listener = new EchoListener(store);
  store->SetListener(listener);
  store->Follow("acme");
  EXPECT_EQ(listener->following, 1);
  auto done = std::make_shared<std::promise<void>>();
  std::thread([store, done] {
    store->Establish(Login("h1", "g1"), absl::InfiniteFuture(),
                     [](absl::StatusOr<v1::EstablishResponse> r) { ASSERT_TRUE(r.ok()); });
    done->set_value();
  }).detach();
  ASSERT_EQ(done->get_future().wait_for(std::chrono::seconds(10)), std::future_status::ready)
      << "the listener's call back into the store deadlocked: it was called under a store lock";
  // The echo's own event reached the listener too, after the one that caused it.
  EXPECT_THAT(listener->seen, ::testing::ElementsAre("h1+", "h1-"));
  delete listener;
  delete store;
}

TEST(MemoryStoreTest, OnFollowingComesBeforeTheEventsOfLaterCommits) {
  MemoryStore store;
  struct Recorder : EventFeed::Listener {
    std::mutex mu;
    std::vector<std::string> calls;
    void OnFollowing(const std::string& t, StreamId) override {
      std::lock_guard<std::mutex> l(mu);
      calls.push_back("follow " + t);
    }
    void OnEvents(const std::string& t, std::vector<EventPtr> events) override {
      std::lock_guard<std::mutex> l(mu);
      for (auto& e : events) calls.push_back("event " + t + " " + e->association().host());
    }
    void OnLost(const std::string&, absl::Status) override {}
  } recorder;
  store.SetListener(&recorder);
  StreamId before;
  store.Establish(Login("before", "g0"), absl::InfiniteFuture(),
                  [&](absl::StatusOr<v1::EstablishResponse> r) {
                    before = *StreamId::Parse(r->cursor());
                  });
  store.Follow("acme");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&store, t] {
      for (int i = 0; i < 50; ++i)
        store.Establish(Login("h" + std::to_string(t), "g" + std::to_string(1000 + t * 100 + i)),
                        absl::InfiniteFuture(), [](auto) {});
    });
  for (auto& th : threads) th.join();
  std::lock_guard<std::mutex> l(recorder.mu);
  ASSERT_FALSE(recorder.calls.empty());
  EXPECT_EQ(recorder.calls.front(), "follow acme");
  EXPECT_EQ(std::count(recorder.calls.begin(), recorder.calls.end(), "event acme before"), 0);
  // Every event of every commit arrived, in commit order.
  std::vector<std::string> expected;
  store.ReadEvents("acme", before, 100000, absl::InfiniteFuture(),
                   [&](absl::StatusOr<EventPage> page) {
                     for (const auto& e : page->events)
                       expected.push_back("event acme " + e->association().host());
                   });
  std::vector<std::string> events(recorder.calls.begin() + 1, recorder.calls.end());
  EXPECT_EQ(events, expected);
}

}  // namespace
}  // namespace hotdesk
