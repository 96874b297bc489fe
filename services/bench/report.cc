#include "services/bench/report.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "services/common/json_escape.h"

namespace hotdesk::bench {
namespace {

std::string Num(double v) { return std::isfinite(v) ? absl::StrFormat("%.6g", v) : "null"; }

std::string LatencyJson(const LatencySummary& l) {
  return absl::StrCat("{\"count\":", l.count, ",\"p50_ms\":", Num(l.p50),
                      ",\"p90_ms\":", Num(l.p90), ",\"p99_ms\":", Num(l.p99),
                      ",\"p999_ms\":", Num(l.p999), ",\"max_ms\":", Num(l.max),
                      ",\"mean_ms\":", Num(l.mean), "}");
}

std::string CodesJson(const std::map<std::string, int64_t>& codes) {
  std::vector<std::string> parts;
  for (const auto& [k, v] : codes) parts.push_back(absl::StrCat(JsonQuote(k), ":", v));
  return absl::StrCat("{", absl::StrJoin(parts, ","), "}");
}

std::string Codes(const std::map<std::string, int64_t>& codes) {
  std::vector<std::string> parts;
  for (const auto& [k, v] : codes) parts.push_back(absl::StrCat(k, "=", v));
  return absl::StrJoin(parts, " ");
}

std::string Cores(double bench, double server) {
  if (bench < 0 && server < 0) return "";
  auto one = [](double v) { return v < 0 ? std::string("?") : absl::StrFormat("%.2f", v); };
  return absl::StrCat(one(bench), "/", one(server));
}

std::string Mib(int64_t bytes) {
  return bytes < 0 ? "n/a" : absl::StrFormat("%.1f MiB", static_cast<double>(bytes) / 1048576.0);
}

}  // namespace

int64_t Report::TotalErrors() const {
  int64_t n = setup_errors;
  for (const auto& p : phases) n += p.errors;
  if (watch) n += watch->errors;
  if (memory) n += memory->errors;
  return n;
}

void PrintReport(const Report& r, std::FILE* out) {
  std::fprintf(out, "\n%-13s %-9s %-13s %10s %10s %8s %8s %8s %8s %7s  %s\n", "phase", "kind",
               "load", "ops", "ops/s", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "errors",
               "cores bench/server");
  for (const auto& p : r.phases) {
    auto ms = [&](double v) {
      return p.latency.count > 0 ? absl::StrFormat("%8.3f", v) : std::string("       -");
    };
    std::fprintf(out, "%-13s %-9s %-13s %10lld %10.0f %s %s %s %s %7lld  %s%s%s\n", p.phase.c_str(),
                 p.kind.c_str(), p.load.c_str(), static_cast<long long>(p.ops), p.ops_per_sec,
                 ms(p.latency.p50).c_str(), ms(p.latency.p90).c_str(), ms(p.latency.p99).c_str(),
                 ms(p.latency.p999).c_str(), static_cast<long long>(p.errors),
                 Cores(p.bench_cores, p.server_cores).c_str(), p.error_codes.empty() ? "" : "  ",
                 Codes(p.error_codes).c_str());
  }
  if (r.watch) {
    const WatchResult& w = *r.watch;
    std::fprintf(out,
                 "\nevent delivery: %d watchers (%d subscribed in %.2f s), %lld events, "
                 "%lld/%lld deliveries (%.0f/s)\n"
                 "  lag commit->receipt: p50 %.3f ms  p90 %.3f ms  p99 %.3f ms  p99.9 %.3f ms  "
                 "max %.3f ms\n"
                 "  replica's Redis connections: %d before watchers, %d with %d, %d with %d\n"
                 "  cores busy (bench/server): %s\n",
                 w.watchers, w.subscribed, w.subscribe_seconds, static_cast<long long>(w.events),
                 static_cast<long long>(w.received), static_cast<long long>(w.expected),
                 w.deliveries_per_sec, w.lag.p50, w.lag.p90, w.lag.p99, w.lag.p999, w.lag.max,
                 w.conns_before, w.conns_probe, w.probe_watchers, w.conns_all, w.watchers,
                 Cores(r.watch_bench_cores, r.watch_server_cores).c_str());
    if (w.errors > 0) {
      std::fprintf(out, "  errors: %lld  %s\n", static_cast<long long>(w.errors),
                   Codes(w.error_codes).c_str());
    }
  }
  if (r.memory) {
    const RedisMemoryResult& m = *r.memory;
    std::fprintf(out,
                 "\nRedis memory over %lld associations: %.1f bytes/association (state), "
                 "%.1f bytes/event (stream) — MEMORY USAGE of the tenant's keys; "
                 "used_memory grew by %lld bytes\n",
                 static_cast<long long>(m.associations), m.bytes_per_association, m.bytes_per_event,
                 static_cast<long long>(m.used_filled - m.used_before));
  }
  std::fprintf(out, "server RSS: idle %s, under load (max) %s\n", Mib(r.rss_idle).c_str(),
               Mib(r.rss_load).c_str());
  if (!r.redis_nodes.empty()) {
    // Per primary: CPU of its main thread per script call (one call = one operation), so that
    // the throughput of primaries on machines of their own can be computed.
    std::fprintf(out, "\nRedis primaries, per phase (CPU: main thread, where commands run)\n");
    std::fprintf(out, "%-13s %-21s %9s %7s %8s %12s %12s %9s\n", "phase", "primary", "scripts",
                 "share", "cpu s", "cpu us/op", "script us", "commands");
    for (const auto& proj : r.redis_projections) {
      for (const auto& n : r.redis_nodes) {
        if (n.phase != proj.phase) continue;
        double share = proj.scripts > 0 ? 100.0 * static_cast<double>(n.scripts) /
                                              static_cast<double>(proj.scripts)
                                        : 0;
        std::fprintf(out, "%-13s %-21s %9lld %6.1f%% %8.3f %12.1f %12.1f %9lld\n",
                     n.phase.c_str(), n.node.c_str(), static_cast<long long>(n.scripts), share,
                     n.cpu_seconds, n.cpu_usec_per_script, n.script_usec_per_call,
                     static_cast<long long>(n.commands));
      }
      if (proj.scripts_per_sec > 0) {
        std::fprintf(out,
                     "%-13s Redis-bound with a core per primary: %.0f ops/s (%d primar%s; "
                     "busiest %s)\n",
                     proj.phase.c_str(), proj.scripts_per_sec, proj.primaries,
                     proj.primaries == 1 ? "y" : "ies", proj.busiest.c_str());
      }
    }
  }

  std::fprintf(out, "\n%-62s %-16s %-10s %s\n", "target", "measured", "goal", "result");
  for (const auto& t : r.targets) {
    std::fprintf(out, "%-62s %-16s %-10s %s\n", t.name.c_str(), t.measured.c_str(), t.goal.c_str(),
                 t.goal == "-" ? "(info)"
                 : !t.met      ? "not measured"
                               : (*t.met ? "met" : "NOT MET"));
  }
  for (const auto& n : r.notes) std::fprintf(out, "note: %s\n", n.c_str());
  std::fprintf(out, "\nerrors: %lld\n", static_cast<long long>(r.TotalErrors()));
}

std::string ReportJson(const Report& r) {
  std::string j = "{\n  \"config\": {";
  std::vector<std::string> cfg;
  for (const auto& [k, v] : r.config) cfg.push_back(absl::StrCat(JsonQuote(k), ":", JsonQuote(v)));
  absl::StrAppend(&j, absl::StrJoin(cfg, ","), "},\n  \"phases\": [\n");
  std::vector<std::string> phases;
  for (const auto& p : r.phases) {
    phases.push_back(absl::StrCat(
        "    {\"phase\":", JsonQuote(p.phase), ",\"kind\":", JsonQuote(p.kind),
        ",\"load\":", JsonQuote(p.load), ",\"seconds\":", Num(p.seconds), ",\"ops\":", p.ops,
        ",\"ops_per_sec\":", Num(p.ops_per_sec), ",\"latency\":", LatencyJson(p.latency),
        ",\"errors\":", p.errors, ",\"error_codes\":", CodesJson(p.error_codes),
        ",\"bench_cores\":", Num(p.bench_cores), ",\"server_cores\":", Num(p.server_cores), "}"));
  }
  absl::StrAppend(&j, absl::StrJoin(phases, ",\n"), "\n  ],\n");
  if (r.watch) {
    const WatchResult& w = *r.watch;
    absl::StrAppend(
        &j, "  \"watch\": {\"watchers\":", w.watchers, ",\"subscribed\":", w.subscribed,
        ",\"subscribe_seconds\":", Num(w.subscribe_seconds), ",\"events\":", w.events,
        ",\"expected_deliveries\":", w.expected, ",\"received_deliveries\":", w.received,
        ",\"deliveries_per_sec\":", Num(w.deliveries_per_sec), ",\"lag\":", LatencyJson(w.lag),
        ",\"redis_connections\":{\"before\":", w.conns_before, ",\"probe\":", w.conns_probe,
        ",\"probe_watchers\":", w.probe_watchers, ",\"all\":", w.conns_all,
        "},\"bench_cores\":", Num(r.watch_bench_cores),
        ",\"server_cores\":", Num(r.watch_server_cores), ",\"errors\":", w.errors,
        ",\"error_codes\":", CodesJson(w.error_codes), "},\n");
  }
  if (r.memory) {
    const RedisMemoryResult& m = *r.memory;
    absl::StrAppend(&j, "  \"memory\": {\"associations\":", m.associations,
                    ",\"used_memory_before\":", m.used_before,
                    ",\"used_memory_filled\":", m.used_filled,
                    ",\"state_memory_usage\":", m.state_usage,
                    ",\"stream_memory_usage\":", m.stream_usage,
                    ",\"bytes_per_association\":", Num(m.bytes_per_association),
                    ",\"bytes_per_event\":", Num(m.bytes_per_event),
                    ",\"fill_seconds\":", Num(m.fill_seconds), ",\"errors\":", m.errors, "},\n");
  }
  if (!r.redis_nodes.empty()) {
    std::vector<std::string> nodes, projections;
    for (const auto& n : r.redis_nodes) {
      nodes.push_back(absl::StrCat(
          "    {\"phase\":", JsonQuote(n.phase), ",\"node\":", JsonQuote(n.node),
          ",\"cpu_seconds\":", Num(n.cpu_seconds), ",\"process_cpu_seconds\":",
          Num(n.process_seconds), ",\"scripts\":", n.scripts, ",\"commands\":", n.commands,
          ",\"wait_calls\":", n.waits, ",\"cpu_usec_per_op\":", Num(n.cpu_usec_per_script),
          ",\"script_usec_per_call\":", Num(n.script_usec_per_call), "}"));
    }
    for (const auto& p : r.redis_projections) {
      projections.push_back(absl::StrCat(
          "    {\"phase\":", JsonQuote(p.phase), ",\"primaries\":", p.primaries,
          ",\"scripts\":", p.scripts, ",\"busiest\":", JsonQuote(p.busiest),
          ",\"busiest_cpu_seconds\":", Num(p.busiest_cpu_seconds),
          ",\"redis_bound_ops_per_sec\":", Num(p.scripts_per_sec), "}"));
    }
    absl::StrAppend(&j, "  \"redis_nodes\": [\n", absl::StrJoin(nodes, ",\n"),
                    "\n  ],\n  \"redis_projections\": [\n", absl::StrJoin(projections, ",\n"),
                    "\n  ],\n");
  }
  absl::StrAppend(&j, "  \"server_rss\": {\"idle_bytes\":", r.rss_idle,
                  ",\"load_max_bytes\":", r.rss_load, "},\n  \"targets\": [\n");
  std::vector<std::string> targets;
  for (const auto& t : r.targets) {
    targets.push_back(
        absl::StrCat("    {\"name\":", JsonQuote(t.name), ",\"measured\":", JsonQuote(t.measured),
                     ",\"value\":", Num(t.value), ",\"goal\":", JsonQuote(t.goal),
                     ",\"met\":", !t.met ? "null" : (*t.met ? "true" : "false"), "}"));
  }
  absl::StrAppend(&j, absl::StrJoin(targets, ",\n"), "\n  ],\n  \"notes\": [");
  std::vector<std::string> notes;
  for (const auto& n : r.notes) notes.push_back(JsonQuote(n));
  absl::StrAppend(&j, absl::StrJoin(notes, ", "), "],\n  \"setup_errors\": ", r.setup_errors,
                  ",\n  \"errors\": ", r.TotalErrors(), "\n}\n");
  return j;
}

}  // namespace hotdesk::bench
