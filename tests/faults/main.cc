// hotdesk-faults: the fault suite. Starts Redis (append-only, preloaded so that a restart spends
// seconds LOADING) and hotdesk-server replicas as real processes, runs concurrent clients and
// resuming watchers against them while injecting faults on a schedule drawn from the seed, then
// checks the whole history (tests/faults/history_checker.h), gauges and memory. Prints a summary
// and exits 1 on any violation, 2 when the run itself could not be set up.
#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <thread>
#include <tuple>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "hotdesk/v1/associations.grpc.pb.h"
#include "tests/faults/csta_load.h"
#include "tests/faults/xsp_platform.h"
#include "tests/faults/deployment.h"
#include "tests/faults/faults.h"
#include "tests/faults/history_checker.h"
#include "tests/faults/load.h"
#include "tests/faults/redis_history.h"
#include "tests/faults/stalled_watcher.h"
#include "tests/faults/watchers.h"

ABSL_FLAG(uint64_t, seed, 0, "schedule and operations seed (0: from the clock; printed)");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(120), "how long the load runs");
ABSL_FLAG(int64_t, ops, 0, "stop after this many operations (0: only --duration counts)");
ABSL_FLAG(std::string, redis, "single",
          "Redis mode: single (one redis-server), sentinel (primary, replica, 3 sentinels) or "
          "cluster (3 primaries, 3 replicas)");
ABSL_FLAG(int, replicas, 2, "hotdesk-server replicas");
ABSL_FLAG(int, clients, 8, "concurrent clients");
ABSL_FLAG(int, tenants, 3, "tenants");
ABSL_FLAG(int, hosts, 12, "hosts per tenant");
ABSL_FLAG(int, guests, 12, "guests per tenant");
ABSL_FLAG(int, watchers_per_tenant, 2, "resuming watchers per tenant");
ABSL_FLAG(std::string, appendfsync, "always", "Redis appendfsync: always | everysec | no");
ABSL_FLAG(bool, emulate_power_loss, false,
          "kill -9 of Redis also loses AOF data written but not yet synced, as a machine crash "
          "would (LD_PRELOAD of tests/faults/unsynced_loss.cc)");
ABSL_FLAG(bool, allow_loss, false,
          "report acknowledged changes missing after the run as a figure, not a violation "
          "(to measure --appendfsync=everysec)");
ABSL_FLAG(int64_t, preload_keys, 300000,
          "filler keys in Redis (restarts spend seconds LOADING); --redis=single only");
ABSL_FLAG(int, preload_value_bytes, 1024, "size of each filler value");
ABSL_FLAG(std::vector<std::string>, faults, std::vector<std::string>({"all"}),
          "fault kinds to inject (comma-separated; all: every kind of the --redis mode; "
          "empty: none)");
ABSL_FLAG(absl::Duration, fault_every, absl::Seconds(4), "mean pause between faults");
ABSL_FLAG(absl::Duration, recovery_timeout, absl::Seconds(15),
          "every replica must serve again this soon after a fault ends");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(5), "the replicas' --shutdown_grace");
ABSL_FLAG(absl::Duration, attempt_deadline, absl::Seconds(3), "deadline of each call attempt");
ABSL_FLAG(absl::Duration, retry_budget, absl::Seconds(60),
          "a client gives an operation up after retrying this long");
ABSL_FLAG(absl::Duration, catchup_timeout, absl::Seconds(30),
          "after the load, watchers must have every event this soon");
ABSL_FLAG(int64_t, rss_slack_mib, 40,
          "a replica's RSS may end this much above its warm baseline");
ABSL_FLAG(std::vector<std::string>, server_flags, {},
          "extra hotdesk-server flags, e.g. --server_flags=--insecure_no_auth");
ABSL_FLAG(std::string, token_file, "", "bearer token sent with every call");
ABSL_FLAG(double, via_web, 0.3,
          "share of operations made through two hotdesk-web gateways (HTTP/JSON) in front of "
          "the replicas; 0: no gateways");
ABSL_FLAG(int, csta_clients, 2,
          "CSTA clients doing SetAgentState loggedOn/loggedOff through one hotdesk-csta on the "
          "first tenant; 0: no CSTA gateway");
ABSL_FLAG(bool, xsp, true,
          "run the XSP bridge (hotdesk-xsp, in front of every replica) and its simulated "
          "BroadWorks platform for tenant fx, with a light load on both sides");
ABSL_FLAG(absl::Duration, xsp_converge_timeout, absl::Seconds(60),
          "after the load, how long hotdesk and the platform may take to agree");
ABSL_FLAG(std::string, stalled_watcher_child, "",
          "internal: run as a watch client that never reads (ADDR/TENANT)");

namespace hotdesk::faults {
namespace {

// Follows each replica process's RSS: the baseline of an instance is its RSS once warm (a few
// seconds after it started); a restart begins a new instance.
class RssTracker {
 public:
  explicit RssTracker(Deployment* d) : d_(d), base_(d->replicas()), pid_(d->replicas(), 0) {}
  ~RssTracker() { Stop(); }
  void Start() {
    thread_ = std::thread([this] {
      while (!stop_) {
        Sample();
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
      }
    });
  }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  // Baseline KiB of the replica's current instance, 0 when it has none yet.
  int64_t Baseline(int i) {
    Sample();
    std::lock_guard<std::mutex> lock(mu_);
    return base_[i];
  }

 private:
  void Sample() {
    std::lock_guard<std::mutex> lock(mu_);
    for (int i = 0; i < d_->replicas(); ++i) {
      pid_t pid = d_->ReplicaPid(i);
      if (pid != pid_[i]) {
        pid_[i] = pid;
        base_[i] = 0;
      }
      if (base_[i] == 0 && absl::Now() - d_->ReplicaStarted(i) > absl::Seconds(5))
        base_[i] = d_->RssKiB(i);
    }
  }
  Deployment* d_;
  std::mutex mu_;
  std::vector<int64_t> base_;
  std::vector<pid_t> pid_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

std::string Counts(const std::map<std::string, int64_t>& m) {
  std::vector<std::string> parts;
  for (const auto& [k, v] : m) parts.push_back(absl::StrCat(k, "=", v));
  return parts.empty() ? "none" : absl::StrJoin(parts, " ");
}

std::string ReadToken(const std::string& path) {
  if (path.empty()) return "";
  std::ifstream in(path);
  std::string token;
  std::getline(in, token);
  return token;
}

// Every association each replica lists for the tenant.
void ListAll(Deployment* d, const std::string& tenant, History* h, Violations* v) {
  for (int i = 0; i < d->replicas(); ++i) {
    auto stub = v1::Associations::NewStub(d->Channel(i));
    v1::ListAssociationsRequest req;
    req.set_tenant(tenant);
    req.set_page_size(1000);
    auto& listed = h->listed[absl::StrCat("replica", i, "/", tenant)];
    do {
      v1::ListAssociationsResponse resp;
      auto ctx = CallContext(d->config().token, absl::Seconds(10));
      grpc::Status st = stub->ListAssociations(ctx.get(), req, &resp);
      if (!st.ok()) {
        v->Add("list_failed", absl::StrCat("replica ", i, " ", tenant, ": ", st.error_code(), " ",
                                           st.error_message()));
        break;
      }
      for (const auto& a : resp.associations()) listed[a.host()] = a.guest();
      req.set_page_token(resp.next_page_token());
    } while (!req.page_token().empty());
  }
}

int Run() {
  uint64_t seed = absl::GetFlag(FLAGS_seed);
  if (seed == 0) seed = static_cast<uint64_t>(absl::ToUnixNanos(absl::Now())) % 1000000007u;
  Violations violations;

  DeploymentConfig dc;
  dc.redis_mode = absl::GetFlag(FLAGS_redis);
  if (dc.redis_mode != "single" && dc.redis_mode != "sentinel" && dc.redis_mode != "cluster") {
    std::fprintf(stderr, "--redis: unknown mode %s (single, sentinel, cluster)\n",
                 dc.redis_mode.c_str());
    return 2;
  }
  dc.replicas = absl::GetFlag(FLAGS_replicas);
  dc.appendfsync = absl::GetFlag(FLAGS_appendfsync);
  dc.emulate_power_loss = absl::GetFlag(FLAGS_emulate_power_loss);
  dc.preload_keys = absl::GetFlag(FLAGS_preload_keys);
  dc.preload_value_bytes = absl::GetFlag(FLAGS_preload_value_bytes);
  dc.shutdown_grace = absl::GetFlag(FLAGS_shutdown_grace);
  dc.server_flags = absl::GetFlag(FLAGS_server_flags);
  dc.token = ReadToken(absl::GetFlag(FLAGS_token_file));
  const double via_web = absl::GetFlag(FLAGS_via_web);
  if (via_web < 0 || via_web > 1) {
    std::fprintf(stderr, "--via_web: %g is not a share between 0 and 1\n", via_web);
    return 2;
  }
  Gateways gateways;
  gateways.web = via_web > 0;
  dc.webs = gateways.web ? 2 : 0;
  const int csta_clients = absl::GetFlag(FLAGS_csta_clients);
  if (csta_clients < 0) {
    std::fprintf(stderr, "--csta_clients must not be negative\n");
    return 2;
  }
  gateways.csta = csta_clients > 0;
  // The CSTA clients work on the first tenant (its watchers and checks see their events too).
  if (gateways.csta) dc.csta_tenant = "ft0";
  // The XSP bridge has a tenant of its own with a load it can follow (each change costs up to
  // four Xsi requests, one after the other).
  gateways.xsp = absl::GetFlag(FLAGS_xsp);
  XspPlatformConfig xpc;
  xpc.seed = seed;
  if (gateways.xsp) {
    dc.xsp_tenant = xpc.tenant = "fx";
    dc.xsp_guests = xpc.guests;
  }
  std::vector<std::string> kinds = absl::GetFlag(FLAGS_faults);
  if (kinds == std::vector<std::string>{"all"}) kinds = FaultKindsFor(dc.redis_mode, gateways);
  for (const auto& k : kinds) {
    const auto& all = AllFaultKinds();
    if (std::find(all.begin(), all.end(), k) == all.end()) {
      std::fprintf(stderr, "--faults: unknown kind %s (known: %s)\n", k.c_str(),
                   absl::StrJoin(all, ",").c_str());
      return 2;
    }
    if (std::string why = FaultRefusal(k, dc.redis_mode, gateways); !why.empty()) {
      std::fprintf(stderr, "--faults: %s\n", why.c_str());
      return 2;
    }
  }
  if (dc.replicas < 1 || absl::GetFlag(FLAGS_clients) < 1 || absl::GetFlag(FLAGS_tenants) < 1 ||
      absl::GetFlag(FLAGS_hosts) < 1 || absl::GetFlag(FLAGS_guests) < 1) {
    std::fprintf(stderr, "--replicas, --clients, --tenants, --hosts, --guests must be positive\n");
    return 2;
  }

  // Only the single server persists (a topology's restarted node syncs from its primary).
  std::string persistence =
      dc.redis_mode != "single"
          ? std::string("no persistence")
          : absl::StrCat("appendfsync=", dc.appendfsync,
                         dc.emulate_power_loss ? " (power loss emulated)" : "");
  if (!dc.server_flags.empty())
    absl::StrAppend(&persistence, ", servers ", absl::StrJoin(dc.server_flags, " "));
  std::printf("hotdesk-faults seed=%llu (rerun with --seed=%llu) duration=%s ops=%lld "
              "redis=%s replicas=%d webs=%d (via_web=%g) csta_clients=%d xsp=%s clients=%d "
              "tenants=%d watchers/tenant=%d %s\n",
              static_cast<unsigned long long>(seed), static_cast<unsigned long long>(seed),
              absl::FormatDuration(absl::GetFlag(FLAGS_duration)).c_str(),
              static_cast<long long>(absl::GetFlag(FLAGS_ops)), dc.redis_mode.c_str(),
              dc.replicas, dc.webs, via_web, csta_clients, gateways.xsp ? "fx" : "no",
              absl::GetFlag(FLAGS_clients), absl::GetFlag(FLAGS_tenants),
              absl::GetFlag(FLAGS_watchers_per_tenant), persistence.c_str());
  std::fflush(stdout);

  Deployment d(dc);
  absl::Time setup0 = absl::Now();
  if (absl::Status s = d.Start(); !s.ok()) {
    std::fprintf(stderr, "setup failed: %s\n", std::string(s.message()).c_str());
    return 2;
  }
  if (dc.redis_mode == "single")
    std::printf(
        "redis: %lld filler keys, AOF %.0f MiB, restart spent %.2f s LOADING; setup %.1f s\n",
        static_cast<long long>(dc.preload_keys), d.aof_bytes() / 1048576.0,
        d.initial_loading_seconds(), absl::ToDoubleSeconds(absl::Now() - setup0));
  else
    std::printf("redis: %s (%s), no persistence, no filler; setup %.1f s\n",
                dc.redis_mode.c_str(), absl::StrJoin(d.topology()->ServerFlags(), " ").c_str(),
                absl::ToDoubleSeconds(absl::Now() - setup0));
  std::fflush(stdout);

  std::vector<std::string> tenants;
  for (int t = 0; t < absl::GetFlag(FLAGS_tenants); ++t) tenants.push_back(absl::StrCat("ft", t));

  // The tenants every check covers: the load's and the XSP bridge's.
  std::vector<std::string> checked = tenants;
  if (gateways.xsp) checked.push_back(xpc.tenant);
  std::vector<std::unique_ptr<ResumingWatcher>> watchers;
  for (const auto& t : checked)
    for (int w = 0; w < absl::GetFlag(FLAGS_watchers_per_tenant); ++w) {
      watchers.push_back(std::make_unique<ResumingWatcher>(absl::StrCat(t, "/w", w), t,
                                                           w % dc.replicas, &d));
      watchers.back()->Start(StreamId{});  // from the first event
    }

  LoadConfig lc;
  lc.clients = absl::GetFlag(FLAGS_clients);
  lc.tenants = tenants;
  lc.hosts = absl::GetFlag(FLAGS_hosts);
  lc.guests = absl::GetFlag(FLAGS_guests);
  lc.seed = seed;
  lc.max_ops = absl::GetFlag(FLAGS_ops);
  lc.attempt_deadline = absl::GetFlag(FLAGS_attempt_deadline);
  lc.retry_budget = absl::GetFlag(FLAGS_retry_budget);
  lc.via_web = via_web;
  Load load(lc, &d);
  CstaLoadConfig cc;
  cc.clients = csta_clients;
  cc.tenant = dc.csta_tenant;
  cc.seed = seed;
  CstaLoad csta(cc, &d);
  // The XSP tenant: one client in hotdesk (gRPC, request ids x<seed>-c0-<n>) and changes on the
  // platform, on the same hosts and guests.
  LoadConfig xl = lc;
  xl.clients = 1;
  xl.tenants = {xpc.tenant};
  xl.hosts = xpc.hosts;
  xl.guests = xpc.guests;
  xl.max_ops = 0;
  xl.via_web = 0;
  xl.id_prefix = absl::StrCat("x", seed);
  xl.pause = absl::Milliseconds(100);
  Load xsp_load(xl, &d);
  XspPlatform platform(xpc, &d);

  FaultConfig fc;
  fc.kinds = kinds;
  fc.seed = seed;
  fc.every = absl::GetFlag(FLAGS_fault_every);
  fc.recovery_timeout = absl::GetFlag(FLAGS_recovery_timeout);
  fc.tenants = tenants;
  FaultInjector faults(fc, &d, &violations);

  RssTracker rss(&d);
  rss.Start();
  absl::Time t0 = absl::Now();
  load.Start();
  if (d.csta()) csta.Start();
  if (d.xsp()) {
    xsp_load.Start();
    platform.Start();
  }
  faults.Start();
  absl::Time next_report = t0 + absl::Seconds(10);
  absl::Duration duration = absl::GetFlag(FLAGS_duration);
  while (!load.Done() && (absl::GetFlag(FLAGS_ops) > 0 || absl::Now() - t0 < duration)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (absl::Now() >= next_report) {
      std::printf("  %4.0f s: %lld ops, %lld acknowledged, faults %s\n",
                  absl::ToDoubleSeconds(absl::Now() - t0), static_cast<long long>(load.started()),
                  static_cast<long long>(load.acknowledged()), Counts(faults.Injected()).c_str());
      std::fflush(stdout);
      next_report += absl::Seconds(10);
    }
  }
  faults.Stop();
  faults.AwaitRecovery("the end of the fault schedule");
  // The leak phase, on every replica in every run whatever the schedule drew: while the load
  // goes on, watch clients that never read and then vanish, and a flood of invalid requests with
  // 1,000,000-character time zones. Gauges and RSS must come back (checked below).
  std::vector<int64_t> pre_leak_rss(d.replicas());
  std::vector<pid_t> pre_leak_pid(d.replicas());
  for (int i = 0; i < d.replicas(); ++i) {
    pre_leak_rss[i] = d.RssKiB(i);
    pre_leak_pid[i] = d.ReplicaPid(i);
    faults.StalledWatchers(i, absl::Seconds(3));
    faults.BadInput(i, 128);
  }
  load.Stop();
  csta.Stop();
  xsp_load.Stop();
  platform.Stop();
  absl::Duration load_time = absl::Now() - t0;
  std::string xsp_report;
  if (d.xsp()) xsp_report = AwaitXspAgreement(d, xpc, dc.key_prefix, absl::GetFlag(FLAGS_xsp_converge_timeout),
                                   &violations);
  for (const std::string& why : d.StopGateways())
    violations.Add("gateway_sigterm_exit_status", why);

  // Watchers must get every event of the run.
  std::map<std::string, StreamId> tails;
  for (const auto& t : checked) tails[t] = LastStreamId(d.RedisFor(t), dc.key_prefix, t);
  absl::Time catchup_end = absl::Now() + absl::GetFlag(FLAGS_catchup_timeout);
  for (auto& w : watchers) {
    const std::string tenant = w->log().tenant;
    while (w->last() < tails[tenant] && absl::Now() < catchup_end)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (w->last() < tails[tenant])
      violations.Add("watcher_lagging",
                     absl::StrCat(w->log().name, " at ", w->last().ToString(), ", stream at ",
                                  tails[tenant].ToString(), " ",
                                  absl::FormatDuration(absl::GetFlag(FLAGS_catchup_timeout)),
                                  " after the load"));
  }
  History history;
  std::map<std::string, int64_t> endings;
  int64_t resumes = 0, received = 0;
  for (auto& w : watchers) {
    w->Stop();
    for (const WatcherLog& segment : w->logs()) {
      history.watchers.push_back(segment);
      resumes += segment.resumes;
      received += static_cast<int64_t>(segment.events.size());
    }
    for (const auto& [code, n] : w->Endings()) endings[code] += n;
  }
  // HISTORY_LOST (OUT_OF_RANGE) is the promised answer to a cursor from a history a failover
  // lost: the watcher resyncs, and the loss is counted below.
  for (const auto& [code, n] : endings)
    if (code != "UNAVAILABLE" && code != "CANCELLED" && code != "HISTORY_LOST")
      violations.Add("watch_ended_with_" + code, absl::StrCat(n, " watch calls ended so"));

  // Faults may cost UNAVAILABLE or DEADLINE_EXCEEDED, never an internal error.
  auto codes = load.AttemptCodes();
  auto firsts = load.FirstMessages();
  for (const auto& [code, n] : xsp_load.AttemptCodes()) codes[code] += n;
  for (const auto& [code, msg] : xsp_load.FirstMessages()) firsts.emplace(code, msg);
  for (const char* code : {"INTERNAL", "UNKNOWN", "DATA_LOSS"})
    if (codes.count(code))
      violations.Add("call_failed_with_" + std::string(code),
                     absl::StrCat(codes[code], " attempts, the first: ", firsts[code]));

  // Gauges and memory back to baseline.
  for (int i = 0; i < d.replicas(); ++i) {
    auto up = d.Metric(i, "hotdesk_redis_up");
    if (!up || *up != 1)
      violations.Add("redis_up_gauge_wrong",
                     absl::StrCat("replica ", i, " hotdesk_redis_up=", up ? *up : -1,
                                  " while it serves"));
  }
  for (int i = 0; i < d.replicas(); ++i) {
    absl::Time end = absl::Now() + absl::Seconds(10);
    std::optional<double> n;
    while ((!(n = d.Metric(i, "hotdesk_watchers")) || *n != 0) && absl::Now() < end)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (!n || *n != 0)
      violations.Add("watchers_gauge_not_zero",
                     absl::StrCat("replica ", i, " hotdesk_watchers=", n ? *n : -1,
                                  " 10 s after every watcher left"));
  }
  std::string rss_report;
  for (int i = 0; i < d.replicas(); ++i) {
    int64_t base = rss.Baseline(i), now = d.RssKiB(i);
    absl::StrAppend(&rss_report, " replica", i, "=", base / 1024, "->", now / 1024, "MiB");
    if (base > 0 && now - base > absl::GetFlag(FLAGS_rss_slack_mib) * 1024)
      violations.Add("rss_growth",
                     absl::StrCat("replica ", i, " RSS ", base / 1024, " MiB when warm, ",
                                  now / 1024, " MiB after the run (slack ",
                                  absl::GetFlag(FLAGS_rss_slack_mib), " MiB)"));
    if (d.ReplicaPid(i) == pre_leak_pid[i]) {
      absl::StrAppend(&rss_report, " (", pre_leak_rss[i] / 1024, " before the leak phase)");
      if (now - pre_leak_rss[i] > absl::GetFlag(FLAGS_rss_slack_mib) * 1024)
        violations.Add("rss_growth_leak_phase",
                       absl::StrCat("replica ", i, " RSS ", pre_leak_rss[i] / 1024,
                                    " MiB before stalled watchers and 128 invalid requests with "
                                    "1,000,000-character time zones, ",
                                    now / 1024, " MiB after (slack ",
                                    absl::GetFlag(FLAGS_rss_slack_mib), " MiB)"));
    }
  }
  rss.Stop();

  // The history as Redis and the replicas show it.
  history.ops = load.ops();
  for (Op& op : xsp_load.ops()) history.ops.push_back(std::move(op));
  history.xsp_tenant = dc.xsp_tenant;
  history.csta_tenant = dc.csta_tenant;
  history.csta_ops = csta.ops();
  int64_t events = 0;
  for (const auto& t : checked) {
    auto stream = ReadStream(d.RedisFor(t), dc.key_prefix, t);
    auto state = ReadState(d.RedisFor(t), dc.key_prefix, t);
    if (!stream.ok() || !state.ok()) {
      std::fprintf(stderr, "cannot read %s from Redis\n", t.c_str());
      return 2;
    }
    events += static_cast<int64_t>(stream->size());
    history.streams[t] = std::move(*stream);
    history.redis_state[t] = std::move(*state);
    ListAll(&d, t, &history, &violations);
  }

  // Last, every replica must drain and exit within its grace.
  for (int i = 0; i < d.replicas(); ++i) {
    int status = -1;
    auto took = d.TermReplica(i, dc.shutdown_grace + absl::Seconds(5), &status);
    if (!took)
      violations.Add("sigterm_exceeded_grace",
                     absl::StrCat("replica ", i, " still running ",
                                  absl::FormatDuration(dc.shutdown_grace + absl::Seconds(5)),
                                  " after the final SIGTERM", d.ReplicaLogTail(i, 8)));
    else if (status != 0)
      violations.Add("sigterm_exit_status",
                     absl::StrCat("replica ", i, " exited with ", status, " after the final SIGTERM",
                                  d.ReplicaLogTail(i, 8)));
  }

  CheckHistory(history, &violations);
  // Measuring loss: changes acknowledged and then lost, and events watchers saw that the stream
  // no longer has, are the figures of the run rather than violations.
  int64_t lost = 0, phantoms = 0;
  // Events of a history that Redis lost, received by watchers that were then told so
  // (HISTORY_LOST): what asynchronous replication allows even for unacknowledged writes.
  int64_t lost_history_events = violations.Remove("watcher_event_of_lost_history");
  int64_t csta_lost = 0, xsp_diverged = 0;
  if (absl::GetFlag(FLAGS_allow_loss)) {
    lost = violations.Remove("acknowledged_but_lost");
    phantoms = violations.Remove("watcher_phantom_event");
    csta_lost = violations.Remove("csta_acknowledged_but_lost");
    // A lost change the bridge had applied (or pushed to the platform) leaves the two sides
    // apart; without any loss in the run, nothing excuses it.
    if (lost > 0 || phantoms > 0 || lost_history_events > 0 || endings.count("HISTORY_LOST"))
      xsp_diverged = violations.Remove("xsp_diverged");
  }

  // The loss window: for each fault that can lose writes (kill -9, failover), how many lost
  // changes had been acknowledged before it (and how long before) or after it began (a
  // failover's old primary acknowledges writes until it learns it was replaced). A change
  // acknowledged well after a failover named its new primary was acknowledged by that primary:
  // asynchronous replication does not explain losing it, so it is a violation even with
  // --allow_loss.
  constexpr int64_t kTakeoverSlackMs = 1000;  // for the servers to hear of the new primary
  std::string loss_report;
  {
    std::set<std::string> in_stream;
    for (const auto& [t, events] : history.streams)
      for (const auto& e : events) in_stream.insert(e.request_id);
    auto points = faults.loss_points();
    // point -> (lost, the earliest and latest answer relative to it, ms)
    std::map<size_t, std::tuple<int64_t, int64_t, int64_t>> per_point;
    for (const Op& op : history.ops) {
      if (op.outcome != Outcome::kApplied || in_stream.count(op.request_id)) continue;
      // The last fault that began before the answer, or else the next one.
      size_t k = points.size();
      for (size_t i = 0; i < points.size(); ++i)
        if (points[i].start_ms <= op.answered_ms) k = i;
      if (k == points.size()) {
        for (size_t i = 0; i < points.size() && k == points.size(); ++i)
          if (points[i].start_ms > op.answered_ms) k = i;
      }
      if (k == points.size()) continue;
      const auto& p = points[k];
      if (p.takeover_ms > 0 && op.answered_ms > p.takeover_ms + kTakeoverSlackMs)
        violations.Add("acknowledged_lost_after_takeover",
                       absl::StrCat(op.tenant, " id=", op.request_id, " answered ",
                                    op.answered_ms - p.takeover_ms, " ms after ", p.kind, " #",
                                    k + 1, " named its new primary (",
                                    p.takeover_ms - p.start_ms, " ms after it began)"));
      int64_t rel = op.answered_ms - p.start_ms;
      auto [it, fresh] = per_point.try_emplace(k, 0, rel, rel);
      auto& [n, lo, hi] = it->second;
      ++n;
      lo = std::min(lo, rel);
      hi = std::max(hi, rel);
    }
    if (lost > 0)
      for (const auto& [k, v] : per_point)
        absl::StrAppend(&loss_report, "  ", points[k].kind, " #", k + 1, ": ", std::get<0>(v),
                        " acknowledged changes lost, answered ", std::get<1>(v), " to ",
                        std::get<2>(v), " ms from the fault's start",
                        points[k].takeover_ms > 0
                            ? absl::StrCat(" (new primary at ",
                                           points[k].takeover_ms - points[k].start_ms, " ms)")
                            : std::string(),
                        "\n");
  }

  std::map<std::string, int64_t> outcomes;
  int64_t retried = 0;
  for (const Op& op : history.ops) {
    const char* names[] = {"applied", "no_change", "gave_up", "refused"};
    ++outcomes[names[static_cast<int>(op.outcome)]];
    if (op.attempts > 1) ++retried;
  }
  auto loading = faults.loading_seconds();
  double max_loading = loading.empty() ? 0 : *std::max_element(loading.begin(), loading.end());

  std::ostringstream out;
  out << "\n=== hotdesk-faults summary (seed " << seed << ") ===\n";
  out << "load: " << absl::FormatDuration(absl::Trunc(load_time, absl::Seconds(1))) << ", "
      << history.ops.size() << " ops, " << load.acknowledged() << " acknowledged ("
      << Counts(outcomes) << "), " << retried << " retried\n";
  out << "attempts by status: " << Counts(load.AttemptCodes()) << "\n";
  if (d.webs() > 0) {
    int64_t via_web_ops = 0, via_web_retried = 0;
    for (const Op& op : history.ops) {
      via_web_ops += op.via_web;
      via_web_retried += op.via_web && op.attempts > 1;
    }
    out << "via hotdesk-web: " << via_web_ops << " ops (" << via_web_retried
        << " retried), attempts through the gateways by status: "
        << Counts(load.WebAttemptCodes()) << "\n";
  }
  for (const auto& [code, msg] : load.FirstMessages())
    out << "  first " << code << ": " << msg.substr(0, 200) << "\n";
  if (d.csta())
    out << "via hotdesk-csta: " << history.csta_ops.size() << " SetAgentState requests by "
        << csta_clients << " clients (" << csta.reconnects() << " reconnects), answered "
        << Counts(csta.Answers()) << "\n";
  if (d.xsp()) {
    int64_t xsp_ops = 0;
    for (const Op& op : history.ops) xsp_ops += op.tenant == xpc.tenant;
    out << "via hotdesk-xsp (tenant " << xpc.tenant << "): " << xsp_ops
        << " ops in hotdesk by 1 client (attempts by status: "
        << Counts(xsp_load.AttemptCodes()) << "), changes on the platform: "
        << Counts(platform.Answers()) << "\n  " << xsp_report << "\n";
  }
  out << "stream: " << events << " events in " << checked.size() << " tenants\n";
  out << "watchers: " << watchers.size() << ", " << received << " events received, " << resumes
      << " resumes, calls ended " << Counts(endings) << "\n";
  if (lost_history_events > 0 || endings.count("HISTORY_LOST"))
    out << "lost history: " << endings["HISTORY_LOST"] << " watch calls answered HISTORY_LOST "
        << "(resynced), " << lost_history_events
        << " events they had received that the stream lost\n";
  out << "faults injected: " << Counts(faults.Injected()) << "\n";
  if (std::string epochs = d.EpochReport(); !epochs.empty())
    out << "failovers Redis went through: " << epochs << "\n";
  out << "recovery: longest " << faults.max_recovery_seconds()
      << " s from a fault's end to every replica serving; Redis LOADING " << loading.size()
      << " restarts, longest " << max_loading << " s\n";
  out << "rss (warm -> end):" << rss_report << "\n";
  if (absl::GetFlag(FLAGS_allow_loss))
    out << "acknowledged changes lost (redis=" << dc.redis_mode << ", " << persistence
        << "): " << lost
        << "; events watchers received that the stream lost: " << phantoms
        << (d.xsp() ? absl::StrCat("; XSP guests on which hotdesk and the platform disagree: ",
                                   xsp_diverged)
                    : std::string())
        << (d.csta() ? absl::StrCat("; CSTA logins/logouts acknowledged and lost: ", csta_lost)
                     : std::string())
        << "\n"
        << loss_report;
  out << "violations: " << violations.Total() << "\n";
  violations.Print(out);
  std::cout << out.str() << std::flush;
  return violations.Total() == 0 ? 0 : 1;
}

}  // namespace
}  // namespace hotdesk::faults

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "hotdesk-faults: fault suite with a history checker (see tests/faults/README.md)");
  absl::ParseCommandLine(argc, argv);
  signal(SIGPIPE, SIG_IGN);
  std::string child = absl::GetFlag(FLAGS_stalled_watcher_child);
  if (!child.empty()) {
    size_t slash = child.find('/');
    if (slash == std::string::npos) return 2;
    return hotdesk::faults::RunStalledWatcher(child.substr(0, slash), child.substr(slash + 1));
  }
  return hotdesk::faults::Run();
}
