// RedisStore's expiry work list against a real redis-server: what a sweep costs, what an
// Establish does when the list cannot be written, and reconciliation.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <future>
#include <map>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/keyspace/redis_keys.h"
#include "services/store/redis/redis_store.h"
#include "tests/support/processes.h"
#include "tests/support/async.h"

namespace hotdesk {
namespace {

using ::testing::HasSubstr;

using ::hotdesk::testing::Wait;

absl::Time Soon() { return absl::Now() + absl::Seconds(10); }

// Calls per command since the last reset (INFO commandstats), without INFO itself and PING.
std::map<std::string, int64_t> CommandCalls(testing::RedisServer& redis) {
  std::map<std::string, int64_t> out;
  for (absl::string_view line : absl::StrSplit(redis.Cmd({"INFO", "commandstats"}), '\n')) {
    // cmdstat_evalsha:calls=3,usec=...
    if (!absl::ConsumePrefix(&line, "cmdstat_")) continue;
    std::string name(line.substr(0, line.find(':')));
    line.remove_prefix(line.find("calls=") + 6);
    int64_t calls = 0;
    if (!absl::SimpleAtoi(line.substr(0, line.find(',')), &calls)) continue;
    if (name != "info" && name != "ping" && name != "config|resetstat") out[name] = calls;
  }
  return out;
}

int64_t Total(const std::map<std::string, int64_t>& calls) {
  int64_t n = 0;
  for (const auto& [name, c] : calls) n += c;
  return n;
}

std::string Describe(const std::map<std::string, int64_t>& calls) {
  std::string s;
  for (const auto& [name, c] : calls) absl::StrAppend(&s, name, "=", c, " ");
  return s;
}

class RedisStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(redis_.Start()); }
  void TearDown() override { Stop(); }

  // A store on its own client, as `user` (empty: the default user).
  void Make(const std::string& user = "", const std::string& password = "") {
    Stop();
    RedisConfig rc;
    rc.port = redis_.port();
    rc.username = user;
    rc.password = password;
    client_ = std::make_unique<RedisClient>(rc);
    client_->Start();
    for (int i = 0; i < 500 && !client_->Healthy(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    ASSERT_TRUE(client_->Healthy());
    store_ = std::make_unique<RedisStore>(client_.get(), RedisStoreOptions{});
  }
  void Stop() {
    if (store_) store_->Stop();
    store_.reset();
    if (client_) client_->Stop();
    client_.reset();
  }

  EstablishCommand Login(const std::string& tenant, const std::string& host,
                         const std::string& guest, int64_t limit_ms = 0) {
    EstablishCommand c;
    c.tenant = tenant;
    c.host = host;
    c.guest = guest;
    c.limit_ms = limit_ms;
    return c;
  }
  absl::StatusOr<v1::EstablishResponse> Establish(const EstablishCommand& c) {
    return Wait<v1::EstablishResponse>([&](auto d) { store_->Establish(c, Soon(), d); });
  }
  absl::StatusOr<std::vector<v1::CancelResponse>> Sweep() {
    return Wait<std::vector<v1::CancelResponse>>([&](auto d) { store_->SweepExpired(Soon(), d); });
  }
  // Waits until Redis's clock has passed `a`'s expiry (expiry is Redis time).
  void WaitUntilDue(const v1::Association& a) {
    int64_t due = a.expire_time().seconds() * 1000 + a.expire_time().nanos() / 1000000;
    for (int i = 0; i < 1000; ++i) {
      std::vector<std::string> t = absl::StrSplit(redis_.Cmd({"TIME"}), ' ');
      int64_t now = std::stoll(t[0]) * 1000 + std::stoll(t[1]) / 1000;
      if (now > due) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    FAIL() << "Redis time never reached the expiry";
  }
  // Sweeps until `host` of `tenant` is expired (or 5 s pass); the sweeps' results.
  std::vector<v1::CancelResponse> SweepUntilExpired(const std::string& tenant,
                                                    const std::string& host) {
    std::vector<v1::CancelResponse> all;
    for (int i = 0; i < 100; ++i) {
      auto n = Sweep();
      EXPECT_TRUE(n.ok()) << n.status();
      if (!n.ok()) break;
      for (auto& e : *n) {
        bool mine = e.association().tenant() == tenant && e.association().host() == host;
        all.push_back(std::move(e));
        if (mine) return all;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return all;
  }
  std::string HostRecord(const std::string& tenant, const std::string& host) {
    return redis_.Cmd({"HGET", keys_.ByHost(tenant), host});
  }

  testing::RedisServer redis_;
  RedisKeys keys_{"hotdesk"};
  std::unique_ptr<RedisClient> client_;
  std::unique_ptr<RedisStore> store_;
};

TEST_F(RedisStoreTest, SweepCostsOnlyTheTenantsWithSomethingDue) {
  Make();
  // 1,000 idle tenants: half with an expiry an hour away, half with no limit at all.
  for (int i = 0; i < 1000; ++i) {
    auto r = Establish(Login(absl::StrCat("idle-", i), "h", "g", i % 2 ? 3600 * 1000 : 0));
    ASSERT_TRUE(r.ok()) << r.status();
  }
  // The first sweep of a process also reconciles (one read per tenant); sweeps after it do
  // not. A first expiry loads the scripts, so that what is counted below is steady state.
  auto warm = Establish(Login("warm", "h1", "g1", 50));
  ASSERT_TRUE(warm.ok()) << warm.status();
  WaitUntilDue(warm->association());
  ASSERT_FALSE(SweepUntilExpired("warm", "h1").empty());
  auto due = Establish(Login("busy", "h1", "g1", 50));
  ASSERT_TRUE(due.ok()) << due.status();

  // Commands counted include those the scripts run inside Redis.
  ASSERT_EQ(redis_.Cmd({"CONFIG", "RESETSTAT"}), "OK");
  auto none = Sweep();
  ASSERT_TRUE(none.ok()) << none.status();
  auto calls = CommandCalls(redis_);
  // Nothing due yet: one script (the claim) reading the work list.
  EXPECT_EQ(calls["evalsha"] + calls["eval"], 1) << Describe(calls);
  EXPECT_LE(Total(calls), 3) << Describe(calls);

  WaitUntilDue(due->association());
  ASSERT_EQ(redis_.Cmd({"CONFIG", "RESETSTAT"}), "OK");
  auto swept = Sweep();
  ASSERT_TRUE(swept.ok()) << swept.status();
  calls = CommandCalls(redis_);
  ASSERT_EQ(swept->size(), 1u);
  EXPECT_EQ((*swept)[0].association().tenant(), "busy");
  // Claim, the one tenant's sweep, release: three scripts, whatever the number of idle tenants
  // (sweeping every tenant would be over a thousand).
  EXPECT_EQ(calls["evalsha"] + calls["eval"], 3) << Describe(calls);
  EXPECT_LE(Total(calls), 25) << Describe(calls);
  EXPECT_EQ(HostRecord("busy", "h1"), "(nil)");
  // The tenant has nothing left to expire, so it left the work list; the idle ones wait there.
  EXPECT_EQ(redis_.Cmd({"ZSCORE", keys_.Due(), "busy"}), "(nil)");
  EXPECT_EQ(redis_.Cmd({"ZCARD", keys_.Due()}), "500");
}

TEST_F(RedisStoreTest, UnscheduledExpiryFailsTheEstablishAndItsRetrySchedulesIt) {
  // A user that may write the tenants' keys and the tenants set, but not the due set.
  ASSERT_EQ(redis_.Cmd({"ACL", "SETUSER", "store", "on", ">pw", "~hotdesk:{*", "~hotdesk:tenants",
                        "&*", "+@all"}),
            "OK");
  Make("store", "pw");
  auto c = Login("acme", "h1", "g1", 200);
  c.request_id = "req-1";
  auto first = Establish(c);
  ASSERT_EQ(first.status().code(), absl::StatusCode::kUnavailable) << first.status();
  EXPECT_THAT(std::string(first.status().message()), HasSubstr("same request_id"));
  // The association itself was committed (with its event); only its expiry is missing.
  EXPECT_NE(HostRecord("acme", "h1"), "(nil)");
  EXPECT_EQ(redis_.Cmd({"ZSCORE", keys_.Due(), "acme"}), "(nil)");

  ASSERT_EQ(redis_.Cmd({"ACL", "SETUSER", "store", "~hotdesk:due"}), "OK");
  auto retry = Establish(c);
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_FALSE(retry->cursor().empty());
  EXPECT_NE(redis_.Cmd({"ZSCORE", keys_.Due(), "acme"}), "(nil)");
  // Only the one ESTABLISHED event: the retry replayed the first result.
  EXPECT_EQ(redis_.Cmd({"XLEN", keys_.Events("acme")}), "1");

  WaitUntilDue(retry->association());
  auto swept = SweepUntilExpired("acme", "h1");
  ASSERT_FALSE(swept.empty());
  EXPECT_EQ(swept.back().association().host(), "h1");
  EXPECT_EQ(swept.back().association().guest(), "g1");
  EXPECT_EQ(HostRecord("acme", "h1"), "(nil)");
}

TEST_F(RedisStoreTest, UnlistedTenantFailsTheEstablishAndChangesNothing) {
  ASSERT_EQ(redis_.Cmd({"ACL", "SETUSER", "store", "on", ">pw", "~hotdesk:{*", "~hotdesk:due", "&*",
                        "+@all"}),
            "OK");
  Make("store", "pw");
  auto r = Establish(Login("acme", "h1", "g1", 3600 * 1000));
  ASSERT_EQ(r.status().code(), absl::StatusCode::kUnavailable) << r.status();
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("nothing was changed"));
  EXPECT_EQ(HostRecord("acme", "h1"), "(nil)");
  EXPECT_EQ(redis_.Cmd({"XLEN", keys_.Events("acme")}), "0");

  ASSERT_EQ(redis_.Cmd({"ACL", "SETUSER", "store", "~hotdesk:tenants"}), "OK");
  ASSERT_TRUE(Establish(Login("acme", "h1", "g1", 3600 * 1000)).ok());
  EXPECT_EQ(redis_.Cmd({"SISMEMBER", keys_.Tenants(), "acme"}), "1");
}

TEST_F(RedisStoreTest, ExpiryWhoseWorkListEntryWasLostIsSweptAfterReconciliation) {
  Make();
  ASSERT_TRUE(Sweep().ok());  // this process's first reconciliation is behind it
  auto r = Establish(Login("acme", "h1", "g1", 100));
  ASSERT_TRUE(r.ok()) << r.status();
  // Lost (a failover, an operator): the association is due, but nothing says so.
  ASSERT_EQ(redis_.Cmd({"ZREM", keys_.Due(), "acme"}), "1");
  WaitUntilDue(r->association());
  auto n = Sweep();
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_TRUE(n->empty());
  EXPECT_NE(HostRecord("acme", "h1"), "(nil)");

  auto reconciled = Wait<bool>([&](Done<bool> d) {
    store_->ReconcileExpiry(Soon(), [d](absl::Status s) {
      if (!s.ok()) return d(s);
      d(true);
    });
  });
  ASSERT_TRUE(reconciled.ok()) << reconciled.status();
  auto swept = SweepUntilExpired("acme", "h1");
  ASSERT_FALSE(swept.empty());
  EXPECT_EQ(swept.back().association().host(), "h1");
  EXPECT_EQ(HostRecord("acme", "h1"), "(nil)");
}

TEST_F(RedisStoreTest, DataFromBeforeTheWorkListIsSweptByANewProcess) {
  Make();
  auto r = Establish(Login("acme", "h1", "g1", 100));
  ASSERT_TRUE(r.ok()) << r.status();
  // What an older hotdesk left: the tenant and its expiry index, no due set.
  ASSERT_EQ(redis_.Cmd({"DEL", keys_.Due()}), "1");
  WaitUntilDue(r->association());
  Make();  // the upgraded replica starts
  auto swept = SweepUntilExpired("acme", "h1");
  ASSERT_FALSE(swept.empty());
  EXPECT_EQ(swept.back().association().host(), "h1");
}

TEST_F(RedisStoreTest, AnEarlierExpiryScheduledDuringASweepIsKept) {
  Make();
  ASSERT_TRUE(Sweep().ok());
  // A tenant claimed by another replica's sweep (its claim far off), then an Establish with an
  // earlier expiry: the earlier one wins, so the claim does not delay it.
  ASSERT_TRUE(Establish(Login("acme", "h1", "g1", 3600 * 1000)).ok());
  ASSERT_EQ(redis_.Cmd({"ZADD", keys_.Due(), "99999999999999.5", "acme"}), "0");
  auto r = Establish(Login("acme", "h2", "g2", 100));
  ASSERT_TRUE(r.ok());
  WaitUntilDue(r->association());
  auto swept = SweepUntilExpired("acme", "h2");
  ASSERT_FALSE(swept.empty());
  EXPECT_EQ(swept.back().association().host(), "h2");
  // Released with the next expiry (h1's, an hour away), not left at the claim.
  std::vector<std::string> next =
      absl::StrSplit(redis_.Cmd({"ZRANGE", keys_.Expiry("acme"), "0", "0", "WITHSCORES"}), ' ');
  ASSERT_EQ(next.size(), 2u);
  EXPECT_EQ(next[0], "h1");
  EXPECT_EQ(redis_.Cmd({"ZSCORE", keys_.Due(), "acme"}), next[1]);
}

}  // namespace
}  // namespace hotdesk
