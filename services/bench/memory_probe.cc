#include "services/bench/memory_probe.h"

#include <unistd.h>

#include <fstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "services/bench/redis_conn.h"
#include "services/keyspace/redis_keys.h"

namespace hotdesk::bench {

namespace {

// Sum of MEMORY USAGE over the keys matching `pattern` on one node; the stream `events` is
// reported apart.
absl::Status KeysUsage(RedisConn& redis, const std::string& pattern, const std::string& events,
                       int64_t* state, int64_t* stream) {
  *state = *stream = 0;
  return redis.ScanKeys(pattern, [&](const std::vector<std::string>& keys) {
    for (const auto& key : keys) {
      auto usage = redis.Cmd({"MEMORY", "USAGE", key, "SAMPLES", "0"});
      if (!usage.ok()) return usage.status();
      (key == events ? *stream : *state) += (*usage)->integer;
    }
    return absl::OkStatus();
  });
}

}  // namespace

absl::StatusOr<RedisMemoryResult> MeasureRedisMemory(const ScriptLoadSpec& fill) {
  if (fill.target == nullptr || fill.tenants.empty()) {
    return absl::InvalidArgumentError("memory: no Redis or no tenant");
  }
  RedisKeys keys(fill.key_prefix);
  const std::string& tenant = fill.tenants[0];
  std::string events = keys.Events(tenant);
  std::string pattern = absl::StrCat(fill.key_prefix, ":{", tenant, "}:*");
  // The tenant's keys share its hash tag, so one primary holds them all.
  auto admin = fill.target->Connect(fill.target->PrimaryFor(events));
  if (!admin.ok()) return admin.status();
  RedisConn& redis = **admin;

  RedisMemoryResult r;
  r.associations = fill.count;
  int64_t state = 0, stream = 0;
  absl::Status st = KeysUsage(redis, pattern, events, &state, &stream);
  if (!st.ok()) return st;
  if (state + stream != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("memory: tenant ", tenant, " already has keys (", pattern, ")"));
  }
  auto before = redis.InfoInt("memory", "used_memory");
  if (!before.ok()) return before.status();
  r.used_before = *before;

  auto loaded = RunEstablishScript(fill);
  if (!loaded.ok()) return loaded.status();
  r.fill_seconds = loaded->seconds;
  r.errors = loaded->errors;

  auto filled = redis.InfoInt("memory", "used_memory");
  if (!filled.ok()) return filled.status();
  r.used_filled = *filled;
  st = KeysUsage(redis, pattern, events, &r.state_usage, &r.stream_usage);
  if (!st.ok()) return st;

  double n = static_cast<double>(std::max<int64_t>(1, r.associations));
  r.bytes_per_association = static_cast<double>(r.state_usage) / n;
  r.bytes_per_event = static_cast<double>(r.stream_usage) / n;
  return r;
}

absl::StatusOr<int64_t> ReadRss(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/status"));
  if (!in) return absl::NotFoundError(absl::StrCat("no /proc/", pid, "/status"));
  std::string line;
  while (std::getline(in, line)) {
    absl::string_view v(line);
    if (!absl::ConsumePrefix(&v, "VmRSS:")) continue;
    std::vector<absl::string_view> parts =
        absl::StrSplit(v, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    int64_t kb;
    if (!parts.empty() && absl::SimpleAtoi(parts[0], &kb)) return kb * 1024;
  }
  return absl::NotFoundError(absl::StrCat("no VmRSS for pid ", pid));
}

absl::StatusOr<double> ReadCpuSeconds(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/stat"));
  std::string line;
  if (!in || !std::getline(in, line)) {
    return absl::NotFoundError(absl::StrCat("no /proc/", pid, "/stat"));
  }
  // Fields after "(comm)": state is field 3, utime 14, stime 15.
  size_t paren = line.rfind(')');
  if (paren == std::string::npos) return absl::InternalError("bad /proc/<pid>/stat");
  std::vector<absl::string_view> f =
      absl::StrSplit(absl::string_view(line).substr(paren + 1), ' ', absl::SkipEmpty());
  int64_t utime, stime;
  if (f.size() < 13 || !absl::SimpleAtoi(f[11], &utime) || !absl::SimpleAtoi(f[12], &stime)) {
    return absl::InternalError("bad /proc/<pid>/stat");
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

CpuMeter::CpuMeter(pid_t server_pid) : server_pid_(server_pid), start_(absl::Now()) {
  auto self = ReadCpuSeconds(getpid());
  if (self.ok()) bench_start_ = *self;
  if (server_pid_ > 0) {
    auto srv = ReadCpuSeconds(server_pid_);
    if (srv.ok()) server_start_ = *srv;
  }
}

void CpuMeter::Stop(double* bench_cores, double* server_cores) const {
  double wall = absl::ToDoubleSeconds(absl::Now() - start_);
  *bench_cores = *server_cores = -1;
  if (wall <= 0) return;
  auto self = ReadCpuSeconds(getpid());
  if (self.ok() && bench_start_ >= 0) *bench_cores = (*self - bench_start_) / wall;
  if (server_pid_ > 0 && server_start_ >= 0) {
    auto srv = ReadCpuSeconds(server_pid_);
    if (srv.ok()) *server_cores = (*srv - server_start_) / wall;
  }
}

RssSampler::RssSampler(pid_t pid) : pid_(pid) {
  thread_ = std::thread([this] {
    while (!stop_.load()) {
      auto rss = ReadRss(pid_);
      if (rss.ok() && *rss > max_.load()) max_ = *rss;
      absl::SleepFor(absl::Milliseconds(100));
    }
  });
}

RssSampler::~RssSampler() {
  stop_ = true;
  thread_.join();
}

}  // namespace hotdesk::bench
