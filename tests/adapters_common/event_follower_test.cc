// The event follower against a real hotdesk-server process: memory store where only the stream
// matters, a real redis-server where restarts and the stream's retention do.
#include "adapters/common/event_follower.h"

#include <unistd.h>

#include <condition_variable>
#include <csignal>
#include <mutex>

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tests/support/processes.h"

namespace hotdesk::adapters {
namespace {

using hotdesk::testing::FreePort;
using hotdesk::testing::HotdeskServerProcess;
using hotdesk::testing::RedisServer;

constexpr absl::Duration kWait = absl::Seconds(15);
constexpr char kTenant[] = "t";

struct Seen {
  std::string key;
  v1::EventType type;
  std::string host, guest, cursor;
  bool resync;
};

// Records what a follower hands over; waits for conditions on it.
class Recorder {
 public:
  FollowerCallbacks Callbacks() {
    FollowerCallbacks cb;
    cb.on_event = [this](const Delivery& d) -> absl::Status {
      std::lock_guard<std::mutex> lock(mu_);
      if (fail_next_ > 0) {
        --fail_next_;
        ++failures_;
        return absl::UnavailableError("handler not ready");
      }
      seen_.push_back({d.key, d.event.type(), d.event.association().host(),
                       d.event.association().guest(), d.event.cursor(), d.resync});
      cv_.notify_all();
      return absl::OkStatus();
    };
    cb.on_baseline = [this](const std::vector<v1::Association>& all, const std::string& cursor) {
      std::lock_guard<std::mutex> lock(mu_);
      baselines_++;
      baseline_.clear();
      for (const auto& a : all) baseline_[a.host()] = a.guest();
      cv_.notify_all();
    };
    cb.on_reconnect = [this] {
      std::lock_guard<std::mutex> lock(mu_);
      reconnects_++;
    };
    cb.on_resync = [this](size_t n) {
      std::lock_guard<std::mutex> lock(mu_);
      resyncs_.push_back(n);
      cv_.notify_all();
    };
    return cb;
  }
  // The first `n` deliveries (fewer on timeout).
  std::vector<Seen> Wait(size_t n) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, absl::ToChronoNanoseconds(kWait), [&] { return seen_.size() >= n; });
    return seen_;
  }
  std::vector<Seen> seen() {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_;
  }
  void FailNext(int n) {
    std::lock_guard<std::mutex> lock(mu_);
    fail_next_ = n;
  }
  int failures() {
    std::lock_guard<std::mutex> lock(mu_);
    return failures_;
  }
  int baselines() {
    std::lock_guard<std::mutex> lock(mu_);
    return baselines_;
  }
  std::map<std::string, std::string> baseline() {
    std::lock_guard<std::mutex> lock(mu_);
    return baseline_;
  }
  int reconnects() {
    std::lock_guard<std::mutex> lock(mu_);
    return reconnects_;
  }
  // The resyncs reported (waits for the first one).
  std::vector<size_t> resyncs() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, absl::ToChronoNanoseconds(kWait), [&] { return !resyncs_.empty(); });
    return resyncs_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Seen> seen_;
  std::map<std::string, std::string> baseline_;
  int baselines_ = 0, reconnects_ = 0, failures_ = 0, fail_next_ = 0;
  std::vector<size_t> resyncs_;
};

class EventFollowerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = ::testing::TempDir() + "/follower_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name();
    unlink(path_.c_str());
  }
  void TearDown() override { unlink(path_.c_str()); }

  void StartServer(const std::string& redis_addr = "", std::vector<std::string> flags = {}) {
    ASSERT_TRUE(server_.Start(redis_addr, flags));
    stub_ = v1::Associations::NewStub(server_.Channel());
  }
  std::string Establish(const std::string& host, const std::string& guest) {
    v1::EstablishRequest req;
    req.set_tenant(kTenant);
    req.set_host(host);
    req.set_guest(guest);
    v1::EstablishResponse resp;
    grpc::ClientContext ctx;
    grpc::Status st = stub_->Establish(&ctx, req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return resp.cursor();
  }
  std::string Cancel(const std::string& host) {
    v1::CancelRequest req;
    req.set_tenant(kTenant);
    req.set_host(host);
    v1::CancelResponse resp;
    grpc::ClientContext ctx;
    grpc::Status st = stub_->Cancel(&ctx, req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return resp.cursor();
  }
  std::map<std::string, std::string> ServerState() {
    v1::ListAssociationsRequest req;
    req.set_tenant(kTenant);
    req.set_page_size(1000);
    v1::ListAssociationsResponse resp;
    grpc::ClientContext ctx;
    EXPECT_TRUE(stub_->ListAssociations(&ctx, req, &resp).ok());
    std::map<std::string, std::string> out;
    for (const auto& a : resp.associations()) out[a.host()] = a.guest();
    return out;
  }
  std::unique_ptr<EventFollower> Follow(CursorStore* store, Recorder* rec, FollowerOptions o = {}) {
    o.tenant = kTenant;
    o.backoff = {absl::Milliseconds(50), absl::Milliseconds(500)};
    auto f = std::make_unique<EventFollower>(server_.Channel(), store, o, rec->Callbacks());
    f->Start();
    return f;
  }

  std::string path_;
  HotdeskServerProcess server_;
  std::unique_ptr<v1::Associations::Stub> stub_;
};

TEST_F(EventFollowerTest, FirstStartIsABaselineThenEveryEventInOrder) {
  StartServer();
  Establish("h1", "g1");
  NullCursorStore store;
  Recorder rec;
  auto f = Follow(&store, &rec);
  ASSERT_TRUE(f->WaitSynced(kWait));
  EXPECT_EQ(rec.baselines(), 1);
  EXPECT_EQ(rec.baseline(), (std::map<std::string, std::string>{{"h1", "g1"}}));
  EXPECT_TRUE(rec.seen().empty());  // the baseline is not replayed as events
  std::string c1 = Establish("h2", "g2");
  std::string c2 = Cancel("h1");
  auto seen = rec.Wait(2);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].key, c1);
  EXPECT_EQ(seen[0].type, v1::EVENT_TYPE_ESTABLISHED);
  EXPECT_EQ(seen[0].host, "h2");
  EXPECT_EQ(seen[1].key, c2);
  EXPECT_EQ(seen[1].type, v1::EVENT_TYPE_CANCELLED);
  EXPECT_EQ(seen[1].host, "h1");
  EXPECT_FALSE(seen[1].resync);
  // Stored as delivered right after the handler returned.
  absl::Time end = absl::Now() + kWait;
  while (f->cursor() != c2 && absl::Now() < end) absl::SleepFor(absl::Milliseconds(5));
  EXPECT_EQ(f->cursor(), c2);
}

TEST_F(EventFollowerTest, RestartResumesAfterTheStoredCursorWithNothingRepeated) {
  StartServer();
  FileCursorStore store(path_);
  {
    Recorder rec;
    auto f = Follow(&store, &rec);
    ASSERT_TRUE(f->WaitSynced(kWait));
    Establish("h1", "g1");
    ASSERT_EQ(rec.Wait(1).size(), 1u);
    f->Stop();
  }
  // Changes while the adapter is down.
  std::string c2 = Establish("h2", "g2");
  std::string c3 = Cancel("h1");
  FileCursorStore reopened(path_);
  Recorder rec;
  auto f = Follow(&reopened, &rec);
  auto seen = rec.Wait(2);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].key, c2);
  EXPECT_EQ(seen[1].key, c3);
  EXPECT_EQ(rec.baselines(), 0);
  f->Stop();
  // What is stored is the last delivered event and the state after it.
  auto stored = FileCursorStore(path_).Load();
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->cursor, c3);
  EXPECT_TRUE(stored->known_complete);
  EXPECT_EQ(stored->known, ServerState());
  EXPECT_EQ(rec.seen().size(), 2u);
}

TEST_F(EventFollowerTest, ServerKilledMidStreamLosesAndRepeatsNothing) {
  RedisServer redis;
  ASSERT_TRUE(redis.Start());
  int port = FreePort();
  const std::vector<std::string> flags = {"--listen=127.0.0.1:" + std::to_string(port)};
  StartServer(redis.addr(), flags);
  HotdeskServerProcess other;  // a second replica takes the changes while the first is down
  ASSERT_TRUE(other.Start(redis.addr()));
  auto other_stub = v1::Associations::NewStub(other.Channel());
  NullCursorStore store;
  Recorder rec;
  auto f = Follow(&store, &rec);
  ASSERT_TRUE(f->WaitSynced(kWait));
  std::vector<std::string> want = {Establish("h1", "g1")};
  ASSERT_EQ(rec.Wait(1).size(), 1u);
  server_.process().Stop(SIGKILL);
  stub_ = std::move(other_stub);
  want.push_back(Establish("h2", "g2"));
  want.push_back(Cancel("h1"));
  ASSERT_TRUE(server_.Start(redis.addr(), flags));
  // A new channel shares gRPC's subchannel to that address, which saw the server down: a
  // fail-fast call fails until its reconnect backoff has run (seconds under TSan). Wait for it.
  auto channel = server_.Channel();
  ASSERT_TRUE(channel->WaitForConnected(absl::ToChronoTime(absl::Now() + absl::Seconds(60))));
  stub_ = v1::Associations::NewStub(channel);
  want.push_back(Establish("h3", "g3"));
  auto seen = rec.Wait(want.size());
  ASSERT_EQ(seen.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(seen[i].key, want[i]) << i;
  EXPECT_GE(rec.reconnects(), 1);
  EXPECT_EQ(rec.baselines(), 1);
  other.Stop();
}

TEST_F(EventFollowerTest, TrimmedCursorResyncsAndDeliversOnlyTheDifferences) {
  RedisServer redis;
  ASSERT_TRUE(redis.Start());
  // Small stream nodes so that MAXLEN ~ trims at a fine grain.
  redis.Cmd({"CONFIG", "SET", "stream-node-max-entries", "5"});
  StartServer(redis.addr(), {"--stream_retention=10"});
  Establish("h1", "g1");
  Establish("h2", "g2");
  Establish("h4", "g4");
  {
    FileCursorStore store(path_);
    Recorder rec;
    auto f = Follow(&store, &rec);
    ASSERT_TRUE(f->WaitSynced(kWait));
    ASSERT_EQ(rec.baseline().size(), 3u);
  }
  // A fresh replica: one that kept following the tenant would still hold the events in memory
  // and hand them over (rightly so), and nothing would need a resync.
  server_.Stop();
  StartServer(redis.addr(), {"--stream_retention=10"});
  // While the adapter is away: h1 ends, h2 gets another guest, h3 starts, h4 unchanged, and
  // enough churn that the stream no longer holds the adapter's cursor.
  Cancel("h1");
  Establish("h2", "g9");
  Establish("h3", "g3");
  for (int i = 0; i < 60; ++i) {
    Establish("churn", "c" + std::to_string(i));
    Cancel("churn");
  }
  FileCursorStore store(path_);
  Recorder rec;
  auto f = Follow(&store, &rec);
  auto seen = rec.Wait(4);
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(rec.baselines(), 0);
  ASSERT_EQ(rec.resyncs(), std::vector<size_t>{4});
  std::vector<std::tuple<v1::EventType, std::string, std::string>> got;
  for (const auto& s : seen) {
    EXPECT_TRUE(s.resync);
    got.emplace_back(s.type, s.host, s.guest);
  }
  EXPECT_EQ(got, (std::vector<std::tuple<v1::EventType, std::string, std::string>>{
                     {v1::EVENT_TYPE_CANCELLED, "h1", "g1"},
                     {v1::EVENT_TYPE_CANCELLED, "h2", "g2"},
                     {v1::EVENT_TYPE_ESTABLISHED, "h2", "g9"},
                     {v1::EVENT_TYPE_ESTABLISHED, "h3", "g3"}}));
  EXPECT_EQ(seen[0].key, seen[0].cursor + ".1");
  EXPECT_EQ(seen[3].key, seen[0].cursor + ".4");
  // Then it follows live from the snapshot's position.
  std::string live = Establish("h5", "g5");
  seen = rec.Wait(5);
  ASSERT_EQ(seen.size(), 5u);
  EXPECT_EQ(seen[4].key, live);
  EXPECT_FALSE(seen[4].resync);
  f->Stop();
  auto stored = FileCursorStore(path_).Load();
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->cursor, live);
  EXPECT_EQ(stored->known, ServerState());
}

TEST_F(EventFollowerTest, AFailingHandlerGetsTheSameEventAgain) {
  StartServer();
  FileCursorStore store(path_);
  Recorder rec;
  auto f = Follow(&store, &rec);
  ASSERT_TRUE(f->WaitSynced(kWait));
  std::string before = f->cursor();
  rec.FailNext(3);
  std::string c1 = Establish("h1", "g1");
  std::string c2 = Establish("h2", "g2");
  auto seen = rec.Wait(2);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(rec.failures(), 3);
  EXPECT_EQ(seen[0].key, c1);
  EXPECT_EQ(seen[1].key, c2);
}

TEST_F(EventFollowerTest, StopDuringAFailingHandlerDoesNotStoreTheEvent) {
  StartServer();
  FileCursorStore store(path_);
  Recorder rec;
  auto f = Follow(&store, &rec);
  ASSERT_TRUE(f->WaitSynced(kWait));
  std::string before = f->cursor();
  rec.FailNext(1000000);
  Establish("h1", "g1");
  absl::Time end = absl::Now() + kWait;
  while (rec.failures() == 0 && absl::Now() < end) absl::SleepFor(absl::Milliseconds(10));
  ASSERT_GT(rec.failures(), 0);
  f->Stop();
  EXPECT_EQ(FileCursorStore(path_).Load()->cursor, before);
}

TEST_F(EventFollowerTest, BareStartCursorAndRefusalEndRunWhenAsked) {
  StartServer();
  NullCursorStore store;
  Recorder rec;
  FollowerOptions o;
  o.tenant = "Not A Tenant";
  o.stop_on_refusal = true;
  EventFollower f(server_.Channel(), &store, o, rec.Callbacks());
  absl::Status s = f.Run();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_NE(s.message().find("tenant"), absl::string_view::npos) << s;
}

TEST_F(EventFollowerTest, StartCursorResumesWithoutABaseline) {
  StartServer();
  std::string c1 = Establish("h1", "g1");
  std::string c2 = Establish("h2", "g2");
  NullCursorStore store;
  Recorder rec;
  FollowerOptions o;
  o.start_cursor = c1;
  auto f = Follow(&store, &rec, o);
  auto seen = rec.Wait(1);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].key, c2);
  EXPECT_EQ(rec.baselines(), 0);
}

}  // namespace
}  // namespace hotdesk::adapters
