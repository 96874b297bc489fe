#include "services/bench/redis_cpu.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace hotdesk::bench {
namespace {

bool IsScriptCommand(absl::string_view name) {
  return name == "evalsha" || name == "eval" || name == "evalsha_ro" || name == "eval_ro" ||
         name == "fcall" || name == "fcall_ro";
}

absl::StatusOr<std::string> InfoText(RedisConn& conn, const std::string& section) {
  auto r = conn.Cmd({"INFO", section});
  if (!r.ok()) return r.status();
  return std::string((*r)->str ? (*r)->str : "", (*r)->len);
}

}  // namespace

RedisCounters& RedisCounters::operator+=(const RedisCounters& o) {
  main_cpu += o.main_cpu;
  process_cpu += o.process_cpu;
  scripts += o.scripts;
  commands += o.commands;
  waits += o.waits;
  script_usec += o.script_usec;
  return *this;
}

RedisCounters RedisCounters::operator-(const RedisCounters& o) const {
  RedisCounters d = *this;
  d.main_cpu -= o.main_cpu;
  d.process_cpu -= o.process_cpu;
  d.scripts -= o.scripts;
  d.commands -= o.commands;
  d.waits -= o.waits;
  d.script_usec -= o.script_usec;
  return d;
}

RedisCounters ParseRedisCounters(const std::string& info_cpu,
                                 const std::string& info_commandstats) {
  RedisCounters c;
  double user = 0, sys = 0, user_main = -1, sys_main = -1;
  for (absl::string_view line : absl::StrSplit(info_cpu, '\n')) {
    line = absl::StripSuffix(line, "\r");
    std::pair<absl::string_view, absl::string_view> kv = absl::StrSplit(line, ':');
    double v;
    if (!absl::SimpleAtod(kv.second, &v)) continue;
    if (kv.first == "used_cpu_user") user = v;
    if (kv.first == "used_cpu_sys") sys = v;
    if (kv.first == "used_cpu_user_main_thread") user_main = v;
    if (kv.first == "used_cpu_sys_main_thread") sys_main = v;
  }
  c.process_cpu = user + sys;
  // Redis before 6.2 has no main-thread figures: the process is the next best thing.
  c.main_cpu = user_main >= 0 && sys_main >= 0 ? user_main + sys_main : c.process_cpu;

  // cmdstat_<name>:calls=N,usec=N,usec_per_call=F,...
  for (absl::string_view line : absl::StrSplit(info_commandstats, '\n')) {
    line = absl::StripSuffix(line, "\r");
    if (!absl::ConsumePrefix(&line, "cmdstat_")) continue;
    std::pair<absl::string_view, absl::string_view> kv = absl::StrSplit(line, ':');
    int64_t calls = 0, usec = 0;
    for (absl::string_view field : absl::StrSplit(kv.second, ',')) {
      if (absl::ConsumePrefix(&field, "calls=")) (void)absl::SimpleAtoi(field, &calls);
      if (absl::ConsumePrefix(&field, "usec=")) (void)absl::SimpleAtoi(field, &usec);
    }
    c.commands += calls;
    if (kv.first == "wait") c.waits += calls;
    if (IsScriptCommand(kv.first)) {
      c.scripts += calls;
      c.script_usec += static_cast<double>(usec);
    }
  }
  return c;
}

absl::StatusOr<std::vector<RedisCounters>> ReadRedisCounters(RedisTarget& target) {
  std::vector<RedisCounters> out;
  for (size_t i = 0; i < target.primaries().size(); ++i) {
    auto cpu = InfoText(target.admin(i), "cpu");
    if (!cpu.ok()) return cpu.status();
    auto stats = InfoText(target.admin(i), "commandstats");
    if (!stats.ok()) return stats.status();
    out.push_back(ParseRedisCounters(*cpu, *stats));
  }
  return out;
}

void AppendRedisRows(const std::vector<RedisNodeAddr>& primaries, const std::string& phase,
                     const std::vector<RedisCounters>& spent, std::vector<NodeCpuRow>* rows,
                     std::vector<RedisProjection>* projections) {
  RedisProjection proj;
  proj.phase = phase;
  proj.primaries = static_cast<int>(primaries.size());
  for (size_t i = 0; i < primaries.size() && i < spent.size(); ++i) {
    const RedisCounters& d = spent[i];
    NodeCpuRow row;
    row.phase = phase;
    row.node = primaries[i].ToString();
    row.cpu_seconds = d.main_cpu;
    row.process_seconds = d.process_cpu;
    row.scripts = d.scripts;
    row.commands = d.commands;
    row.waits = d.waits;
    if (row.scripts > 0) {
      double n = static_cast<double>(row.scripts);
      row.script_usec_per_call = d.script_usec / n;
      row.cpu_usec_per_script = row.cpu_seconds * 1e6 / n;
    }
    proj.scripts += row.scripts;
    if (row.cpu_seconds > proj.busiest_cpu_seconds) {
      proj.busiest_cpu_seconds = row.cpu_seconds;
      proj.busiest = row.node;
    }
    rows->push_back(row);
  }
  if (proj.busiest_cpu_seconds > 0) {
    proj.scripts_per_sec = static_cast<double>(proj.scripts) / proj.busiest_cpu_seconds;
  }
  projections->push_back(proj);
}

}  // namespace hotdesk::bench
