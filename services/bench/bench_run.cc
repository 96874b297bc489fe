#include "services/bench/bench_run.h"

#include <cstdio>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "services/bench/environment.h"
#include "services/bench/memory_probe.h"
#include "services/bench/redis_ceiling.h"
#include "services/bench/redis_conn.h"
#include "services/bench/unary_load.h"
#include "services/bench/watch_load.h"
#include "services/bench/workloads.h"

namespace hotdesk::bench {
namespace {

void Progress(const std::string& what) {
  std::fprintf(stderr, "[hotdesk-bench] %s\n", what.c_str());
}

// One row per kind of call, plus an "all" row when a phase mixes kinds.
void AddRows(Report* report, const std::string& phase, const std::string& load, const LoadResult& r,
             const CpuMeter& cpu) {
  double bench_cores, server_cores;
  cpu.Stop(&bench_cores, &server_cores);
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

// Waits until the server answers Ping (UNIMPLEMENTED means it lacks --enable_bench_service).
absl::Status WaitForPing(const std::shared_ptr<grpc::Channel>& channel) {
  auto stub = v1::Bench::NewStub(channel);
  absl::Time end = absl::Now() + absl::Seconds(10);
  grpc::Status s;
  while (absl::Now() < end) {
    grpc::ClientContext ctx;
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(2)));
    v1::PingRequest req;
    v1::PingResponse resp;
    s = stub->Ping(&ctx, req, &resp);
    if (s.ok()) return absl::OkStatus();
    if (s.error_code() == grpc::StatusCode::UNIMPLEMENTED) {
      return absl::FailedPreconditionError(
          "the server does not serve hotdesk.v1.Bench/Ping: start it with --enable_bench_service");
    }
    absl::SleepFor(absl::Milliseconds(100));
  }
  return absl::UnavailableError(absl::StrCat("server not answering Ping: ", s.error_message()));
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
  Progress(c.spawn ? "starting redis-server and hotdesk-server" : "attaching");
  auto env_or = Environment::Open(c);
  if (!env_or.ok()) return env_or.status();
  Environment& env = **env_or;
  auto admin = RedisConn::Connect(env.redis_addr());
  if (!admin.ok()) return admin.status();
  auto channels = MakeChannels(env.server(), c.channels);
  if (absl::Status s = WaitForPing(channels[0]); !s.ok()) return s;

  const int concurrency = c.channels * c.inflight;
  const std::string closed = absl::StrCat("closed ", concurrency);
  auto tenant = [&](const char* phase) { return absl::StrCat(c.tenant, "-", phase); };
  report.config = {{"server", env.server()},
                   {"redis", env.redis_addr()},
                   {"spawned", c.spawn ? "true" : "false"},
                   {"channels", absl::StrCat(c.channels)},
                   {"inflight_per_channel", absl::StrCat(c.inflight)},
                   {"warmup_s", absl::StrCat(absl::ToDoubleSeconds(c.warmup))},
                   {"duration_s", absl::StrCat(absl::ToDoubleSeconds(c.duration))},
                   {"storm_desks", absl::StrCat(c.storm_desks)},
                   {"roam_space", absl::StrCat(c.roam_hosts, "x", c.roam_guests)},
                   {"watchers", absl::StrCat(c.watchers)},
                   {"event_rate", absl::StrCat(c.event_rate)},
                   {"memory_associations", absl::StrCat(c.memory_associations)},
                   {"tenant_base", c.tenant},
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
    size_t payload = AssociationWorkload::SampleRequest(tenant("steady")).ByteSizeLong();
    PingWorkload w(channels, payload);
    CpuMeter cpu(spid);
    AddRows(&report, "ping", closed, RunLoad(w, timed), cpu);
  }
  if (c.Runs("storm")) {
    Progress(absl::StrCat("storm: ", c.storm_desks, " logins on distinct desks"));
    AssociationWorkload w(channels, tenant("storm"), EstablishPattern::kStorm, 0, 0);
    LoadSpec spec = timed;
    spec.max_ops = c.storm_desks;
    CpuMeter cpu(spid);
    AddRows(&report, "storm", closed, RunLoad(w, spec), cpu);
  }
  if (c.Runs("roaming")) {
    Progress("roaming: random host x guest, supersedes");
    AssociationWorkload w(channels, tenant("roam"), EstablishPattern::kRoaming, c.roam_hosts,
                          c.roam_guests);
    CpuMeter cpu(spid);
    AddRows(&report, "roaming", closed, RunLoad(w, timed), cpu);
  }
  double peak = 0;
  if (c.Runs("steady") || c.Runs("half-peak")) {
    Progress("steady: Establish/Cancel alternating (peak)");
    AssociationWorkload w(channels, tenant("steady"), EstablishPattern::kSteady, 0, 0);
    CpuMeter cpu(spid);
    LoadResult r = RunLoad(w, timed);
    peak = r.ops_per_sec;
    AddRows(&report, "steady", closed, r, cpu);
  }
  if (c.Runs("half-peak") && peak > 0) {
    double rate = peak / 2;
    Progress(absl::StrFormat("half-peak: open loop at %.0f calls/s", rate));
    AssociationWorkload w(channels, tenant("half"), EstablishPattern::kSteady, 0, 0);
    LoadSpec spec = timed;
    spec.rate = rate;
    spec.slots = c.open_loop_slots;
    CpuMeter cpu(spid);
    LoadResult r = RunLoad(w, spec);
    AddRows(&report, "half-peak", absl::StrFormat("open %.0f/s", rate), r, cpu);
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
    spec.redis_addr = env.redis_addr();
    spec.key_prefix = c.key_prefix;
    spec.tenant = tenant("redis");
    spec.stream_retention = c.stream_retention;
    spec.connections = c.redis_connections;
    spec.window = c.redis_window;
    spec.warmup = c.warmup;
    spec.duration = c.redis_duration;
    spec.hosts = c.roam_hosts;
    spec.guests = c.roam_guests;
    CpuMeter cpu(spid);
    auto r = RunEstablishScript(spec);
    if (!r.ok()) return r.status();
    PhaseRow row;
    row.phase = "redis-script";
    row.kind = "establish";
    row.load = absl::StrCat("pipe ", c.redis_connections, "x", c.redis_window);
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
    RedisConn* conn = admin->get();
    spec.redis_clients = [conn]() { return conn->OtherClients(); };
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
    fill.redis_addr = env.redis_addr();
    fill.key_prefix = c.key_prefix;
    fill.tenant = tenant("mem");
    fill.stream_retention = std::max<int64_t>(c.stream_retention, c.memory_associations);
    fill.connections = c.redis_connections;
    fill.window = c.redis_window;
    fill.count = c.memory_associations;
    auto r = MeasureRedisMemory(fill);
    if (!r.ok()) return r.status();
    report.memory = *r;
  }
  if (!c.spawn && env.server_pid() <= 0) {
    report.notes.push_back("server RSS not measured: pass --server_pid");
  }
  if (!c.spawn) {
    report.notes.push_back(
        "attached mode: Redis connection counts include every client but the bench's own");
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
  env.Cleanup(c.key_prefix, c.tenant);
  return report;
}

}  // namespace hotdesk::bench
