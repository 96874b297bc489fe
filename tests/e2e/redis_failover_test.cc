// hotdesk-server through a Redis failover, on real Sentinel and Cluster topologies on loopback:
// one writer sends Establish after Establish (a new host/guest pair each time) while a primary
// is failed over (SENTINEL FAILOVER, CLUSTER FAILOVER) or killed (kill -9). Each test asserts that
// writes resume through the same server without a restart, and prints what a client saw: the
// write outage (the longest time without a successful write, from the trigger on), the calls
// that failed meanwhile, and how many acknowledged writes the new primary does not have
// (asynchronous replication; zero is asserted only where it is promised: CLUSTER FAILOVER
// without FORCE waits for the replica to catch up, and --redis_wait_replicas acknowledges only
// what a replica has).
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "hotdesk/v1/associations.grpc.pb.h"
#include "tests/support/processes.h"
#include "tests/support/redis_topologies.h"

namespace hotdesk::testing {
namespace {

constexpr char kTenant[] = "failover";
const absl::Duration kResumeWithin = absl::Seconds(30);

struct Outcome {
  absl::Time start, end;
  bool ok;
  int64_t i;
};

// One call at a time, each a new pair (host-i, guest-i), so every acknowledged write leaves a
// field of its own in the tenant's by-host hash.
class Writer {
 public:
  explicit Writer(std::shared_ptr<grpc::Channel> channel)
      : stub_(v1::Associations::NewStub(channel)), thread_([this] { Run(); }) {}
  ~Writer() { Stop(); }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::vector<Outcome> outcomes() {
    std::lock_guard<std::mutex> lock(mu_);
    return outcomes_;
  }
  // Waits until writes have succeeded without a failure for `steady` after `since`.
  bool WaitSteady(absl::Time since, absl::Duration steady, absl::Duration timeout) {
    absl::Time end = absl::Now() + timeout;
    while (absl::Now() < end) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        absl::Time last_failure = since, first_ok = absl::InfiniteFuture();
        for (const auto& o : outcomes_) {
          if (o.start < since) continue;
          if (!o.ok) last_failure = std::max(last_failure, o.end);
        }
        for (const auto& o : outcomes_) {
          if (o.ok && o.start >= last_failure) first_ok = std::min(first_ok, o.end);
        }
        if (first_ok != absl::InfiniteFuture() && absl::Now() - first_ok >= steady) return true;
      }
      absl::SleepFor(absl::Milliseconds(20));
    }
    return false;
  }

 private:
  void Run() {
    for (int64_t i = 0; !stop_; ++i) {
      grpc::ClientContext ctx;
      ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(2)));
      v1::EstablishRequest req;
      req.set_tenant(kTenant);
      req.set_host(absl::StrCat("host-", i));
      req.set_guest(absl::StrCat("guest-", i));
      req.set_source(v1::SOURCE_API);
      v1::EstablishResponse resp;
      absl::Time start = absl::Now();
      grpc::Status s = stub_->Establish(&ctx, req, &resp);
      absl::Time end = absl::Now();
      {
        std::lock_guard<std::mutex> lock(mu_);
        outcomes_.push_back({start, end, s.ok(), i});
      }
      // A failing call returns at once: do not spin the CPU the failover needs.
      if (!s.ok()) absl::SleepFor(absl::Milliseconds(5));
    }
  }

  std::unique_ptr<v1::Associations::Stub> stub_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<Outcome> outcomes_;
  std::thread thread_;
};

struct Report {
  double outage_ms = 0;       // longest span without a successful write, from the trigger on
  int64_t failed = 0;         // calls that failed after the trigger
  int64_t acknowledged = 0;   // successful writes (whole run)
  int64_t missing = 0;        // acknowledged, but not on the new primary
  // When the missing writes were acknowledged, relative to the trigger (ms).
  double missing_from_ms = 0, missing_to_ms = 0;
};

Report Summarize(const std::vector<Outcome>& outcomes, absl::Time trigger,
                 const std::set<std::string>& hosts_on_primary) {
  Report r;
  absl::Time last_ok = trigger;
  absl::Duration longest = absl::ZeroDuration();
  for (const auto& o : outcomes) {
    if (o.ok) {
      ++r.acknowledged;
      if (hosts_on_primary.count(absl::StrCat("host-", o.i)) == 0) {
        double at = absl::ToDoubleMilliseconds(o.end - trigger);
        r.missing_from_ms = r.missing++ == 0 ? at : std::min(r.missing_from_ms, at);
        r.missing_to_ms = std::max(r.missing_to_ms, at);
      }
    }
    if (o.end < trigger) continue;
    if (!o.ok) {
      ++r.failed;
      continue;
    }
    longest = std::max(longest, o.end - last_ok);
    last_ok = o.end;
  }
  r.outage_ms = absl::ToDoubleMilliseconds(longest);
  return r;
}

std::set<std::string> HostsOnPrimary(RedisDeployment& redis) {
  std::string all = redis.Cmd({"HKEYS", absl::StrCat("hotdesk:{", kTenant, "}:by-host")});
  std::set<std::string> hosts;
  for (absl::string_view h : absl::StrSplit(all, ' ', absl::SkipEmpty())) hosts.emplace(h);
  return hosts;
}

// Starts the server on `redis`, writes for a while, runs `trigger`, waits for writes to flow
// again for a second, and reports.
Report RunThroughFailover(RedisDeployment& redis, const std::string& scenario,
                          const std::function<void()>& trigger,
                          std::vector<std::string> extra_flags = {}) {
  HotdeskServerProcess server;
  std::vector<std::string> flags = redis.ServerFlags();
  flags.push_back("--log_level=warn");
  flags.insert(flags.end(), extra_flags.begin(), extra_flags.end());
  EXPECT_TRUE(server.Start("127.0.0.1:1", flags));
  Writer writer(server.Channel());
  EXPECT_TRUE(writer.WaitSteady(absl::InfinitePast(), absl::Milliseconds(500), absl::Seconds(20)))
      << "writes never flowed before the failover";
  absl::Time t0 = absl::Now();
  trigger();
  bool resumed = writer.WaitSteady(t0, absl::Seconds(1), kResumeWithin);
  writer.Stop();
  EXPECT_TRUE(resumed) << scenario << ": writes did not resume within "
                       << absl::FormatDuration(kResumeWithin) << "\n"
                       << server.process().Stderr();
  Report r = Summarize(writer.outcomes(), t0, HostsOnPrimary(redis));
  std::string lost =
      r.missing == 0 ? std::string()
                     : absl::StrFormat(" (acknowledged %.0f to %.0f ms after the trigger)",
                                       r.missing_from_ms, r.missing_to_ms);
  std::printf(
      "[failover] %-34s write outage %7.0f ms, %4lld calls failed, %lld of %lld acknowledged "
      "writes missing on the new primary%s\n",
      scenario.c_str(), r.outage_ms, static_cast<long long>(r.failed),
      static_cast<long long>(r.missing), static_cast<long long>(r.acknowledged), lost.c_str());
  std::fflush(stdout);
  EXPECT_EQ(server.Stop(), 0);
  return r;
}

int ClusterPrimaryOfTenant(RedisClusterProcesses& cluster) {
  return cluster.PrimaryIndexForKey(absl::StrCat("hotdesk:{", kTenant, "}:by-host"));
}

TEST(RedisFailover, SentinelManualFailover) {
  RedisDeployment redis("sentinel");
  ASSERT_TRUE(redis.Start());
  RunThroughFailover(redis, "sentinel: SENTINEL FAILOVER", [&] {
    ASSERT_GT(redis.sentinel()->Failover(absl::Seconds(30)), 0) << "no new primary";
  });
}

// The durability option turns the writes that SENTINEL FAILOVER would drop (acknowledged by the
// old primary after its replica was promoted) into failed calls: nothing acknowledged is lost.
TEST(RedisFailover, SentinelManualFailoverWithWaitLosesNothing) {
  RedisDeployment redis("sentinel");
  ASSERT_TRUE(redis.Start());
  Report r = RunThroughFailover(
      redis, "sentinel: SENTINEL FAILOVER, WAIT 1",
      [&] { ASSERT_GT(redis.sentinel()->Failover(absl::Seconds(30)), 0) << "no new primary"; },
      {"--redis_wait_replicas=1", "--redis_wait_timeout=500ms"});
  EXPECT_GT(r.acknowledged, 0);
  EXPECT_EQ(r.missing, 0);
}

TEST(RedisFailover, SentinelPrimaryKilled) {
  RedisDeployment redis("sentinel");
  ASSERT_TRUE(redis.Start());
  RunThroughFailover(redis, "sentinel: kill -9 of the primary", [&] {
    RedisSentinelProcesses& s = *redis.sentinel();
    int old = s.PrimaryPort();
    s.data(s.IndexOfPort(old)).Kill();
  });
}

TEST(RedisFailover, ClusterManualFailover) {
  RedisDeployment redis("cluster");
  ASSERT_TRUE(redis.Start());
  RedisClusterProcesses& cluster = *redis.cluster();
  int primary = ClusterPrimaryOfTenant(cluster);
  int replica = cluster.ReplicaIndexOf(primary);
  ASSERT_GE(replica, 0);
  Report r = RunThroughFailover(redis, "cluster: CLUSTER FAILOVER", [&] {
    EXPECT_EQ(cluster.node(replica).Cmd({"CLUSTER", "FAILOVER"}), "OK");
  });
  // A manual failover without FORCE lets the replica catch up before it takes over.
  EXPECT_EQ(r.missing, 0);
}

TEST(RedisFailover, ClusterPrimaryKilled) {
  RedisDeployment redis("cluster");
  ASSERT_TRUE(redis.Start());
  RedisClusterProcesses& cluster = *redis.cluster();
  int primary = ClusterPrimaryOfTenant(cluster);
  ASSERT_GE(primary, 0);
  RunThroughFailover(redis, "cluster: kill -9 of the primary",
                     [&] { cluster.node(primary).Kill(); });
}

}  // namespace
}  // namespace hotdesk::testing
