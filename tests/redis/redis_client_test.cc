// The Redis client against real redis-server processes: the faults every deployment meets
// (a restart that spends seconds loading, a wrong password, a demoted primary, a stalled
// process, a kill -9) and the three modes (one Redis, Sentinel, Cluster) with their failovers,
// redirects and subscriptions.
#include "services/redis/redis_client.h"

#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include <algorithm>
#include <condition_variable>
#include <regex>
#include <future>
#include <mutex>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "tests/support/processes.h"
#include "tests/support/redis_topologies.h"

namespace hotdesk {
namespace {

using testing::RedisClusterProcesses;
using testing::RedisSentinelProcesses;
using testing::RedisServer;

// Waits for `pred` up to `timeout`, polling; true when it held.
template <typename Pred>
bool WaitFor(Pred pred, absl::Duration timeout) {
  absl::Time end = absl::Now() + timeout;
  while (absl::Now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return pred();
}

struct Result {
  absl::Status status;
  std::string text;  // string/status/integer reply as text
};

Result Call(RedisClient& c, std::vector<std::string> argv,
           absl::Duration timeout = absl::Seconds(5)) {
  std::promise<Result> p;
  c.Command(std::move(argv), absl::Now() + timeout, [&](absl::StatusOr<const redisReply*> r) {
    Result res;
    if (!r.ok()) {
      res.status = r.status();
    } else {
      res.text = ReplyString(*r);
    }
    p.set_value(res);
  });
  return p.get_future().get();
}

Result RunScript(RedisClient& c, const RedisScript& s, std::vector<std::string> keys,
                 std::vector<std::string> args, RedisClient::Write write = RedisClient::Write::kNo,
                 absl::Duration timeout = absl::Seconds(5)) {
  std::promise<Result> p;
  c.Eval(
      s, std::move(keys), std::move(args), absl::Now() + timeout,
      [&](absl::StatusOr<const redisReply*> r) {
        Result res;
        if (!r.ok()) {
          res.status = r.status();
        } else {
          res.text = ReplyString(*r);
        }
        p.set_value(res);
      },
      write);
  return p.get_future().get();
}

// A command on a fresh connection with a password (the test's own view of Redis).
std::string AuthedCmd(int port, const std::string& password, std::vector<std::string> argv) {
  redisContext* c = redisConnect("127.0.0.1", port);
  if (!c || c->err) {
    if (c) redisFree(c);
    return "(unreachable)";
  }
  auto* a = static_cast<redisReply*>(redisCommand(c, "AUTH %s", password.c_str()));
  if (a) freeReplyObject(a);
  std::vector<const char*> p;
  std::vector<size_t> l;
  for (const auto& s : argv) {
    p.push_back(s.data());
    l.push_back(s.size());
  }
  auto* r =
      static_cast<redisReply*>(redisCommandArgv(c, static_cast<int>(p.size()), p.data(), l.data()));
  std::string out = r ? ReplyString(r) : "(error)";
  if (r) freeReplyObject(r);
  redisFree(c);
  return out;
}

// The primary's replicas have everything it wrote (offsets equal).
bool Replicated(RedisServer& primary) {
  std::string info = primary.Cmd({"INFO", "replication"});
  std::smatch m;
  if (!std::regex_search(info, m, std::regex("master_repl_offset:(\\d+)"))) return false;
  std::string master = m[1];
  if (!std::regex_search(info, m, std::regex("slave0:.*offset=(\\d+)"))) return false;
  return m[1] == master;
}

RedisConfig Single(int port) {
  RedisConfig c;
  c.port = port;
  c.stall_timeout = absl::Milliseconds(800);
  return c;
}

class Recorder : public RedisSubscriber {
 public:
  void OnSubscribed() override {
    std::lock_guard<std::mutex> l(mu);
    ++subscribed;
    active = true;
  }
  void OnMessage(const std::string& payload) override {
    std::lock_guard<std::mutex> l(mu);
    messages.push_back(payload);
  }
  void OnInterrupted() override {
    std::lock_guard<std::mutex> l(mu);
    ++interrupted;
    active = false;
  }
  int Subscribed() {
    std::lock_guard<std::mutex> l(mu);
    return subscribed;
  }
  bool Active() {
    std::lock_guard<std::mutex> l(mu);
    return active;
  }
  bool Got(const std::string& m) {
    std::lock_guard<std::mutex> l(mu);
    return std::find(messages.begin(), messages.end(), m) != messages.end();
  }
  std::mutex mu;
  int subscribed = 0, interrupted = 0;
  bool active = false;
  std::vector<std::string> messages;
};

// ---- one Redis: faults ----

// The reported failure: a Redis restart that spends seconds loading its data left hotdesk
// NOT_SERVING for good (the failed handshake was never retried).
TEST(RedisClientFaults, RestartThatSpendsSecondsLoadingIsServedAgainPromptly) {
  // key-load-delay slows loading (µs per key) so the restart really spends seconds in LOADING;
  // a small event interval lets Redis answer (-LOADING) meanwhile.
  RedisServer redis({"--key-load-delay", "30", "--loading-process-events-interval-bytes", "1024"});
  ASSERT_TRUE(redis.Start());
  {
    redisContext* c = redisConnect("127.0.0.1", redis.port());
    ASSERT_TRUE(c && !c->err);
    for (int i = 0; i < 80000; ++i) redisAppendCommand(c, "SET filler:%d %d", i, i);
    for (int i = 0; i < 80000; ++i) {
      void* r = nullptr;
      ASSERT_EQ(redisGetReply(c, &r), REDIS_OK);
      freeReplyObject(r);
    }
    redisFree(c);
  }
  ASSERT_EQ(redis.Cmd({"SET", "k", "v"}), "OK");
  ASSERT_EQ(redis.Cmd({"SAVE"}), "OK");

  RedisClient client(Single(redis.port()));
  client.Start();
  ASSERT_TRUE(WaitFor([&] { return client.Healthy(); }, absl::Seconds(5)));
  ASSERT_EQ(Call(client, {"GET", "k"}).text, "v");

  ASSERT_TRUE(redis.Restart(/*wait_ready=*/false));
  // Redis is up but loading: the client must not serve from it.
  ASSERT_EQ(redis.Cmd({"PING"}).rfind("LOADING", 0), 0u) << "the restart loaded too fast to test";
  ASSERT_TRUE(WaitFor([&] { return !client.Healthy(); }, absl::Seconds(3)));
  Result during = Call(client, {"GET", "k"});
  EXPECT_EQ(during.status.code(), absl::StatusCode::kUnavailable) << during.status;

  // Redis finishes loading; the client serves again within a second or two of that.
  ASSERT_TRUE(WaitFor([&] { return redis.Cmd({"PING"}) == "PONG"; }, absl::Seconds(60)));
  absl::Time loaded = absl::Now();
  ASSERT_TRUE(WaitFor([&] { return client.Healthy(); }, absl::Seconds(5)));
  EXPECT_LT(absl::Now() - loaded, absl::Seconds(2));
  EXPECT_EQ(Call(client, {"GET", "k"}).text, "v");
}

TEST(RedisClientFaults, AuthenticationFailureIsRetriedWithBackoff) {
  RedisServer redis({"--requirepass", "right"});
  ASSERT_TRUE(redis.Start());
  RedisConfig cfg = Single(redis.port());
  cfg.password = "later";
  RedisClient client(cfg);
  client.Start();
  // WRONGPASS on every attempt: never healthy, requests fail UNAVAILABLE naming the cause.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_FALSE(client.Healthy());
  Result r = Call(client, {"PING"});
  EXPECT_EQ(r.status.code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(r.status.message().find("AUTH"), std::string::npos) << r.status;
  // The operator fixes the password: the client connects on its next attempt (backoff ≤ 1 s).
  ASSERT_EQ(AuthedCmd(redis.port(), "right", {"CONFIG", "SET", "requirepass", "later"}), "OK");
  ASSERT_TRUE(WaitFor([&] { return client.Healthy(); }, absl::Seconds(3)));
  EXPECT_EQ(Call(client, {"PING"}).text, "PONG");
}

// The reported failure: a primary demoted to a replica (what a failover does to the old
// primary) kept health SERVING while every write failed READONLY.
TEST(RedisClientFaults, DemotedPrimaryIsNotServedAndIsServedAgainWhenPromoted) {
  RedisServer a, b;
  ASSERT_TRUE(a.Start());
  ASSERT_TRUE(b.Start());
  RedisClient client(Single(a.port()));
  client.Start();
  ASSERT_TRUE(WaitFor([&] { return client.Healthy(); }, absl::Seconds(5)));
  ASSERT_EQ(Call(client, {"SET", "k", "1"}).text, "OK");

  ASSERT_EQ(a.Cmd({"REPLICAOF", "127.0.0.1", std::to_string(b.port())}), "OK");
  // Noticed without any write (the idle connections ask ROLE).
  ASSERT_TRUE(WaitFor([&] { return !client.Healthy(); }, absl::Seconds(4)));
  Result w = Call(client, {"SET", "k", "2"});
  EXPECT_EQ(w.status.code(), absl::StatusCode::kUnavailable) << w.status;

  ASSERT_EQ(a.Cmd({"REPLICAOF", "NO", "ONE"}), "OK");
  ASSERT_TRUE(WaitFor([&] { return client.Healthy(); }, absl::Seconds(4)));
  EXPECT_EQ(Call(client, {"SET", "k", "3"}).text, "OK");
}

TEST(RedisClientFaults, ReadOnlyAnswerRetiresTheConnectionAndTheWriteIsNotRun) {
  RedisServer a, b;
  ASSERT_TRUE(a.Start());
  ASSERT_TRUE(b.Start());
  RedisConfig cfg = Single(a.port());
  cfg.failover_wait = absl::Seconds(3);
  RedisClient client(cfg);
  client.Start();
  ASSERT_TRUE(WaitFor([&] { return client.Healthy(); }, absl::Seconds(5)));
  // Demote, then write at once (before the ROLE probe): the write meets READONLY, waits for a
  // primary, and lands once `a` is promoted again — once.
  ASSERT_EQ(a.Cmd({"REPLICAOF", "127.0.0.1", std::to_string(b.port())}), "OK");
  std::thread promote([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    a.Cmd({"REPLICAOF", "NO", "ONE"});
  });
  Result w = Call(client, {"INCR", "counter"}, absl::Seconds(6));
  promote.join();
  EXPECT_TRUE(w.status.ok()) << w.status;
  EXPECT_EQ(a.Cmd({"GET", "counter"}), "1");
}

TEST(RedisClientFaults, StalledRedisDropsHealthAndRecovers) {
  RedisServer redis;
  ASSERT_TRUE(redis.Start());
  RedisClient client(Single(redis.port()));
  client.Start();
  ASSERT_TRUE(WaitFor([&] { return client.Healthy(); }, absl::Seconds(5)));
  redis.Pause();  // SIGSTOP: the socket stays open, nothing answers
  // keep-alive (1 s) + stall timeout (0.8 s) + margin
  EXPECT_TRUE(WaitFor([&] { return !client.Healthy(); }, absl::Seconds(5)));
  Result r = Call(client, {"PING"}, absl::Milliseconds(500));
  EXPECT_FALSE(r.status.ok());
  redis.Resume();
  ASSERT_TRUE(WaitFor([&] { return client.Healthy(); }, absl::Seconds(5)));
  EXPECT_EQ(Call(client, {"PING"}).text, "PONG");
}

TEST(RedisClientFaults, KilledRedisWithDataIsServedAgainAfterRestart) {
  RedisServer redis({"--appendonly", "yes", "--appendfsync", "always"});
  ASSERT_TRUE(redis.Start());
  RedisClient client(Single(redis.port()));
  client.Start();
  ASSERT_TRUE(WaitFor([&] { return client.Healthy(); }, absl::Seconds(5)));
  ASSERT_EQ(Call(client, {"SET", "durable", "yes"}).text, "OK");
  redis.Kill();
  ASSERT_TRUE(WaitFor([&] { return !client.Healthy(); }, absl::Seconds(3)));
  EXPECT_EQ(Call(client, {"GET", "durable"}).status.code(), absl::StatusCode::kUnavailable);
  ASSERT_TRUE(redis.Restart());
  ASSERT_TRUE(WaitFor([&] { return client.Healthy(); }, absl::Seconds(3)));
  EXPECT_EQ(Call(client, {"GET", "durable"}).text, "yes");
}

TEST(RedisClientFaults, ConnectionKilledByClientKillIsReplaced) {
  RedisServer redis;
  ASSERT_TRUE(redis.Start());
  RedisConfig cfg = Single(redis.port());
  cfg.client_name = "victim";
  RedisClient client(cfg);
  client.Start();
  ASSERT_TRUE(WaitFor([&] { return client.Healthy(); }, absl::Seconds(5)));
  redis.Cmd({"CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"});
  // Whatever was killed, the client is serving again shortly and requests succeed.
  ASSERT_TRUE(WaitFor([&] { return Call(client, {"PING"}).text == "PONG"; }, absl::Seconds(3)));
  EXPECT_TRUE(WaitFor([&] { return client.Healthy(); }, absl::Seconds(3)));
}

TEST(RedisClientFaults, ScriptsSurviveAScriptCacheFlush) {
  RedisServer redis;
  ASSERT_TRUE(redis.Start());
  RedisClient client(Single(redis.port()));
  client.Start();
  ASSERT_TRUE(WaitFor([&] { return client.Healthy(); }, absl::Seconds(5)));
  RedisScript s("return redis.call('INCR', KEYS[1])");
  EXPECT_EQ(RunScript(client, s, {"n"}, {}).text, "1");
  ASSERT_EQ(redis.Cmd({"SCRIPT", "FLUSH"}), "OK");
  EXPECT_EQ(RunScript(client, s, {"n"}, {}).text, "2");  // NOSCRIPT → EVAL, once
}

TEST(RedisClientFaults, SubscriptionIsReestablishedAfterARestart) {
  RedisServer redis;
  ASSERT_TRUE(redis.Start());
  RedisClient client(Single(redis.port()));
  client.Start();
  auto rec = std::make_shared<Recorder>();
  client.Subscribe("chan:{t}", rec);
  ASSERT_TRUE(WaitFor([&] { return rec->Active(); }, absl::Seconds(5)));
  redis.Cmd({"SPUBLISH", "chan:{t}", "one"});
  ASSERT_TRUE(WaitFor([&] { return rec->Got("one"); }, absl::Seconds(3)));
  redis.Kill();
  ASSERT_TRUE(WaitFor([&] { return !rec->Active(); }, absl::Seconds(3)));
  ASSERT_TRUE(redis.Restart());
  ASSERT_TRUE(WaitFor([&] { return rec->Active(); }, absl::Seconds(5)));
  EXPECT_EQ(rec->Subscribed(), 2);
  redis.Cmd({"SPUBLISH", "chan:{t}", "two"});
  EXPECT_TRUE(WaitFor([&] { return rec->Got("two"); }, absl::Seconds(3)));
  client.Unsubscribe("chan:{t}");
  EXPECT_TRUE(WaitFor([&] { return redis.Cmd({"PUBSUB", "SHARDNUMSUB", "chan:{t}"}) ==
                                   "chan:{t} 0"; },
                      absl::Seconds(3)));
}

TEST(RedisClientFaults, WaitOptionFailsWritesNoReplicaConfirmed) {
  RedisServer primary;
  ASSERT_TRUE(primary.Start());
  RedisServer replica;
  ASSERT_TRUE(replica.Start());
  ASSERT_EQ(replica.Cmd({"REPLICAOF", "127.0.0.1", std::to_string(primary.port())}), "OK");
  ASSERT_TRUE(WaitFor([&] { return primary.Cmd({"INFO", "replication"}).find("connected_slaves:1") !=
                                   std::string::npos &&
                                   primary.Cmd({"INFO", "replication"}).find("state=online") !=
                                   std::string::npos; },
                      absl::Seconds(10)));
  RedisConfig cfg = Single(primary.port());
  cfg.wait_replicas = 1;
  cfg.wait_timeout = absl::Milliseconds(300);
  RedisClient client(cfg);
  client.Start();
  ASSERT_TRUE(WaitFor([&] { return client.Healthy(); }, absl::Seconds(5)));
  RedisScript set("return redis.call('SET', KEYS[1], ARGV[1])");
  // With the replica reading, a write is confirmed. On a loaded machine one acknowledgement
  // can miss 300 ms, so this waits for a confirmed write rather than expecting the first.
  Result first;
  EXPECT_TRUE(WaitFor([&] {
    first = RunScript(client, set, {"w"}, {"confirmed"}, RedisClient::Write::kYes);
    return first.status.ok();
  }, absl::Seconds(10))) << first.status;
  EXPECT_EQ(first.text, "OK");
  replica.Pause();  // the replica stops acknowledging
  Result r = RunScript(client, set, {"w"}, {"unconfirmed"}, RedisClient::Write::kYes);
  EXPECT_EQ(r.status.code(), absl::StatusCode::kUnavailable) << r.status;
  EXPECT_NE(r.status.message().find("replicas"), std::string::npos) << r.status;
  // The write itself was made on the primary (only its confirmation failed) ...
  EXPECT_EQ(primary.Cmd({"GET", "w"}), "unconfirmed");
  // ... and reads and writes without the option are not held up.
  RedisScript incr("return redis.call('INCR', KEYS[1])");
  EXPECT_EQ(RunScript(client, incr, {"n"}, {}).text, "1");
  replica.Resume();
}

// ---- Sentinel ----

TEST(RedisClientSentinel, FollowsAFailoverAndKeepsItsSubscription) {
  RedisSentinelProcesses s;
  ASSERT_TRUE(s.Start());
  RedisConfig cfg;
  cfg.mode = RedisConfig::Mode::kSentinel;
  for (const auto& a : absl::StrSplit(s.Sentinels(), ','))
    cfg.nodes.push_back(*ParseNodeAddr(a));
  cfg.master_name = RedisSentinelProcesses::kMaster;
  cfg.failover_wait = absl::Seconds(5);
  RedisClient client(cfg);
  client.Start();
  ASSERT_TRUE(WaitFor([&] { return client.Healthy(); }, absl::Seconds(10)));
  int old_primary = s.PrimaryPort();
  ASSERT_EQ(client.Primaries().front().port, old_primary);
  auto rec = std::make_shared<Recorder>();
  client.Subscribe("ev:{t}", rec);
  ASSERT_TRUE(WaitFor([&] { return rec->Active(); }, absl::Seconds(5)));
  ASSERT_EQ(Call(client, {"INCR", "n"}).text, "1");
  // SENTINEL FAILOVER does not wait for the replica to catch up (asynchronous replication:
  // exactly how a failover loses writes); this test is about following, so let it catch up.
  ASSERT_TRUE(WaitFor([&] { return Replicated(s.data(s.IndexOfPort(old_primary))); },
                      absl::Seconds(5)));

  int new_primary = s.Failover(absl::Seconds(30));
  ASSERT_NE(new_primary, 0);
  ASSERT_TRUE(WaitFor([&] { return client.Primaries().front().port == new_primary; },
                      absl::Seconds(10)));
  EXPECT_EQ(Call(client, {"INCR", "n"}, absl::Seconds(8)).text, "2");
  EXPECT_TRUE(WaitFor([&] { return client.Healthy(); }, absl::Seconds(5)));
  ASSERT_TRUE(WaitFor([&] { return rec->Active() && rec->Subscribed() >= 2; }, absl::Seconds(5)));
  s.data(s.IndexOfPort(new_primary)).Cmd({"SPUBLISH", "ev:{t}", "after"});
  EXPECT_TRUE(WaitFor([&] { return rec->Got("after"); }, absl::Seconds(3)));
}

TEST(RedisClientSentinel, PrimaryKilledIsReplacedByThePromotedReplica) {
  RedisSentinelProcesses s;
  ASSERT_TRUE(s.Start());
  RedisConfig cfg;
  cfg.mode = RedisConfig::Mode::kSentinel;
  for (const auto& a : absl::StrSplit(s.Sentinels(), ','))
    cfg.nodes.push_back(*ParseNodeAddr(a));
  cfg.master_name = RedisSentinelProcesses::kMaster;
  RedisClient client(cfg);
  client.Start();
  ASSERT_TRUE(WaitFor([&] { return client.Healthy(); }, absl::Seconds(10)));
  ASSERT_EQ(Call(client, {"SET", "k", "v"}).text, "OK");
  // Let the replica have it before the primary dies.
  ASSERT_TRUE(WaitFor([&] { return s.data(1).Cmd({"GET", "k"}) == "v"; }, absl::Seconds(5)));
  int old_primary = s.PrimaryPort();
  s.data(s.IndexOfPort(old_primary)).Kill();
  ASSERT_TRUE(WaitFor([&] { return !client.Healthy(); }, absl::Seconds(5)));
  int new_primary = s.WaitNewPrimary(old_primary, absl::Seconds(30));
  ASSERT_NE(new_primary, 0);
  ASSERT_TRUE(WaitFor([&] { return client.Healthy(); }, absl::Seconds(10)));
  EXPECT_EQ(Call(client, {"GET", "k"}).text, "v");
}

// ---- Cluster ----

class RedisClientCluster : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    cluster_ = new RedisClusterProcesses();
    ASSERT_TRUE(cluster_->Start(3, 1));
  }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
  }
  RedisConfig Config() {
    RedisConfig cfg;
    cfg.mode = RedisConfig::Mode::kCluster;
    for (const auto& a : absl::StrSplit(cluster_->Seeds(), ','))
      cfg.nodes.push_back(*ParseNodeAddr(a));
    cfg.failover_wait = absl::Seconds(5);
    return cfg;
  }
  static RedisClusterProcesses* cluster_;
};
RedisClusterProcesses* RedisClientCluster::cluster_ = nullptr;

TEST_F(RedisClientCluster, RoutesEveryKeyToItsPrimaryAndLoadsScriptsPerNode) {
  RedisClient client(Config());
  client.Start();
  ASSERT_TRUE(WaitFor([&] { return client.Healthy(); }, absl::Seconds(10)));
  EXPECT_EQ(client.Primaries().size(), 3u);
  RedisScript s("return redis.call('INCR', KEYS[1])");
  for (int i = 0; i < 30; ++i) {
    std::string key = absl::StrCat("route:{t", i, "}:n");
    ASSERT_EQ(Call(client, {"SET", key, std::to_string(i)}).text, "OK") << key;
    EXPECT_EQ(RunScript(client, s, {key}, {}).text, std::to_string(i + 1)) << key;
    // Stored on the primary that owns the slot (asked directly, no redirects).
    int owner = cluster_->PrimaryIndexForKey(key);
    ASSERT_GE(owner, 0);
    EXPECT_EQ(cluster_->node(owner).Cmd({"GET", key}), std::to_string(i + 1)) << key;
  }
}

TEST_F(RedisClientCluster, FollowsMovedAndAskDuringASlotMigration) {
  RedisClient client(Config());
  client.Start();
  ASSERT_TRUE(WaitFor([&] { return client.Healthy(); }, absl::Seconds(10)));
  std::string key = "mig:{tenant-a}:k";
  ASSERT_EQ(Call(client, {"SET", key, "before"}).text, "OK");
  int from = cluster_->PrimaryIndexForKey(key);
  int to = -1;
  for (size_t i = 0; i < cluster_->size(); ++i) {
    if (static_cast<int>(i) != from && cluster_->ReplicaIndexOf(static_cast<int>(i)) >= 0) {
      to = static_cast<int>(i);
      break;
    }
  }
  ASSERT_GE(to, 0);
  int slot = std::stoi(cluster_->node(from).Cmd({"CLUSTER", "KEYSLOT", key}));
  std::string to_id = cluster_->node(to).Cmd({"CLUSTER", "MYID"});
  std::string from_id = cluster_->node(from).Cmd({"CLUSTER", "MYID"});
  // Half-way: importing/migrating set, the key moved, the slot not yet reassigned → ASK.
  ASSERT_EQ(cluster_->node(to).Cmd({"CLUSTER", "SETSLOT", std::to_string(slot), "IMPORTING",
                                    from_id}),
            "OK");
  ASSERT_EQ(cluster_->node(from).Cmd({"CLUSTER", "SETSLOT", std::to_string(slot), "MIGRATING",
                                      to_id}),
            "OK");
  ASSERT_EQ(cluster_->node(from).Cmd({"MIGRATE", "127.0.0.1",
                                      std::to_string(cluster_->node(to).port()), key, "0",
                                      "5000"}),
            "OK");
  EXPECT_EQ(Call(client, {"GET", key}).text, "before");  // ASK → ASKING + GET on `to`
  // Finish: the slot belongs to `to` → MOVED, and the client's map follows.
  ASSERT_TRUE(cluster_->MoveSlot(slot, to));
  EXPECT_EQ(Call(client, {"SET", key, "after"}).text, "OK");
  EXPECT_EQ(cluster_->node(to).Cmd({"GET", key}), "after");
  // Move it back for the other tests.
  ASSERT_TRUE(cluster_->MoveSlot(slot, from));
  EXPECT_EQ(Call(client, {"GET", key}).text, "after");
}

TEST_F(RedisClientCluster, SubscriptionFollowsItsSlot) {
  RedisClient client(Config());
  client.Start();
  ASSERT_TRUE(WaitFor([&] { return client.Healthy(); }, absl::Seconds(10)));
  std::string channel = "sub:{tenant-b}:ev";
  auto rec = std::make_shared<Recorder>();
  client.Subscribe(channel, rec);
  ASSERT_TRUE(WaitFor([&] { return rec->Active(); }, absl::Seconds(5)));
  int from = cluster_->PrimaryIndexForKey(channel);
  cluster_->node(from).Cmd({"SPUBLISH", channel, "one"});
  ASSERT_TRUE(WaitFor([&] { return rec->Got("one"); }, absl::Seconds(3)));
  int to = -1;
  for (size_t i = 0; i < cluster_->size(); ++i)
    if (static_cast<int>(i) != from && cluster_->ReplicaIndexOf(static_cast<int>(i)) >= 0)
      to = static_cast<int>(i);
  ASSERT_GE(to, 0);
  int slot = std::stoi(cluster_->node(from).Cmd({"CLUSTER", "KEYSLOT", channel}));
  ASSERT_TRUE(cluster_->MoveSlot(slot, to));
  // Redis drops the subscription (sunsubscribe); the client re-subscribes on the new owner.
  ASSERT_TRUE(WaitFor([&] { return rec->Active() && rec->Subscribed() >= 2; }, absl::Seconds(10)));
  cluster_->node(to).Cmd({"SPUBLISH", channel, "two"});
  EXPECT_TRUE(WaitFor([&] { return rec->Got("two"); }, absl::Seconds(3)));
  ASSERT_TRUE(cluster_->MoveSlot(slot, from));
}

TEST_F(RedisClientCluster, ManualFailoverIsFollowed) {
  RedisClient client(Config());
  client.Start();
  ASSERT_TRUE(WaitFor([&] { return client.Healthy(); }, absl::Seconds(10)));
  std::string key = "fo:{tenant-c}:n";
  ASSERT_EQ(Call(client, {"INCR", key}).text, "1");
  int primary = cluster_->PrimaryIndexForKey(key);
  int replica = cluster_->ReplicaIndexOf(primary);
  ASSERT_GE(replica, 0);
  ASSERT_TRUE(WaitFor([&] { return Replicated(cluster_->node(primary)); }, absl::Seconds(20)));
  ASSERT_EQ(cluster_->node(replica).Cmd({"CLUSTER", "FAILOVER"}), "OK");
  ASSERT_TRUE(WaitFor([&] { return cluster_->PrimaryIndexForKey(key) == replica; },
                      absl::Seconds(15)));
  EXPECT_EQ(Call(client, {"INCR", key}, absl::Seconds(8)).text, "2");
  EXPECT_TRUE(WaitFor([&] { return client.Healthy(); }, absl::Seconds(10)));
}

TEST_F(RedisClientCluster, PrimaryKilledIsReplacedAndServedAgain) {
  RedisClient client(Config());
  client.Start();
  ASSERT_TRUE(WaitFor([&] { return client.Healthy(); }, absl::Seconds(10)));
  std::string key = "kill:{tenant-d}:n";
  ASSERT_EQ(Call(client, {"SET", key, "x"}).text, "OK");
  int primary = cluster_->PrimaryIndexForKey(key);
  int replica = cluster_->ReplicaIndexOf(primary);
  ASSERT_GE(replica, 0);
  ASSERT_TRUE(WaitFor([&] { return Replicated(cluster_->node(primary)); }, absl::Seconds(5)));
  cluster_->node(primary).Kill();
  ASSERT_TRUE(WaitFor([&] { return !client.Healthy(); }, absl::Seconds(5)));
  ASSERT_TRUE(WaitFor([&] { return client.Healthy(); }, absl::Seconds(20)));
  EXPECT_EQ(Call(client, {"GET", key}, absl::Seconds(8)).text, "x");
  // The old primary comes back as a replica of the new one.
  ASSERT_TRUE(cluster_->node(primary).Restart());
  ASSERT_TRUE(cluster_->WaitHealthy(absl::Seconds(20)));
}

}  // namespace
}  // namespace hotdesk
