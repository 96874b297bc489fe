// The watch state machine against the real MemoryStore and EventHub. The writer is a test double
// of the one interface gRPC's reactor implements: the one place where a fake is right, since the
// real reactor only exists inside a gRPC server (the end-to-end suites run that one).
#include "services/events/watch_session.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <condition_variable>
#include <deque>
#include <map>
#include <random>
#include <thread>

#include "services/store/memory/memory_store.h"

namespace hotdesk {
namespace {

using ::testing::ElementsAre;

// Records what the session makes it do. Writes complete at once (inline, from inside Write, which
// would deadlock a session that called it under its lock) unless `hold` is set, in which case the
// test completes them.
class FakeWriter : public WatchWriter {
 public:
  void Write(const v1::AssociationEvent* event) override {
    std::shared_ptr<WatchSession> s;
    std::function<void(const v1::AssociationEvent&)> hook;
    {
      std::lock_guard<std::mutex> lock(mu);
      EXPECT_FALSE(closed) << "write after close";
      EXPECT_EQ(out, 0) << "two writes at once";
      ++out;
      written.push_back(*event);
      cv.notify_all();
      if (hold) return;
      s = session.lock();
      hook = on_write;
    }
    if (hook) hook(*event);
    Complete(true, s);
  }
  void Close(const absl::Status& status) override {
    std::shared_ptr<WatchSession> s;
    {
      std::lock_guard<std::mutex> lock(mu);
      EXPECT_FALSE(closed) << "closed twice";
      closed = true;
      close_status = status;
      cv.notify_all();
      if (!done_on_close || out != 0) return;
      s = session.lock();
    }
    // As gRPC does once nothing is out: OnDone, here from inside Close.
    if (s) s->OnDone();
  }
  // Completes the write that is out.
  void Complete(bool ok, std::shared_ptr<WatchSession> s = nullptr) {
    if (!s) s = session.lock();
    {
      std::lock_guard<std::mutex> lock(mu);
      ASSERT_EQ(out, 1);
      --out;
    }
    s->OnWriteDone(ok);
  }
  bool WaitFor(const std::function<bool()>& cond) {
    std::unique_lock<std::mutex> lock(mu);
    return cv.wait_for(lock, std::chrono::seconds(10), cond);
  }
  size_t count() {
    std::lock_guard<std::mutex> lock(mu);
    return written.size();
  }

  std::mutex mu;
  std::condition_variable cv;
  std::weak_ptr<WatchSession> session;
  bool hold = false;
  bool done_on_close = true;
  std::function<void(const v1::AssociationEvent&)> on_write;
  int out = 0;
  std::vector<v1::AssociationEvent> written;
  bool closed = false;
  absl::Status close_status;
};

class WatchSessionTest : public ::testing::Test {
 protected:
  WatchSessionTest() : store_(StoreOptions()), hub_(&store_.feed(), &store_, HubOptions()) {}
  static MemoryStoreOptions StoreOptions() {
    MemoryStoreOptions o;
    o.stream_retention = 20000;
    return o;
  }
  static EventHub::Options HubOptions() {
    EventHub::Options o;
    o.ring_size = 16;
    o.page = 8;
    return o;
  }

  std::shared_ptr<WatchSession> Watch(WatchCommand cmd, FakeWriter* writer, int page = 8) {
    if (cmd.tenant.empty()) cmd.tenant = "acme";
    WatchSession::Options o;
    o.page = page;
    auto s = std::make_shared<WatchSession>(std::move(cmd), &store_, &hub_, writer, o);
    writer->session = s;
    s->Start();
    return s;
  }
  std::string Establish(const std::string& host, const std::string& guest) {
    EstablishCommand c;
    c.tenant = "acme";
    c.host = host;
    c.guest = guest;
    std::string cursor;
    store_.Establish(c, absl::InfiniteFuture(), [&](absl::StatusOr<v1::EstablishResponse> r) {
      EXPECT_TRUE(r.ok()) << r.status();
      if (r.ok()) cursor = r->cursor();
    });
    return cursor;
  }
  void Cancel(const std::string& host) {
    CancelCommand c;
    c.tenant = "acme";
    c.host = host;
    store_.Cancel(c, absl::InfiniteFuture(), [](absl::StatusOr<v1::CancelResponse>) {});
  }
  std::map<std::string, std::string> State() {
    std::map<std::string, std::string> out;
    store_.List("acme", 1000, "", absl::InfiniteFuture(),
                [&](absl::StatusOr<v1::ListAssociationsResponse> r) {
                  for (const auto& a : r->associations()) out[a.host()] = a.guest();
                });
    return out;
  }
  std::vector<EventPtr> Log() {
    std::vector<EventPtr> out;
    store_.ReadEvents("acme", StreamId{}, 1000000, absl::InfiniteFuture(),
                      [&](absl::StatusOr<EventPage> p) { out = p->events; });
    return out;
  }

  MemoryStore store_;
  EventHub hub_;
};

std::string Summary(const v1::AssociationEvent& e) {
  switch (e.type()) {
    case v1::EVENT_TYPE_SNAPSHOT_COMPLETE:
      return "DONE";
    case v1::EVENT_TYPE_ESTABLISHED:
      return (e.snapshot() ? "S " : "E ") + e.association().host() + " " + e.association().guest();
    default:
      return "C " + e.association().host() + " " + e.association().guest();
  }
}

std::vector<std::string> Summaries(const std::vector<v1::AssociationEvent>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(Summary(e));
  return out;
}

TEST_F(WatchSessionTest, FollowsFromNowInCommitOrderWithTheFilter) {
  Establish("h0", "g0");  // before the watch: not sent
  FakeWriter writer;
  WatchCommand cmd;
  cmd.host = "h1";
  auto s = Watch(cmd, &writer);
  ASSERT_EQ(s->state(), WatchSession::State::kFollowing);
  Establish("h1", "g1");
  Establish("h2", "g2");
  Establish("h1", "g3");  // replaces g1 at h1: C h1 g1, E h1 g3
  EXPECT_THAT(Summaries(writer.written), ElementsAre("E h1 g1", "C h1 g1", "E h1 g3"));
  s->End(absl::UnavailableError("shutting down"));
  EXPECT_TRUE(writer.closed);
  EXPECT_EQ(writer.close_status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(s->state(), WatchSession::State::kDone);
  EXPECT_EQ(hub_.CountsOf("acme").subscriptions, 0u);
}

TEST_F(WatchSessionTest, ResumesAfterACursorFromTheStoreThenTheRing) {
  std::vector<std::string> cursors;
  for (int i = 0; i < 60; ++i)
    cursors.push_back(Establish("h" + std::to_string(i), "g" + std::to_string(i)));
  FakeWriter writer;
  WatchCommand cmd;
  cmd.after = *StreamId::Parse(cursors[9]);
  auto s = Watch(cmd, &writer);
  Establish("late", "x");
  ASSERT_EQ(writer.count(), 51u);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(writer.written[i].cursor(), cursors[10 + i]);
  EXPECT_EQ(writer.written[50].association().host(), "late");
  s->OnCancel();
  EXPECT_EQ(writer.close_status.code(), absl::StatusCode::kCancelled);
}

TEST_F(WatchSessionTest, AWriteThatFailsEndsTheStream) {
  // The reported leak: the client went away with a write out; the stream must still be finished
  // so that gRPC calls OnDone and everything of the watcher is released.
  FakeWriter writer;
  writer.hold = true;
  auto s = Watch(WatchCommand{}, &writer);
  Establish("h1", "g1");
  Establish("h2", "g2");
  ASSERT_EQ(writer.count(), 1u);
  writer.Complete(false);
  EXPECT_TRUE(writer.closed);
  EXPECT_EQ(writer.close_status.code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(writer.count(), 1u);  // nothing more was written
  EXPECT_EQ(hub_.CountsOf("acme").subscriptions, 0u);
  s->OnDone();
  EXPECT_EQ(s->state(), WatchSession::State::kDone);
}

TEST_F(WatchSessionTest, EndingWhileAWriteIsStuckClosesAtOnce) {
  // A client that stopped reading: its write never completes by itself. Shutdown, cancel and lost
  // history must not wait for it.
  for (auto end : {0, 1, 2}) {
    FakeWriter writer;
    writer.hold = true;
    writer.done_on_close = false;
    auto s = Watch(WatchCommand{}, &writer);
    Establish("h" + std::to_string(end), "g");
    ASSERT_EQ(writer.count(), 1u);
    if (end == 0) s->End(absl::UnavailableError("server shutting down"));
    if (end == 1) s->OnCancel();
    if (end == 2) hub_.OnLost("acme", absl::OutOfRangeError("resync: list, then watch"));
    ASSERT_TRUE(writer.closed) << end;
    EXPECT_EQ(writer.close_status.code(), end == 0   ? absl::StatusCode::kUnavailable
                                          : end == 1 ? absl::StatusCode::kCancelled
                                                     : absl::StatusCode::kOutOfRange);
    writer.Complete(false);  // gRPC fails the stuck write, then reports OnDone
    s->OnDone();
    EXPECT_EQ(s->state(), WatchSession::State::kDone);
    Establish("after" + std::to_string(end), "g2");
    EXPECT_EQ(writer.count(), 1u);
    // Lost history reset the channel; the memory store never follows again by itself.
    if (end == 2) store_.Follow("acme");
  }
}

TEST_F(WatchSessionTest, ATrimmedCursorEndsWithOutOfRange) {
  MemoryStoreOptions small;
  small.stream_retention = 5;
  MemoryStore store(small);
  EventHub hub(&store.feed(), &store, HubOptions());
  for (int i = 0; i < 10; ++i) {
    EstablishCommand c;
    c.tenant = "acme";
    c.host = "h" + std::to_string(i);
    c.guest = "g";
    store.Establish(c, absl::InfiniteFuture(), [](auto) {});
  }
  FakeWriter writer;
  WatchCommand cmd;
  cmd.tenant = "acme";
  cmd.after = StreamId{1, 0};
  auto s = std::make_shared<WatchSession>(cmd, &store, &hub, &writer, WatchSession::Options{});
  writer.session = s;
  s->Start();
  EXPECT_TRUE(writer.closed);
  EXPECT_EQ(writer.close_status.code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(writer.count(), 0u);
}

TEST_F(WatchSessionTest, SnapshotComesInPagesThenLiveEvents) {
  for (int i = 0; i < 100; ++i) Establish("h" + std::to_string(i), "g" + std::to_string(i));
  FakeWriter writer;
  WatchCommand cmd;
  cmd.include_snapshot = true;
  auto s = Watch(cmd, &writer, 8);
  ASSERT_EQ(writer.count(), 101u);
  std::set<std::string> hosts;
  for (int i = 0; i < 100; ++i) {
    EXPECT_TRUE(writer.written[i].snapshot());
    hosts.insert(writer.written[i].association().host());
  }
  EXPECT_EQ(hosts.size(), 100u);
  EXPECT_EQ(writer.written[100].type(), v1::EVENT_TYPE_SNAPSHOT_COMPLETE);
  EXPECT_EQ(writer.written[100].cursor(), Log().back()->cursor());
  Cancel("h5");
  EXPECT_EQ(Summary(writer.written.back()), "C h5 g5");
}

TEST_F(WatchSessionTest, SnapshotIsTheStateAtItsCursorWhileTheTenantKeepsChanging) {
  // Pages of 8 over 300 associations, with logins, logouts and roaming between every write: the
  // snapshot must be exactly the state at its cursor (each association once), and snapshot plus
  // the events after it must give the final state.
  for (int i = 0; i < 300; ++i) Establish("h" + std::to_string(i), "g" + std::to_string(i));
  std::mt19937 rng(7);
  int changes = 0;
  FakeWriter writer;
  writer.on_write = [&](const v1::AssociationEvent&) {
    if (changes >= 400) return;
    ++changes;
    // Each change writes at least one event, so the chain of writes goes on to 400 changes.
    int h = std::uniform_int_distribution<int>(0, 349)(rng);
    int g = std::uniform_int_distribution<int>(0, 299)(rng);
    auto state = State();
    switch (changes % 3) {
      case 0: {  // logout of someone there now (listed already, or not yet)
        auto it = state.begin();
        std::advance(it, std::uniform_int_distribution<size_t>(0, state.size() - 1)(rng));
        Cancel(it->first);
        break;
      }
      case 1:  // a new guest at a host, replacing whoever is there
        Establish("h" + std::to_string(h), "r" + std::to_string(changes));
        break;
      default:  // a guest roams to a new host
        Establish("n" + std::to_string(changes), "g" + std::to_string(g));
        break;
    }
  };
  WatchCommand cmd;
  cmd.include_snapshot = true;
  auto s = Watch(cmd, &writer, 8);
  ASSERT_EQ(changes, 400);
  std::map<std::string, std::string> snapshot;
  std::string position;
  size_t i = 0;
  for (; i < writer.written.size(); ++i) {
    const auto& e = writer.written[i];
    if (e.type() == v1::EVENT_TYPE_SNAPSHOT_COMPLETE) {
      position = e.cursor();
      break;
    }
    ASSERT_TRUE(e.snapshot());
    EXPECT_TRUE(snapshot.emplace(e.association().host(), e.association().guest()).second)
        << "twice: " << e.association().host();
  }
  ASSERT_FALSE(position.empty());
  // The state at the snapshot's cursor, by replaying the log up to it.
  std::map<std::string, std::string> at;
  for (const auto& e : Log()) {
    if (*StreamId::Parse(e->cursor()) > *StreamId::Parse(position)) break;
    if (e->type() == v1::EVENT_TYPE_ESTABLISHED)
      at[e->association().host()] = e->association().guest();
    else
      at.erase(e->association().host());
  }
  EXPECT_EQ(snapshot, at);
  // Snapshot, then every event after it, is the state now.
  std::map<std::string, std::string> now = snapshot;
  for (++i; i < writer.written.size(); ++i) {
    const auto& e = writer.written[i];
    EXPECT_GT(*StreamId::Parse(e.cursor()), *StreamId::Parse(position));
    if (e.type() == v1::EVENT_TYPE_ESTABLISHED)
      now[e.association().host()] = e.association().guest();
    else
      now.erase(e.association().host());
  }
  EXPECT_EQ(now, State());
  s->End(absl::CancelledError("done"));
}

TEST_F(WatchSessionTest, WritesFromOtherThreadsArriveInOrderOneAtATime) {
  // gRPC completes writes on its own threads while commits wake the session from others.
  FakeWriter writer;
  writer.hold = true;
  auto s = Watch(WatchCommand{}, &writer);
  std::atomic<bool> stop{false};
  std::thread completer([&] {
    while (!stop) {
      if (writer.WaitFor([&] { return writer.out == 1 || stop; }) && !stop) writer.Complete(true);
    }
  });
  std::vector<std::thread> committers;
  for (int t = 0; t < 3; ++t)
    committers.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i)
        Establish("h" + std::to_string(t) + "-" + std::to_string(i), "g" + std::to_string(t) +
                                                                         "-" + std::to_string(i));
    });
  for (auto& c : committers) c.join();
  ASSERT_TRUE(writer.WaitFor([&] { return writer.written.size() == 600; }));
  stop = true;
  writer.cv.notify_all();
  completer.join();
  auto log = Log();
  ASSERT_EQ(log.size(), 600u);
  for (size_t i = 0; i < 600; ++i) EXPECT_EQ(writer.written[i].cursor(), log[i]->cursor()) << i;
  s->End(absl::CancelledError("done"));
  s->OnDone();
}

TEST_F(WatchSessionTest, NothingIsWrittenAfterOnDone) {
  FakeWriter writer;
  writer.done_on_close = false;
  auto s = Watch(WatchCommand{}, &writer);
  s->OnDone();  // e.g. the call ended underneath
  Establish("h", "g");
  s->End(absl::CancelledError("late"));
  EXPECT_EQ(writer.count(), 0u);
  EXPECT_FALSE(writer.closed);
  EXPECT_EQ(hub_.CountsOf("acme").subscriptions, 0u);
}

}  // namespace
}  // namespace hotdesk
