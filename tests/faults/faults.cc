#include "tests/faults/faults.h"

#include <signal.h>

#include <algorithm>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "hotdesk/v1/associations.grpc.pb.h"
#include "tests/faults/stalled_watcher.h"
#include "tests/support/processes.h"

namespace hotdesk::faults {

const std::vector<std::string>& AllFaultKinds() {
  static const std::vector<std::string> kinds = {
      "replica_kill",      // kill -9 of a replica, restarted after a moment
      "replica_term",      // SIGTERM of a replica with watchers attached: exits within grace
      "redis_kill",        // kill -9 of Redis, restarted: seconds of LOADING
      "redis_stop",        // SIGSTOP of Redis for 1-4 s, then SIGCONT
      "redis_demote",      // Redis made a replica (as a failover does to the old primary), then
                           // primary again: writes answer READONLY meanwhile
      "client_kill",       // CLIENT KILL TYPE normal: every replica's connections at once
      "client_kill_reader",  // CLIENT KILL of the blocking event reader's connection only
      "stalled_watchers",  // watch clients that never read (windows full), then vanish (kill -9)
      "bad_input",         // invalid requests, incl. a 1,000,000-character time zone
      "sentinel_failover",  // SENTINEL FAILOVER: the replica becomes primary
      "cluster_failover",  // CLUSTER FAILOVER on a replica of a busy tenant's primary
      "primary_kill",      // kill -9 of the (busy tenant's) primary; back later as a replica
      "slot_migration",    // a busy tenant's hash slot moved to another primary under load
      "web_kill",          // kill -9 of a hotdesk-web gateway, restarted after a moment
      "csta_kill",         // kill -9 of the hotdesk-csta gateway, restarted; clients reconnect
      "xsp_kill",          // kill -9 of the hotdesk-xsp bridge, restarted: resumes from Redis
      "xsp_sim_kill",      // kill -9 of the XSP (simulator), restarted with the platform's data:
                           // channels, subscriptions and undelivered events are gone
      "xsp_sim_fail",      // the XSP answers 500 to the next Xsi-Actions PUTs and drops the
                           // event channel
  };
  return kinds;
}

std::string FaultRefusal(const std::string& kind, const std::string& mode,
                         const Gateways& gateways) {
  if (kind == "web_kill" && !gateways.web)
    return "web_kill needs the hotdesk-web gateways (--via_web above 0)";
  if (kind == "csta_kill" && !gateways.csta)
    return "csta_kill needs the hotdesk-csta gateway (--csta_clients above 0)";
  if (absl::StartsWith(kind, "xsp_") && !gateways.xsp)
    return kind + " needs the XSP bridge (--xsp)";
  // Where each kind means something: the single server's faults would, on a topology, only
  // hit one of its nodes; failovers need a topology that has them.
  static const std::map<std::string, std::set<std::string>> only = {
      {"redis_kill", {"single"}},        {"redis_stop", {"single"}},
      {"redis_demote", {"single"}},      {"sentinel_failover", {"sentinel"}},
      {"cluster_failover", {"cluster"}}, {"slot_migration", {"cluster"}},
      {"primary_kill", {"sentinel", "cluster"}},
  };
  auto it = only.find(kind);
  if (it == only.end() || it->second.count(mode)) return "";
  std::vector<std::string> modes(it->second.begin(), it->second.end());
  return absl::StrCat(kind, " is for --redis=", absl::StrJoin(modes, "|"), ", not --redis=",
                      mode);
}

std::vector<std::string> FaultKindsFor(const std::string& mode, const Gateways& gateways) {
  std::vector<std::string> kinds;
  for (const auto& k : AllFaultKinds())
    if (FaultRefusal(k, mode, gateways).empty()) kinds.push_back(k);
  return kinds;
}

FaultInjector::FaultInjector(FaultConfig config, Deployment* deployment, Violations* violations)
    : config_(std::move(config)),
      deployment_(deployment),
      violations_(violations),
      rng_(config_.seed ^ 0x5eedfa17u) {}

FaultInjector::~FaultInjector() { Stop(); }

void FaultInjector::Start() {
  if (config_.kinds.empty()) return;
  thread_ = std::thread([this] { Run(); });
}

void FaultInjector::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

std::map<std::string, int64_t> FaultInjector::Injected() const {
  std::lock_guard<std::mutex> lock(mu_);
  return injected_;
}

double FaultInjector::max_recovery_seconds() const {
  std::lock_guard<std::mutex> lock(mu_);
  return max_recovery_s_;
}

std::vector<double> FaultInjector::loading_seconds() const {
  std::lock_guard<std::mutex> lock(mu_);
  return loading_;
}

void FaultInjector::Pause(absl::Duration d) {
  absl::Time end = absl::Now() + d;
  while (!stop_ && absl::Now() < end) std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

void FaultInjector::Run() {
  std::vector<std::string> round;
  while (!stop_) {
    // The pause and the fault come from the seed alone; every kind once per round (in an order
    // drawn anew each round), so that a short run meets each of them.
    double factor = 0.5 + static_cast<double>(rng_() % 1000) / 1000.0;
    Pause(config_.every * factor);
    if (stop_) break;
    if (round.empty()) {
      round = config_.kinds;
      std::shuffle(round.begin(), round.end(), rng_);
    }
    const std::string kind = round.back();
    round.pop_back();
    Inject(kind);
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++injected_[kind];
    }
    absl::Duration took = AwaitRecovery(kind);
    std::lock_guard<std::mutex> lock(mu_);
    max_recovery_s_ = std::max(max_recovery_s_, absl::ToDoubleSeconds(took));
  }
}

void FaultInjector::Inject(const std::string& kind) {
  int replica = static_cast<int>(rng_() % deployment_->replicas());
  absl::Duration hold = absl::Milliseconds(1000 + rng_() % 3000);
  const std::string& tenant = config_.tenants[rng_() % config_.tenants.size()];
  std::printf("  fault %-18s replica=%d hold=%s tenant=%s\n", kind.c_str(), replica,
              absl::FormatDuration(hold).c_str(), tenant.c_str());
  std::fflush(stdout);
  if (kind == "replica_kill") return ReplicaKill(replica, hold / 4);
  if (kind == "replica_term") return ReplicaTerm(replica);
  if (kind == "redis_kill") return RedisKill();
  if (kind == "redis_stop") return RedisStop(hold);
  if (kind == "redis_demote") return RedisDemote(hold + absl::Seconds(2));
  if (kind == "client_kill") return ClientKill(false);
  if (kind == "client_kill_reader") return ClientKill(true);
  if (kind == "stalled_watchers") return StalledWatchers(replica, hold * 2);
  if (kind == "bad_input") return BadInput(replica, config_.bad_requests);
  if (kind == "sentinel_failover") return SentinelFailover();
  if (kind == "cluster_failover") return ClusterFailover(tenant);
  if (kind == "primary_kill") return PrimaryKill(tenant);
  if (kind == "slot_migration") return SlotMigration(tenant);
  // The gateway with the replica's number (web i forwards to replica i).
  if (kind == "web_kill") return WebKill(replica % deployment_->webs(), hold / 4);
  if (kind == "csta_kill") return CstaKill(hold / 4);
  if (kind == "xsp_kill") return XspKill(hold / 4);
  if (kind == "xsp_sim_kill") return XspSimKill(hold / 4);
  if (kind == "xsp_sim_fail") return XspSimFail();
}

std::vector<FaultInjector::LossPoint> FaultInjector::loss_points() const {
  std::lock_guard<std::mutex> lock(mu_);
  return loss_points_;
}

void FaultInjector::MarkLossPoint(const std::string& kind) {
  std::lock_guard<std::mutex> lock(mu_);
  loss_points_.push_back({absl::ToUnixMillis(absl::Now()), 0, kind});
}

void FaultInjector::MarkTakeover(const char* what) {
  int64_t now = absl::ToUnixMillis(absl::Now()), start;
  {
    std::lock_guard<std::mutex> lock(mu_);
    loss_points_.back().takeover_ms = now;
    start = loss_points_.back().start_ms;
  }
  std::printf("    %s at %lld ms: new primary after %lld ms\n", what,
              static_cast<long long>(start), static_cast<long long>(now - start));
  std::fflush(stdout);
}

void FaultInjector::RedisKill() {
  MarkLossPoint("redis_kill");
  deployment_->redis().Kill();
  auto loading = deployment_->RestartRedis(absl::Minutes(5));
  if (!loading.ok()) {
    violations_->Add("harness_error", "redis restart: " + std::string(loading.status().message()));
    return;
  }
  std::lock_guard<std::mutex> lock(mu_);
  loading_.push_back(absl::ToDoubleSeconds(*loading));
}

void FaultInjector::RedisStop(absl::Duration hold) {
  deployment_->redis().Pause();
  // Not interruptible: a stopped Redis must always be continued.
  std::this_thread::sleep_for(absl::ToChronoNanoseconds(hold));
  deployment_->redis().Resume();
}

void FaultInjector::RedisDemote(absl::Duration hold) {
  auto& redis = deployment_->redis();
  // A primary nobody runs: Redis keeps its data (no sync ever happens) but refuses writes.
  redis.Cmd({"REPLICAOF", "127.0.0.1", std::to_string(testing::FreePort())});
  absl::Time t0 = absl::Now();
  std::vector<bool> told(deployment_->replicas(), false);
  while (absl::Now() - t0 < hold) {
    for (int i = 0; i < deployment_->replicas(); ++i) {
      if (told[i]) continue;
      grpc::health::v1::HealthCheckRequest req;
      grpc::health::v1::HealthCheckResponse resp;
      auto ctx = CallContext(deployment_->config().token, absl::Seconds(1));
      grpc::Status st = grpc::health::v1::Health::NewStub(deployment_->Channel(i))
                            ->Check(ctx.get(), req, &resp);
      told[i] = !st.ok() || resp.status() != grpc::health::v1::HealthCheckResponse::SERVING;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  redis.Cmd({"REPLICAOF", "NO", "ONE"});
  for (int i = 0; i < deployment_->replicas(); ++i)
    if (!told[i])
      violations_->Add("serving_while_redis_readonly",
                       absl::StrCat("replica ", i, " health SERVING throughout ",
                                    absl::FormatDuration(hold),
                                    " during which its Redis was a read-only replica"));
}

void FaultInjector::ClientKill(bool only_reader) {
  // On every data node: a topology has a reader (and connections) per primary.
  for (testing::RedisServer* redis : deployment_->RedisNodes()) {
    if (!only_reader) {
      redis->Cmd({"CLIENT", "KILL", "TYPE", "normal"});
      continue;
    }
    // The event reader is the connection blocked in XREAD.
    std::string list = redis->Cmd({"CLIENT", "LIST"});
    for (absl::string_view line : absl::StrSplit(list, '\n')) {
      if (!absl::StrContains(line, "cmd=xread")) continue;
      for (absl::string_view field : absl::StrSplit(line, ' ')) {
        if (absl::StartsWith(field, "id="))
          redis->Cmd({"CLIENT", "KILL", "ID", std::string(field.substr(3))});
      }
    }
  }
}

void FaultInjector::SentinelFailover() {
  testing::RedisSentinelProcesses& s = *deployment_->topology()->sentinel();
  int old = s.PrimaryPort();
  MarkLossPoint("sentinel_failover");
  int now = s.Failover(absl::Seconds(60));
  if (now == 0) {
    violations_->Add("harness_error",
                     absl::StrCat("SENTINEL FAILOVER: no new primary 60 s after (was :", old, ")"));
    return;
  }
  MarkTakeover("SENTINEL FAILOVER");
  // The old primary follows the new one (the sentinels reconfigure it); the next failover needs
  // its link up.
  WaitReplicaLinked(&s.data(s.IndexOfPort(old)), "sentinel_failover");
}

void FaultInjector::WaitReplicaLinked(testing::RedisServer* node, const std::string& kind) {
  if (!testing::WaitUntil(
          [&] {
            return absl::StrContains(node->Cmd({"INFO", "replication"}),
                                     "master_link_status:up");
          },
          absl::Seconds(60)))
    violations_->Add("harness_error", absl::StrCat(kind, ": the old primary :", node->port(),
                                                   " not a linked replica 60 s after"));
}

void FaultInjector::ClusterFailover(const std::string& tenant) {
  testing::RedisClusterProcesses& c = *deployment_->topology()->cluster();
  const std::string key = deployment_->TenantKey(tenant);
  int primary = c.PrimaryIndexForKey(key);
  int replica = primary < 0 ? -1 : c.ReplicaIndexOf(primary);
  if (replica < 0) {
    violations_->Add("harness_error", "cluster_failover: no replica of " + tenant + "'s primary");
    return;
  }
  MarkLossPoint("cluster_failover");
  std::string r = c.node(replica).Cmd({"CLUSTER", "FAILOVER"});
  bool took_over = r == "OK" && testing::WaitUntil(
                                    [&] { return c.PrimaryIndexForKey(key) == replica; },
                                    absl::Seconds(60));
  if (took_over) MarkTakeover("CLUSTER FAILOVER");
  if (!took_over || !c.WaitHealthy(absl::Seconds(60)))
    violations_->Add("harness_error",
                     absl::StrCat("CLUSTER FAILOVER on node ", replica, " answered ", r,
                                  "; it did not take over ", tenant, "'s slot within 60 s"));
}

void FaultInjector::PrimaryKill(const std::string& tenant) {
  if (auto* s = deployment_->topology()->sentinel()) {
    int old = s->PrimaryPort();
    testing::RedisServer& node = s->data(s->IndexOfPort(old));
    MarkLossPoint("primary_kill");
      node.Kill();
    int now = s->WaitNewPrimary(old, absl::Seconds(60));
    if (now != 0) MarkTakeover("kill -9 of the primary");
    if (now == 0) {
      violations_->Add("harness_error", "primary_kill: the sentinels named no new primary");
      if (!node.Restart(true)) violations_->Add("harness_error", "primary_kill: no restart");
      return;
    }
    // Back only after the failover (an empty primary back sooner would be synced from), and
    // made a replica at once rather than when the sentinels get to it.
    if (!node.Restart(true)) {
      violations_->Add("harness_error", "primary_kill: the old primary did not restart");
      return;
    }
    node.Cmd({"REPLICAOF", "127.0.0.1", std::to_string(now)});
    WaitReplicaLinked(&node, "primary_kill");
    std::printf("    old primary :%d back as a replica of :%d at %lld ms\n", old, now,
                static_cast<long long>(absl::ToUnixMillis(absl::Now())));
    std::fflush(stdout);
    return;
  }
  testing::RedisClusterProcesses& c = *deployment_->topology()->cluster();
  const std::string key = deployment_->TenantKey(tenant);
  int primary = c.PrimaryIndexForKey(key);
  if (primary < 0) {
    violations_->Add("harness_error", "primary_kill: no primary for " + tenant);
    return;
  }
  MarkLossPoint("primary_kill");
  c.node(primary).Kill();
  if (testing::WaitUntil(
          [&] {
            int p = c.PrimaryIndexForKey(key);
            return p >= 0 && p != primary;
          },
          absl::Seconds(60)))
    MarkTakeover("kill -9 of the primary");
  else
    violations_->Add("harness_error", "primary_kill: no replica took over " + tenant + "'s slot");
  // Its nodes.conf names it as the slot's owner at an older epoch: back, it becomes a replica
  // of the new owner.
  if (!c.node(primary).Restart(true) || !c.WaitHealthy(absl::Seconds(60)))
    violations_->Add("harness_error", absl::StrCat("primary_kill: node ", primary,
                                                   " not back as a linked replica within 60 s"));
}

void FaultInjector::SlotMigration(const std::string& tenant) {
  testing::RedisClusterProcesses& c = *deployment_->topology()->cluster();
  const std::string key = deployment_->TenantKey(tenant);
  int from = c.PrimaryIndexForKey(key);
  int slot = -1;
  absl::SimpleAtoi(c.node(from < 0 ? 0 : from).Cmd({"CLUSTER", "KEYSLOT", key}), &slot);
  std::vector<int> targets;
  for (size_t i = 0; i < c.size(); ++i) {
    if (static_cast<int>(i) == from || c.node(i).pid() <= 0) continue;
    if (absl::StartsWith(c.node(i).Cmd({"ROLE"}), "master")) targets.push_back(static_cast<int>(i));
  }
  if (from < 0 || slot < 0 || targets.empty()) {
    violations_->Add("harness_error", "slot_migration: no slot or no other primary for " + tenant);
    return;
  }
  int to = targets[rng_() % targets.size()];
  absl::Time t0 = absl::Now();
  bool moved = c.MoveSlot(slot, to);
  std::printf("    slot %d of %s: node %d -> %d %s in %s\n", slot, tenant.c_str(), from, to,
              moved ? "moved" : "NOT moved",
              absl::FormatDuration(absl::Trunc(absl::Now() - t0, absl::Milliseconds(1))).c_str());
  std::fflush(stdout);
  if (!moved || !c.WaitHealthy(absl::Seconds(60)))
    violations_->Add("harness_error", absl::StrCat("slot_migration: slot ", slot, " of ", tenant,
                                                   " from node ", from, " to ", to, " failed"));
}

void FaultInjector::ReplicaKill(int i, absl::Duration down) {
  deployment_->KillReplica(i);
  std::this_thread::sleep_for(absl::ToChronoNanoseconds(down));
  if (absl::Status s = deployment_->StartReplica(i); !s.ok())
    violations_->Add("replica_restart_failed", std::string(s.message()));
}

void FaultInjector::ReplicaTerm(int i) {
  int status = -1;
  absl::Duration grace = deployment_->config().shutdown_grace;
  auto took = deployment_->TermReplica(i, grace + absl::Seconds(5), &status);
  if (!took) {
    violations_->Add("sigterm_exceeded_grace",
                     absl::StrCat("replica ", i, " still running ",
                                  absl::FormatDuration(grace + absl::Seconds(5)),
                                  " after SIGTERM (grace ", absl::FormatDuration(grace),
                                  "); killed", deployment_->ReplicaLogTail(i, 8)));
  } else if (status != 0) {
    violations_->Add("sigterm_exit_status",
                     absl::StrCat("replica ", i, " exited with ", status, " after SIGTERM",
                                  deployment_->ReplicaLogTail(i, 8)));
  }
  if (absl::Status s = deployment_->StartReplica(i); !s.ok())
    violations_->Add("replica_restart_failed", std::string(s.message()));
}

void FaultInjector::WebKill(int i, absl::Duration down) {
  deployment_->KillWeb(i);
  std::this_thread::sleep_for(absl::ToChronoNanoseconds(down));
  if (absl::Status s = deployment_->StartWeb(i); !s.ok())
    violations_->Add("gateway_restart_failed", std::string(s.message()));
}

void FaultInjector::CstaKill(absl::Duration down) {
  deployment_->KillCsta();
  std::this_thread::sleep_for(absl::ToChronoNanoseconds(down));
  if (absl::Status s = deployment_->StartCsta(); !s.ok())
    violations_->Add("gateway_restart_failed", std::string(s.message()));
}

void FaultInjector::XspKill(absl::Duration down) {
  deployment_->KillXsp();
  std::this_thread::sleep_for(absl::ToChronoNanoseconds(down));
  if (absl::Status s = deployment_->StartXsp(); !s.ok())
    violations_->Add("gateway_restart_failed", std::string(s.message()));
}

void FaultInjector::XspSimKill(absl::Duration down) {
  deployment_->KillXspSim();
  std::this_thread::sleep_for(absl::ToChronoNanoseconds(down));
  if (absl::Status s = deployment_->StartXspSim(); !s.ok())
    violations_->Add("gateway_restart_failed", std::string(s.message()));
}

void FaultInjector::XspSimFail() {
  // Enough 500s that some steps fail all their retries (the sequence parks and is retried
  // later), then the event channel is cut without a word.
  if (absl::Status s = deployment_->FailXspSim(12); !s.ok())
    violations_->Add("fault_not_injected", "xsp_sim_fail: " + std::string(s.message()));
}

void FaultInjector::StalledWatchers(int i, absl::Duration hold) {
  std::vector<std::unique_ptr<testing::ChildProcess>> procs;
  for (int k = 0; k < config_.stalled_watchers; ++k) {
    auto p = StartStalledWatcher(deployment_->ReplicaAddr(i),
                                 config_.tenants[k % config_.tenants.size()],
                                 deployment_->config().token);
    if (p) procs.push_back(std::move(p));
  }
  // Events pile up behind their full windows while the load goes on; then they vanish.
  std::this_thread::sleep_for(absl::ToChronoNanoseconds(hold));
  for (auto& p : procs) p->Stop(SIGKILL, absl::Seconds(5));
}

void FaultInjector::BadInput(int i, int requests) {
  auto stub = v1::Associations::NewStub(deployment_->Channel(i));
  const std::string& token = deployment_->config().token;
  std::string zone(1000000, 'Z');
  for (int k = 0; k < requests; ++k) {
    v1::EstablishRequest req;
    req.set_tenant(k % 4 == 3 ? "Not_A_Tenant" : config_.tenants[0]);
    req.set_host("h0");
    req.set_guest(k % 4 == 2 ? "a guest with spaces" : "g0");
    req.set_request_id(absl::StrCat("bad-", k));
    auto* daily = req.mutable_limit()->mutable_daily();
    // A new name each time (a cache keyed by name must not keep any of them).
    std::string tag = absl::StrCat(serial_++, "-", k, "/");
    zone.replace(0, tag.size(), tag);
    daily->set_time_zone(zone);
    daily->set_hour(23);
    v1::EstablishResponse resp;
    auto ctx = CallContext(token, absl::Seconds(10));
    grpc::Status st = stub->Establish(ctx.get(), req, &resp);
    if (st.error_code() == grpc::StatusCode::UNAVAILABLE) continue;  // replica restarting
    if (st.error_code() != grpc::StatusCode::INVALID_ARGUMENT)
      violations_->Add("bad_input_not_rejected",
                       absl::StrCat("Establish with a 1,000,000-character time zone answered ",
                                    st.error_code(), " ", st.error_message()));
  }
}

bool FaultInjector::Serving(int i, std::string* why) {
  const std::string& token = deployment_->config().token;
  grpc::health::v1::HealthCheckRequest hreq;
  grpc::health::v1::HealthCheckResponse hresp;
  auto hctx = CallContext(token, absl::Seconds(1));
  grpc::Status st =
      grpc::health::v1::Health::NewStub(deployment_->Channel(i))->Check(hctx.get(), hreq, &hresp);
  if (!st.ok()) {
    *why = absl::StrCat("health check failed: ", st.error_code(), " ", st.error_message());
    return false;
  }
  if (hresp.status() != grpc::health::v1::HealthCheckResponse::SERVING) {
    *why = "health " + grpc::health::v1::HealthCheckResponse::ServingStatus_Name(hresp.status());
    return false;
  }
  v1::EstablishRequest req;
  req.set_tenant(kProbeTenant);
  req.set_host(absl::StrCat("probe", i));
  req.set_guest(absl::StrCat("probe", i, "-", serial_++));
  auto ctx = CallContext(token, absl::Seconds(1));
  v1::EstablishResponse resp;
  st = v1::Associations::NewStub(deployment_->Channel(i))->Establish(ctx.get(), req, &resp);
  if (!st.ok()) {
    *why = absl::StrCat("health SERVING but Establish failed: ", st.error_code(), " ",
                        st.error_message());
    return false;
  }
  return true;
}

absl::Duration FaultInjector::AwaitRecovery(const std::string& after_fault) {
  absl::Time t0 = absl::Now();
  for (int i = 0; i < deployment_->replicas(); ++i) {
    std::string why;
    absl::Time end = t0 + config_.recovery_timeout;
    bool ok = false;
    while (!(ok = Serving(i, &why)) && absl::Now() < end)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (ok) continue;
    violations_->Add("no_recovery",
                     absl::StrCat("replica ", i, " not serving ",
                                  absl::FormatDuration(config_.recovery_timeout), " after ",
                                  after_fault, " (Redis answers PING: ",
                                  deployment_->RedisFor(kProbeTenant).Cmd({"PING"}), "): ", why,
                                  deployment_->ReplicaLogTail(i, 6)));
    // Restart it so that the run goes on and can find further faults.
    int status;
    deployment_->TermReplica(i, absl::Seconds(1), &status);
    if (absl::Status s = deployment_->StartReplica(i); !s.ok())
      violations_->Add("replica_restart_failed", std::string(s.message()));
  }
  AwaitGatewaysRecovery(after_fault, t0);
  return absl::Now() - t0;
}

void FaultInjector::AwaitGatewaysRecovery(const std::string& after_fault, absl::Time t0) {
  for (int i = 0; i < deployment_->webs(); ++i) {
    std::string why;
    absl::Time end = t0 + config_.recovery_timeout;
    bool ok = false;
    while (!(ok = deployment_->WebServing(i, &why)) && absl::Now() < end)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (ok) continue;
    violations_->Add("no_recovery",
                     absl::StrCat("hotdesk-web ", i, " not answering its health ",
                                  absl::FormatDuration(config_.recovery_timeout), " after ",
                                  after_fault, ": ", why, deployment_->WebLogTail(i, 6)));
    deployment_->KillWeb(i);
    if (absl::Status s = deployment_->StartWeb(i); !s.ok())
      violations_->Add("gateway_restart_failed", std::string(s.message()));
  }
  if (deployment_->xsp()) AwaitXspRecovery(after_fault, t0);
  if (!deployment_->csta()) return;
  std::string why;
  absl::Time end = t0 + config_.recovery_timeout;
  bool ok = false;
  while (!(ok = deployment_->CstaServing(&why)) && absl::Now() < end)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  if (ok) return;
  violations_->Add("no_recovery", absl::StrCat("hotdesk-csta not answering GetAgentState ",
                                               absl::FormatDuration(config_.recovery_timeout),
                                               " after ", after_fault, ": ", why,
                                               deployment_->CstaLogTail(6)));
  deployment_->KillCsta();
  if (absl::Status s = deployment_->StartCsta(); !s.ok())
    violations_->Add("gateway_restart_failed", std::string(s.message()));
}

void FaultInjector::AwaitXspRecovery(const std::string& after_fault, absl::Time t0) {
  std::string why;
  absl::Time end = t0 + config_.recovery_timeout;
  bool ok = false;
  while (!(ok = deployment_->XspServing(&why)) && absl::Now() < end)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  if (ok) return;
  violations_->Add("no_recovery",
                   absl::StrCat("hotdesk-xsp not serving ",
                                absl::FormatDuration(config_.recovery_timeout), " after ",
                                after_fault, ": ", why, deployment_->XspLogTail(6),
                                "\n    simulator:", deployment_->XspSimLogTail(4)));
  deployment_->KillXsp();
  if (absl::Status s = deployment_->StartXsp(); !s.ok())
    violations_->Add("gateway_restart_failed", std::string(s.message()));
}

}  // namespace hotdesk::faults
