#include "services/bench/environment.h"

#include <unistd.h>

#include <filesystem>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/bench/redis_conn.h"

namespace hotdesk::bench {
namespace {

absl::Status WaitForRedis(const std::string& addr, Process* proc, absl::Duration timeout) {
  absl::Time end = absl::Now() + timeout;
  absl::Status last = absl::UnavailableError("not tried");
  while (absl::Now() < end) {
    if (!proc->Running()) return absl::FailedPreconditionError("redis-server exited");
    auto conn = RedisConn::Connect(addr);
    if (conn.ok()) {
      auto pong = (*conn)->Cmd({"PING"});
      if (pong.ok()) return absl::OkStatus();
      last = pong.status();
    } else {
      last = conn.status();
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  return absl::DeadlineExceededError(absl::StrCat("redis-server not answering: ", last.message()));
}

}  // namespace

std::string FindServerBinary(const std::string& flag) {
  if (!flag.empty()) return flag;
  std::string self = SelfDir();
  // Layout of this repo's build tree (services/bench/ beside services/hotdesk-server), the
  // services/<name>/ layout, and an install where both sit in bin/.
  for (const std::string& candidate : {self + "/../server/hotdesk-server",
                                       self + "/../hotdesk-server", self + "/hotdesk-server"}) {
    if (access(candidate.c_str(), X_OK) == 0) {
      return std::filesystem::weakly_canonical(candidate).string();
    }
  }
#ifdef HOTDESK_BENCH_SERVER_BIN
  return HOTDESK_BENCH_SERVER_BIN;
#else
  return "hotdesk-server";
#endif
}

absl::StatusOr<std::unique_ptr<Environment>> Environment::Open(const BenchConfig& config) {
  std::unique_ptr<Environment> env(new Environment());
  if (config.spawn) {
    absl::Status s = env->Spawn(config);
    if (!s.ok()) return s;
    return env;
  }
  if (config.server.empty() || config.redis_addr.empty()) {
    return absl::InvalidArgumentError(
        "--server and --redis_addr are required without --spawn (or use --spawn)");
  }
  env->server_ = config.server;
  env->redis_addr_ = config.redis_addr;
  env->server_pid_ = config.server_pid;
  return env;
}

absl::Status Environment::Spawn(const BenchConfig& config) {
  spawned_ = true;
  auto dir = MakeTempDir("hotdesk-bench-");
  if (!dir.ok()) return dir.status();
  dir_ = *dir;

  // A port that was free a moment ago can be taken by someone else; try a few.
  absl::Status last;
  for (int attempt = 0; attempt < 3; ++attempt) {
    auto port = FreeLoopbackPort();
    if (!port.ok()) return port.status();
    redis_addr_ = absl::StrCat("127.0.0.1:", *port);
    last = redis_.Start(
        {config.redis_server_bin, "--port", std::to_string(*port), "--bind", "127.0.0.1", "--save",
         "", "--appendonly", "no", "--dir", dir_, "--daemonize", "no"},
        dir_ + "/redis.out", dir_ + "/redis.err");
    if (!last.ok()) return last;
    last = WaitForRedis(redis_addr_, &redis_, absl::Seconds(10));
    if (last.ok()) break;
    redis_.Stop(absl::Seconds(2));
  }
  if (!last.ok()) {
    return absl::UnavailableError(
        absl::StrCat("starting ", config.redis_server_bin, ": ", last.message(), "\n",
                     TailOfFile(dir_ + "/redis.err"), TailOfFile(dir_ + "/redis.out")));
  }

  std::string bin = FindServerBinary(config.server_bin);
  absl::Status s = server_proc_.Start(
      // Loopback only and torn down at the end: no tokens, so the figures compare with earlier
      // runs (a verified token costs a cache lookup per call; see services/auth).
      {bin, "--listen=127.0.0.1:0", "--metrics_listen=", "--enable_bench_service",
       "--insecure_no_auth",
       "--redis_addr=" + redis_addr_, "--key_prefix=" + config.key_prefix,
       absl::StrCat("--stream_retention=", config.stream_retention), "--log_level=warn"},
      dir_ + "/server.out", dir_ + "/server.err");
  if (!s.ok()) return s;
  auto line = server_proc_.WaitForLine("listening on port", absl::Seconds(15));
  if (!line.ok()) {
    return absl::UnavailableError(absl::StrCat("starting ", bin, ": ", line.status().message(),
                                               "\n", TailOfFile(server_proc_.stderr_path())));
  }
  int port = 0;
  std::string digits = line->substr(line->rfind(' ') + 1);
  if (!absl::SimpleAtoi(digits, &port)) {
    return absl::InternalError(absl::StrCat("cannot read the port from '", *line, "'"));
  }
  server_ = absl::StrCat("127.0.0.1:", port);
  server_pid_ = server_proc_.pid();
  return absl::OkStatus();
}

void Environment::Cleanup(const std::string& key_prefix, const std::string& tenant_base) {
  if (spawned_) return;
  auto conn = RedisConn::Connect(redis_addr_);
  if (!conn.ok()) return;
  // Tenants are "<base>-<phase>": "<prefix>:{<base>-*" cannot match another run's base.
  (void)(*conn)->DeleteMatching(absl::StrCat(key_prefix, ":{", tenant_base, "-*"));
  for (const char* phase : {"storm", "roam", "steady", "half", "redis", "watch", "mem"}) {
    (void)(*conn)->Cmd({"SREM", key_prefix + ":tenants", absl::StrCat(tenant_base, "-", phase)});
  }
}

Environment::~Environment() {
  if (!spawned_) return;
  server_proc_.Stop(absl::Seconds(15));
  redis_.Stop(absl::Seconds(10));
  if (!dir_.empty()) RemoveTree(dir_);
}

}  // namespace hotdesk::bench
