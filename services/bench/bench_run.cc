#include "services/bench/bench_run.h"

#include <cstdio>
#include <memory>
#include <set>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "services/bench/environment.h"
#include "services/bench/memory_probe.h"
#include "services/bench/redis_ceiling.h"
#include "services/bench/redis_cpu.h"
#include "services/bench/redis_target.h"
#include "services/bench/unary_load.h"
#include "services/bench/watch_load.h"
#include "services/bench/workloads.h"
#include "services/keyspace/redis_keys.h"

namespace hotdesk::bench {
namespace {

void Progress(const std::string& what) {
  std::fprintf(stderr, "[hotdesk-bench] %s\n", what.c_str());
}

// Average cores busy in the bench and in the server over a phase (-1: unknown).
struct CoresUsed {
  double bench = -1, server = -1;
};

CoresUsed Cores(const CpuMeter& cpu) {
  CoresUsed c;
  cpu.Stop(&c.bench, &c.server);
  return c;
}

// One row per kind of call, plus an "all" row when a phase mixes kinds.
void AddRows(Report* report, const std::string& phase, const std::string& load, const LoadResult& r,
             CoresUsed cores) {
  const double bench_cores = cores.bench, server_cores = cores.server;
  for (size_t i = 0; i < r.kinds.size(); ++i) {
    const KindStats& k = r.kinds[i];
    PhaseRow row;
    row.phase = phase;
    row.kind = k.name;
    row.load = load;
    row.seconds = r.seconds;
    row.ops = k.ops;
    row.ops_per_sec = r.seconds > 0 ? static_cast<double>(k.ops) / r.seconds : 0;
    row.latency = k.latency;
    row.bench_cores = bench_cores;
    row.server_cores = server_cores;
    // Errors are reported once per phase, on its first row.
    if (i == 0) {
      row.errors = r.errors;
      row.error_codes = r.error_codes;
    }
    report->phases.push_back(row);
  }
  if (r.kinds.size() > 1) {
    PhaseRow all;
    all.phase = phase;
    all.kind = "all";
    all.load = load;
    all.seconds = r.seconds;
    all.ops = r.ops;
    all.ops_per_sec = r.ops_per_sec;
    all.bench_cores = bench_cores;
    all.server_cores = server_cores;
    report->phases.push_back(all);
  }
}

const PhaseRow* FindRow(const Report& r, const std::string& phase, const std::string& kind) {
  for (const auto& p : r.phases) {
    if (p.phase == phase && p.kind == kind) return &p;
  }
  return nullptr;
}

// Waits until the server answers Ping (UNIMPLEMENTED means it lacks --enable_bench_service)
// and reaches its Redis (a read of `probe_tenant`, which writes nothing, answers OK/NOT_FOUND).
absl::Status WaitForServer(const std::shared_ptr<grpc::Channel>& channel,
                           const std::string& probe_tenant) {
  auto stub = v1::Bench::NewStub(channel);
  absl::Time end = absl::Now() + absl::Seconds(10);
  grpc::Status s;
  while (absl::Now() < end) {
    grpc::ClientContext ctx;
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(2)));
    v1::PingRequest req;
    v1::PingResponse resp;
    s = stub->Ping(&ctx, req, &resp);
    if (s.ok()) break;
    if (s.error_code() == grpc::StatusCode::UNIMPLEMENTED) {
      return absl::FailedPreconditionError(
          "the server does not serve hotdesk.v1.Bench/Ping: start it with --enable_bench_service");
    }
    absl::SleepFor(absl::Milliseconds(100));
  }
  if (!s.ok()) {
    return absl::UnavailableError(absl::StrCat("server not answering Ping: ", s.error_message()));
  }
  auto assoc = v1::Associations::NewStub(channel);
  while (absl::Now() < end) {
    grpc::ClientContext ctx;
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(2)));
    v1::GetAssociationRequest req;
    req.set_tenant(probe_tenant);
    req.set_host("probe");
    v1::Association resp;
    s = assoc->GetAssociation(&ctx, req, &resp);
    if (s.ok() || s.error_code() == grpc::StatusCode::NOT_FOUND) return absl::OkStatus();
    absl::SleepFor(absl::Milliseconds(100));
  }
  return absl::UnavailableError(
      absl::StrCat("server does not reach its Redis: ", CodeName(s.error_code()), " ",
                   s.error_message()));
}

// Redis CPU per primary over a phase (one or more rounds, Begin/End each); a failed INFO
// becomes a note, never a failed run.
class PhaseRedisCpu {
 public:
  PhaseRedisCpu(RedisTarget& target, std::string phase, Report* report)
      : target_(target), phase_(std::move(phase)), report_(report) {}
  void Begin() {
    auto now = ReadRedisCounters(target_);
    if (now.ok()) {
      start_ = *std::move(now);
    } else {
      Fail(now.status());
    }
  }
  void End() {
    if (start_.empty()) return;
    auto now = ReadRedisCounters(target_);
    if (!now.ok()) return Fail(now.status());
    spent_.resize(now->size());
    for (size_t i = 0; i < now->size() && i < start_.size(); ++i) {
      spent_[i] += (*now)[i] - start_[i];
    }
    start_.clear();
  }
  // Adds the phase's rows to the report.
  void Finish() {
    if (failed_ || spent_.empty()) return;
    AppendRedisRows(target_.primaries(), phase_, spent_, &report_->redis_nodes,
                    &report_->redis_projections);
  }

 private:
  void Fail(const absl::Status& s) {
    if (!failed_) {
      report_->notes.push_back(absl::StrCat(phase_, ": Redis CPU not measured: ", s.message()));
    }
    failed_ = true;
    start_.clear();
  }

  RedisTarget& target_;
  std::string phase_;
  Report* report_;
  std::vector<RedisCounters> start_, spent_;
  bool failed_ = false;
};

// Runs `load` as one phase, with the Redis CPU it cost.
template <typename Fn>
auto WithRedisCpu(RedisTarget& target, const std::string& phase, Report* report, Fn load) {
  PhaseRedisCpu cpu(target, phase, report);
  cpu.Begin();
  auto result = load();
  cpu.End();
  cpu.Finish();
  return result;
}

// Waits until every primary has a replica that is in sync (a replica still in its first full
// sync acknowledges nothing: every WAIT would time out). False after `timeout`.
bool WaitForOnlineReplicas(RedisTarget& target, absl::Duration timeout) {
  absl::Time end = absl::Now() + timeout;
  while (true) {
    bool all = true;
    for (size_t i = 0; i < target.primaries().size(); ++i) {
      auto r = target.admin(i).Cmd({"INFO", "replication"});
      all = all && r.ok() && (*r)->str != nullptr &&
            absl::StrContains(absl::string_view((*r)->str, (*r)->len), "state=online");
    }
    if (all) return true;
    if (absl::Now() > end) return false;
    absl::SleepFor(absl::Milliseconds(50));
  }
}

const RedisProjection* FindProjection(const Report& r, const std::string& phase) {
  for (const auto& p : r.redis_projections) {
    if (p.phase == phase) return &p;
  }
  return nullptr;
}

std::string Ratio(double v) { return absl::StrFormat("%.1f %%", v * 100); }

void AddTargets(Report* report, const BenchConfig& c) {
  const PhaseRow* ping = FindRow(*report, "ping", "ping");
  const PhaseRow* steady = FindRow(*report, "steady", "all");
  if (ping && steady && ping->ops_per_sec > 0) {
    double ratio = steady->ops_per_sec / ping->ops_per_sec;
    report->targets.push_back({"Establish+Cancel throughput / empty-RPC ceiling (same conc.)",
                               Ratio(ratio), ">= 60 %", ratio >= 0.60, ratio});
  }
  const PhaseRow* half = FindRow(*report, "half-peak", "establish");
  if (half && half->latency.count > 0) {
    report->targets.push_back({"p99 Establish latency at half of peak throughput",
                               absl::StrFormat("%.3f ms", half->latency.p99), "<= 5 ms",
                               half->latency.p99 <= 5.0, half->latency.p99});
  }
  if (report->watch) {
    const WatchResult& w = *report->watch;
    std::string setup = absl::StrFormat("%d watchers x %.0f ev/s", w.watchers, c.event_rate);
    if (w.lag.count > 0) {
      report->targets.push_back({absl::StrCat("p99 delivery lag, ", setup),
                                 absl::StrFormat("%.3f ms", w.lag.p99), "<= 50 ms",
                                 w.lag.p99 <= 50.0, w.lag.p99});
    }
    report->targets.push_back(
        {absl::StrCat("deliveries received / expected, ", setup),
         absl::StrCat(w.received, "/", w.expected), "all",
         std::optional<bool>(w.expected > 0 && w.received == w.expected),
         w.expected > 0 ? static_cast<double>(w.received) / static_cast<double>(w.expected) : 0});
    std::optional<bool> indep;
    if (w.conns_probe >= 0 && w.conns_all >= 0) indep = w.conns_probe == w.conns_all;
    report->targets.push_back({absl::StrFormat("replica Redis connections, %d vs %d watchers",
                                               w.probe_watchers, w.watchers),
                               absl::StrCat(w.conns_probe, " vs ", w.conns_all), "equal", indep,
                               static_cast<double>(w.conns_all)});
  }
  if (report->memory) {
    double b = report->memory->bytes_per_association;
    report->targets.push_back({"Redis bytes per association (events separate)",
                               absl::StrFormat("%.1f B", b), "<= 400 B", b <= 400.0, b});
  }
  const PhaseRow* w0 = FindRow(*report, "wait-0", "all");
  const PhaseRow* w1 = FindRow(*report, "wait-1", "all");
  if (w0 && w1 && w0->ops_per_sec > 0) {
    double ratio = w1->ops_per_sec / w0->ops_per_sec;
    report->targets.push_back(
        {"info: wait_replicas=1 / off: Establish+Cancel throughput", Ratio(ratio), "-",
         std::nullopt, ratio});
  }
  const PhaseRow* w0e = FindRow(*report, "wait-0", "establish");
  const PhaseRow* w1e = FindRow(*report, "wait-1", "establish");
  if (w0e && w1e && w0e->latency.p99 > 0) {
    double ratio = w1e->latency.p99 / w0e->latency.p99;
    report->targets.push_back(
        {"info: wait_replicas=1 / off: p99 Establish latency",
         absl::StrFormat("%.2fx", ratio), "-", std::nullopt, ratio});
  }
  if (const RedisProjection* p = FindProjection(*report, "steady");
      p && p->scripts_per_sec > 0) {
    report->targets.push_back(
        {absl::StrFormat("info: steady, Redis-bound ops/s, a core per primary (%d)",
                         p->primaries),
         absl::StrFormat("%.0f/s", p->scripts_per_sec), "-", std::nullopt, p->scripts_per_sec});
  }
  const PhaseRow* redis = FindRow(*report, "redis-script", "establish");
  const PhaseRow* roam = FindRow(*report, "roaming", "establish");
  if (redis && roam && redis->ops_per_sec > 0) {
    double ratio = roam->ops_per_sec / redis->ops_per_sec;
    report->targets.push_back({"info: server roaming Establish / Redis script ceiling",
                               Ratio(ratio), "-", std::nullopt, ratio});
  }
}

}  // namespace

absl::StatusOr<Report> RunBench(const BenchConfig& c) {
  Report report;
  Progress(c.spawn ? absl::StrCat("starting ", c.spawn_redis == "cluster"
                                                   ? absl::StrCat("a Redis Cluster of ",
                                                                  c.spawn_primaries, " primaries")
                                                   : std::string("redis-server"),
                                  " and hotdesk-server")
                   : "attaching");
  auto env_or = Environment::Open(c);
  if (!env_or.ok()) return env_or.status();
  Environment& env = **env_or;
  auto target_or = RedisTarget::Open(env.redis(), absl::Seconds(10));
  if (!target_or.ok()) return target_or.status();
  RedisTarget& target = **target_or;
  auto channels = MakeChannels(env.server(), c.channels);
  if (absl::Status s = WaitForServer(channels[0], absl::StrCat(c.tenant, "-probe")); !s.ok()) {
    return s;
  }

  const bool cluster = target.config().mode == RedisConfig::Mode::kCluster;
  const int tenant_count = c.tenants > 0 ? c.tenants : (cluster ? kClusterTenants : 1);
  std::vector<std::string> all_tenants;  // for the cleanup
  auto tenant = [&](const char* phase) {
    std::string t = absl::StrCat(c.tenant, "-", phase);
    all_tenants.push_back(t);
    return t;
  };
  // A phase's tenants: "<base>-<phase>" alone (as before --tenants), or "<base>-<phase>-<i>".
  auto tenants = [&](const char* phase) {
    std::vector<std::string> out;
    if (tenant_count == 1) {
      out.push_back(tenant(phase));
    } else {
      for (int i = 0; i < tenant_count; ++i) {
        out.push_back(absl::StrCat(c.tenant, "-", phase, "-", i));
        all_tenants.push_back(out.back());
      }
    }
    return out;
  };

  const int concurrency = c.channels * c.inflight;
  const std::string closed = absl::StrCat("closed ", concurrency);
  report.config = {{"server", env.server()},
                   {"redis", target.Describe()},
                   {"redis_mode", target.mode_name()},
                   {"redis_primaries", absl::StrCat(target.primaries().size())},
                   {"spawned", c.spawn ? "true" : "false"},
                   {"channels", absl::StrCat(c.channels)},
                   {"inflight_per_channel", absl::StrCat(c.inflight)},
                   {"warmup_s", absl::StrCat(absl::ToDoubleSeconds(c.warmup))},
                   {"duration_s", absl::StrCat(absl::ToDoubleSeconds(c.duration))},
                   {"storm_desks", absl::StrCat(c.storm_desks)},
                   {"roam_space", absl::StrCat(c.roam_hosts, "x", c.roam_guests)},
                   {"tenants_per_phase", absl::StrCat(tenant_count)},
                   {"watchers", absl::StrCat(c.watchers)},
                   {"event_rate", absl::StrCat(c.event_rate)},
                   {"memory_associations", absl::StrCat(c.memory_associations)},
                   {"tenant_base", c.tenant},
                   {"cores", absl::StrCat(std::thread::hardware_concurrency())},
                   {"quick", c.quick ? "true" : "false"}};

  if (env.server_pid() > 0) {
    auto rss = ReadRss(env.server_pid());
    if (rss.ok()) report.rss_idle = *rss;
  }
  std::unique_ptr<RssSampler> sampler;
  if (env.server_pid() > 0) sampler = std::make_unique<RssSampler>(env.server_pid());

  LoadSpec timed;
  timed.slots = concurrency;
  timed.warmup = c.warmup;
  timed.duration = c.duration;

  const pid_t spid = env.server_pid();
  if (c.Runs("ping")) {
    Progress("ping: the empty-RPC ceiling");
    size_t payload = AssociationWorkload::SampleRequest(c.tenant + "-steady").ByteSizeLong();
    PingWorkload w(channels, payload);
    CpuMeter cpu(spid);
    LoadResult r = RunLoad(w, timed);
    AddRows(&report, "ping", closed, r, Cores(cpu));
  }
  if (c.Runs("storm")) {
    Progress(absl::StrCat("storm: ", c.storm_desks, " logins on distinct desks"));
    AssociationWorkload w(channels, tenants("storm"), EstablishPattern::kStorm, 0, 0);
    LoadSpec spec = timed;
    spec.max_ops = c.storm_desks;
    CpuMeter cpu(spid);
    LoadResult r = WithRedisCpu(target, "storm", &report, [&] { return RunLoad(w, spec); });
    AddRows(&report, "storm", closed, r, Cores(cpu));
  }
  if (c.Runs("roaming")) {
    Progress("roaming: random host x guest, supersedes");
    AssociationWorkload w(channels, tenants("roam"), EstablishPattern::kRoaming, c.roam_hosts,
                          c.roam_guests);
    CpuMeter cpu(spid);
    LoadResult r = WithRedisCpu(target, "roaming", &report, [&] { return RunLoad(w, timed); });
    AddRows(&report, "roaming", closed, r, Cores(cpu));
  }
  double peak = 0;
  if (c.Runs("steady") || c.Runs("half-peak")) {
    Progress("steady: Establish/Cancel alternating (peak)");
    AssociationWorkload w(channels, tenants("steady"), EstablishPattern::kSteady, 0, 0);
    CpuMeter cpu(spid);
    LoadResult r = WithRedisCpu(target, "steady", &report, [&] { return RunLoad(w, timed); });
    peak = r.ops_per_sec;
    AddRows(&report, "steady", closed, r, Cores(cpu));
  }
  if (c.Runs("half-peak") && peak > 0) {
    double rate = peak / 2;
    Progress(absl::StrFormat("half-peak: open loop at %.0f calls/s", rate));
    AssociationWorkload w(channels, tenants("half"), EstablishPattern::kSteady, 0, 0);
    LoadSpec spec = timed;
    spec.rate = rate;
    spec.slots = c.open_loop_slots;
    CpuMeter cpu(spid);
    LoadResult r = WithRedisCpu(target, "half-peak", &report, [&] { return RunLoad(w, spec); });
    AddRows(&report, "half-peak", absl::StrFormat("open %.0f/s", rate), r, Cores(cpu));
    report.notes.push_back(absl::StrFormat(
        "half-peak: the pacer started %.0f calls/s of the %.0f/s asked; latency counts from "
        "each call's scheduled start",
        r.started_per_sec, rate));
    if (r.late_starts > 0) {
      report.notes.push_back(
          absl::StrCat("half-peak: ", r.late_starts, " times every open-loop slot was busy"));
    }
  }
  if (sampler) report.rss_load = sampler->Max();

  if (c.Runs("redis-script")) {
    Progress("redis-script: the establish script straight through hiredis, pipelined");
    ScriptLoadSpec spec;
    spec.target = &target;
    spec.key_prefix = c.key_prefix;
    spec.tenants = tenants("redis");
    spec.stream_retention = c.stream_retention;
    spec.connections = target.config().connections;
    spec.window = c.redis_window;
    spec.warmup = c.warmup;
    spec.duration = c.redis_duration;
    spec.hosts = c.roam_hosts;
    spec.guests = c.roam_guests;
    CpuMeter cpu(spid);
    auto r = WithRedisCpu(target, "redis-script", &report,
                          [&] { return RunEstablishScript(spec); });
    if (!r.ok()) return r.status();
    PhaseRow row;
    row.phase = "redis-script";
    row.kind = "establish";
    row.load = absl::StrCat("pipe ", spec.connections, "x", c.redis_window);
    if (r->primaries > 1) absl::StrAppend(&row.load, " x", r->primaries);
    row.seconds = r->seconds;
    row.ops = r->ops;
    row.ops_per_sec = r->ops_per_sec;
    row.latency = r->latency;
    row.errors = r->errors;
    row.error_codes = r->error_codes;
    cpu.Stop(&row.bench_cores, &row.server_cores);
    report.phases.push_back(row);
  }
  if (c.Runs("watch")) {
    Progress(absl::StrFormat("watch: %d watchers, %.0f events/s", c.watchers, c.event_rate));
    WatchSpec spec;
    spec.server = env.server();
    spec.tenant = tenant("watch");
    spec.watchers = c.watchers;
    spec.channels = c.watch_channels;
    spec.rate = c.event_rate;
    spec.produce = c.event_duration;
    spec.redis_clients = [&target]() { return target.OtherClients(); };
    CpuMeter cpu(spid);
    auto r = RunWatchLoad(spec);
    if (!r.ok()) return r.status();
    cpu.Stop(&report.watch_bench_cores, &report.watch_server_cores);
    report.watch = *r;
    if (sampler) report.rss_load = std::max(report.rss_load, sampler->Max());
  }
  sampler.reset();
  if (c.Runs("memory")) {
    Progress(absl::StrCat("memory: ", c.memory_associations, " associations"));
    ScriptLoadSpec fill;
    fill.target = &target;
    fill.key_prefix = c.key_prefix;
    fill.tenants = {tenant("mem")};
    fill.stream_retention = std::max<int64_t>(c.stream_retention, c.memory_associations);
    fill.connections = target.config().connections;
    fill.window = c.redis_window;
    fill.count = c.memory_associations;
    auto r = MeasureRedisMemory(fill);
    if (!r.ok()) return r.status();
    report.memory = *r;
  }
  if (c.Runs("durability")) {
    // Last: in a spawned run the replica it needs would otherwise cost every phase CPU.
    Progress("durability: Establish/Cancel without and with --redis_wait_replicas=1");
    auto durable = env.DurableServer(c);
    if (!durable.ok()) {
      report.notes.push_back(
          absl::StrCat("durability: not measured: ", durable.status().message()));
    } else {
      if (!WaitForOnlineReplicas(target, absl::Seconds(30))) {
        report.notes.push_back(
            "durability: a primary has no replica in sync: the durable server's WAITs time out");
      }
      auto dchannels = MakeChannels(durable->addr, c.channels);
      if (absl::Status s = WaitForServer(dchannels[0], absl::StrCat(c.tenant, "-probe"));
          !s.ok()) {
        return s;
      }
      // One workload per side, kept across its rounds (each slot goes on alternating).
      struct Side {
        const char* phase;
        pid_t pid;
        AssociationWorkload workload;
        PhaseRedisCpu redis_cpu;
        std::vector<LoadResult> runs;
        CoresUsed cores{0, 0};
      };
      Side sides[2] = {
          {"wait-0", spid,
           AssociationWorkload(channels, tenants("wait0"), EstablishPattern::kSteady, 0, 0),
           PhaseRedisCpu(target, "wait-0", &report), {}, {0, 0}},
          {"wait-1", durable->pid,
           AssociationWorkload(dchannels, tenants("wait1"), EstablishPattern::kSteady, 0, 0),
           PhaseRedisCpu(target, "wait-1", &report), {}, {0, 0}}};
      // Rounds in the order 0, 1, 1, 0 (half the duration each): a machine whose load drifts
      // during the phase weighs on both sides alike.
      LoadSpec round = timed;
      round.duration = timed.duration / 2;
      for (int i : {0, 1, 1, 0}) {
        Side& side = sides[i];
        CpuMeter cpu(side.pid);
        side.redis_cpu.Begin();
        side.runs.push_back(RunLoad(side.workload, round));
        side.redis_cpu.End();
        CoresUsed used = Cores(cpu);
        side.cores.bench += used.bench / 2;
        side.cores.server += used.server / 2;
      }
      for (Side& side : sides) {
        side.redis_cpu.Finish();
        AddRows(&report, side.phase, closed, CombineLoads(side.runs), side.cores);
      }
      int64_t waits = 0;
      for (const auto& n : report.redis_nodes) {
        if (n.phase == "wait-1") waits += n.waits;
      }
      report.notes.push_back(absl::StrCat(
          "durability: wait-0 and wait-1 run the steady mix against the same primary with one "
          "replica, through a server without and one with --redis_wait_replicas=1 (",
          waits, " WAIT calls during wait-1)"));
      if (waits == 0) {
        report.notes.push_back(
            "durability: the wait-1 server sent no WAIT: was it started with "
            "--redis_wait_replicas?");
      }
    }
  }
  if (cluster) {
    RedisKeys keys(c.key_prefix);
    std::set<RedisNodeAddr> used;
    for (const auto& t : all_tenants) used.insert(target.PrimaryFor(keys.ByHost(t)));
    report.notes.push_back(absl::StrCat("tenants: ", tenant_count, " per phase, served by ",
                                        used.size(), " of ", target.primaries().size(),
                                        " primaries (see each primary's share of the scripts)"));
  }
  if (cluster) {
    const int n = static_cast<int>(target.primaries().size());
    report.notes.push_back(absl::StrFormat(
        "%d cluster primar%s share%s this machine's %u cores with the server and the bench: the "
        "figures show what routing costs, not how Redis Cluster scales. Per primary, the Redis "
        "table gives CPU per operation; the Redis-bound projection (a core per primary) follows "
        "from it",
        n, n == 1 ? "y" : "ies", n == 1 ? "s" : "", std::thread::hardware_concurrency()));
  }
  if (!c.spawn && env.server_pid() <= 0) {
    report.notes.push_back("server RSS not measured: pass --server_pid");
  }
  if (!c.spawn) {
    report.notes.push_back(
        "attached mode: Redis connection counts and Redis CPU include every other client");
  }
  report.notes.push_back(
      "event lag uses event.time (Redis commit time, millisecond resolution) on the same clock");
  report.notes.push_back(
      "memory filled through the server's establish script (same keys and arguments), no "
      "request_id");
  AddTargets(&report, c);
  if (report.TotalErrors() > 0) {
    report.notes.push_back("calls failed in this run: the ratios above are not trustworthy");
  }
  Progress("cleaning up");
  env.Cleanup(target, c.key_prefix, c.tenant, all_tenants);
  return report;
}

}  // namespace hotdesk::bench
