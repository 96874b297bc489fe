#include "services/bench/environment.h"

#include <unistd.h>

#include <filesystem>

#include "absl/algorithm/container.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "services/bench/redis_conn.h"
#include "services/keyspace/redis_keys.h"

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

// Waits until INFO <section> of `node` contains every one of `needles`.
absl::Status WaitForInfo(const RedisNodeAddr& node, const std::string& section,
                         const std::vector<std::string>& needles, absl::Duration timeout) {
  absl::Time end = absl::Now() + timeout;
  std::string text;
  while (absl::Now() < end) {
    auto conn = RedisConn::Connect(node.ToString());
    if (conn.ok()) {
      auto r = (*conn)->Cmd(section == "cluster" ? std::vector<std::string>{"CLUSTER", "INFO"}
                                                 : std::vector<std::string>{"INFO", section});
      if (r.ok()) {
        text.assign((*r)->str ? (*r)->str : "", (*r)->len);
        bool all = true;
        for (const auto& n : needles) all = all && absl::StrContains(text, n);
        if (all) return absl::OkStatus();
      }
    }
    absl::SleepFor(absl::Milliseconds(50));
  }
  return absl::DeadlineExceededError(absl::StrCat(node.ToString(), ": INFO ", section, " lacks ",
                                                  absl::StrJoin(needles, ", "), ":\n", text));
}

absl::Status Expect(RedisConn& conn, const std::vector<std::string>& argv) {
  auto r = conn.Cmd(argv);
  if (!r.ok()) {
    return absl::InternalError(absl::StrCat(absl::StrJoin(argv, " "), ": ", r.status().message()));
  }
  return absl::OkStatus();
}

}  // namespace

std::string FindServerBinary(const std::string& flag) {
  if (!flag.empty()) return flag;
  std::string self = SelfDir();
  // Layout of this repo's build tree (services/bench/ beside services/server/), an older
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
  if (config.server.empty()) {
    return absl::InvalidArgumentError(
        "--server is required without --spawn (with the --redis_* flags of its Redis)");
  }
  env->server_ = {config.server, config.server_pid};
  env->redis_config_ = config.redis;
  return env;
}

absl::StatusOr<RedisNodeAddr> Environment::StartRedis(const BenchConfig& config,
                                                      const std::string& name,
                                                      std::vector<std::string> extra) {
  std::string dir = absl::StrCat(dir_, "/", name);
  std::filesystem::create_directories(dir);
  // A port that was free a moment ago can be taken by someone else; try a few.
  absl::Status last;
  for (int attempt = 0; attempt < 3; ++attempt) {
    auto port = FreeLoopbackPort();
    if (!port.ok()) return port.status();
    std::vector<std::string> argv = {config.redis_server_bin,
                                     "--port",
                                     std::to_string(*port),
                                     "--bind",
                                     "127.0.0.1",
                                     "--save",
                                     "",
                                     "--appendonly",
                                     "no",
                                     "--dir",
                                     dir,
                                     "--daemonize",
                                     "no"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    if (absl::c_linear_search(extra, "--cluster-enabled")) {
      // The cluster bus gets a free port of its own (port + 10000 may be taken or too high).
      auto bus = FreeLoopbackPort();
      if (!bus.ok()) return bus.status();
      argv.insert(argv.end(), {"--cluster-port", std::to_string(*bus)});
      bus_ports_[RedisNodeAddr{"127.0.0.1", *port}] = *bus;
    }
    auto proc = std::make_unique<Process>();
    last = proc->Start(argv, dir + "/redis.out", dir + "/redis.err");
    if (!last.ok()) return last;
    std::string addr = absl::StrCat("127.0.0.1:", *port);
    last = WaitForRedis(addr, proc.get(), absl::Seconds(10));
    if (last.ok()) {
      processes_.push_back(std::move(proc));
      return RedisNodeAddr{"127.0.0.1", *port};
    }
    proc->Stop(absl::Seconds(2));
  }
  return absl::UnavailableError(absl::StrCat("starting ", config.redis_server_bin, " (", name,
                                             "): ", last.message(), "\n",
                                             TailOfFile(dir + "/redis.err"),
                                             TailOfFile(dir + "/redis.out")));
}

absl::Status Environment::MakeCluster(const std::vector<RedisNodeAddr>& nodes) {
  // What `redis-cli --cluster create` does, for any number of primaries (it wants 3 or more):
  // even slot ranges, distinct config epochs, then MEET.
  const int n = static_cast<int>(nodes.size());
  for (int i = 0; i < n; ++i) {
    auto conn = RedisConn::Connect(nodes[i].ToString());
    if (!conn.ok()) return conn.status();
    int lo = i * kClusterSlots / n, hi = (i + 1) * kClusterSlots / n - 1;
    if (absl::Status s = Expect(**conn, {"CLUSTER", "ADDSLOTSRANGE", std::to_string(lo),
                                         std::to_string(hi)});
        !s.ok())
      return s;
    if (absl::Status s = Expect(**conn, {"CLUSTER", "SET-CONFIG-EPOCH", std::to_string(i + 1)});
        !s.ok())
      return s;
  }
  auto first = RedisConn::Connect(nodes[0].ToString());
  if (!first.ok()) return first.status();
  for (int i = 1; i < n; ++i) {
    if (absl::Status s = Expect(**first, {"CLUSTER", "MEET", nodes[i].host,
                                          std::to_string(nodes[i].port),
                                          std::to_string(bus_ports_[nodes[i]])});
        !s.ok())
      return s;
  }
  for (const auto& node : nodes) {
    absl::Status s = WaitForInfo(
        node, "cluster",
        {"cluster_state:ok", "cluster_slots_ok:16384", absl::StrCat("cluster_known_nodes:", n)},
        absl::Seconds(30));
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

std::vector<std::string> Environment::ServerRedisFlags() const {
  std::vector<std::string> addrs;
  for (const auto& n : redis_config_.Endpoints()) addrs.push_back(n.ToString());
  if (redis_config_.mode == RedisConfig::Mode::kCluster) {
    return {"--redis_cluster_nodes=" + absl::StrJoin(addrs, ",")};
  }
  return {"--redis_addr=" + addrs[0]};
}

absl::StatusOr<ServerEndpoint> Environment::StartServer(const BenchConfig& config,
                                                        const std::string& name,
                                                        std::vector<std::string> extra) {
  std::string bin = FindServerBinary(config.server_bin);
  std::vector<std::string> argv = {bin,
                                   "--listen=127.0.0.1:0",
                                   "--metrics_listen=",
                                   "--enable_bench_service",
                                   // Loopback only and torn down at the end: no tokens, so the
                                   // figures compare with earlier runs (a verified token costs a
                                   // cache lookup per call; see services/auth).
                                   "--insecure_no_auth",
                                   "--key_prefix=" + config.key_prefix,
                                   absl::StrCat("--stream_retention=", config.stream_retention),
                                   "--log_level=warn"};
  for (const auto& f : ServerRedisFlags()) argv.push_back(f);
  argv.insert(argv.end(), extra.begin(), extra.end());
  auto proc = std::make_unique<Process>();
  absl::Status s = proc->Start(argv, absl::StrCat(dir_, "/", name, ".out"),
                               absl::StrCat(dir_, "/", name, ".err"));
  if (!s.ok()) return s;
  auto line = proc->WaitForLine("listening on port", absl::Seconds(15));
  if (!line.ok()) {
    return absl::UnavailableError(absl::StrCat("starting ", bin, ": ", line.status().message(),
                                               "\n", TailOfFile(proc->stderr_path())));
  }
  int port = 0;
  std::string digits = line->substr(line->rfind(' ') + 1);
  if (!absl::SimpleAtoi(digits, &port)) {
    return absl::InternalError(absl::StrCat("cannot read the port from '", *line, "'"));
  }
  ServerEndpoint ep{absl::StrCat("127.0.0.1:", port), proc->pid()};
  processes_.push_back(std::move(proc));
  return ep;
}

absl::Status Environment::Spawn(const BenchConfig& config) {
  spawned_ = true;
  auto dir = MakeTempDir("hotdesk-bench-");
  if (!dir.ok()) return dir.status();
  dir_ = *dir;
  redis_config_ = config.redis;
  redis_config_.username.clear();
  redis_config_.password.clear();
  redis_config_.db = 0;
  if (config.spawn_redis == "cluster") {
    std::vector<RedisNodeAddr> nodes;
    for (int i = 0; i < config.spawn_primaries; ++i) {
      auto node = StartRedis(config, absl::StrCat("redis-", i),
                             {"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                              "--cluster-node-timeout", "5000"});
      if (!node.ok()) return node.status();
      nodes.push_back(*node);
    }
    if (absl::Status s = MakeCluster(nodes); !s.ok()) return s;
    redis_config_.mode = RedisConfig::Mode::kCluster;
    redis_config_.nodes = nodes;
  } else {
    auto node = StartRedis(config, "redis", {});
    if (!node.ok()) return node.status();
    redis_config_.mode = RedisConfig::Mode::kSingle;
    redis_config_.nodes.clear();
    redis_config_.host = node->host;
    redis_config_.port = node->port;
  }
  auto server = StartServer(config, "server", {});
  if (!server.ok()) return server.status();
  server_ = *server;
  return absl::OkStatus();
}

absl::StatusOr<ServerEndpoint> Environment::DurableServer(const BenchConfig& config) {
  if (durable_tried_) return durable_;
  durable_tried_ = true;
  if (!spawned_) {
    if (config.durable_server.empty()) {
      durable_ = absl::NotFoundError(
          "pass --durable_server (a second server started with --redis_wait_replicas=1 "
          "against the same Redis, whose primary has a replica)");
    } else {
      durable_ = ServerEndpoint{config.durable_server, config.durable_server_pid};
    }
    return durable_;
  }
  if (redis_config_.mode != RedisConfig::Mode::kSingle) {
    durable_ = absl::NotFoundError(
        "measured with --spawn_redis=single (a primary with one replica), not on the spawned "
        "cluster");
    return durable_;
  }
  RedisNodeAddr primary{redis_config_.host, redis_config_.port};
  // The first full sync would otherwise wait 5 s for more replicas to join it.
  if (auto conn = RedisConn::Connect(primary.ToString()); conn.ok()) {
    (void)(*conn)->Cmd({"CONFIG", "SET", "repl-diskless-sync-delay", "0"});
  }
  auto replica = StartRedis(config, "replica",
                            {"--replicaof", primary.host, std::to_string(primary.port)});
  if (!replica.ok()) return durable_ = replica.status();
  absl::Status linked =
      WaitForInfo(primary, "replication", {"connected_slaves:1", "state=online"},
                  absl::Seconds(30));
  if (!linked.ok()) return durable_ = linked;
  durable_ = StartServer(config, "server-durable", {"--redis_wait_replicas=1"});
  return durable_;
}

void Environment::Cleanup(RedisTarget& target, const std::string& key_prefix,
                          const std::string& tenant_base, const std::vector<std::string>& tenants) {
  if (spawned_) return;
  // Tenants are "<base>-<phase>[-<i>]": "<prefix>:{<base>-*" cannot match another run's base.
  (void)target.DeleteMatching(absl::StrCat(key_prefix, ":{", tenant_base, "-*"));
  RedisKeys keys(key_prefix);
  for (const auto& t : tenants) {
    (void)target.Cmd({"SREM", keys.Tenants(), t});
    (void)target.Cmd({"ZREM", keys.Due(), t});
  }
}

Environment::~Environment() {
  if (!spawned_) return;
  // Servers before their Redis: stop in the reverse order of starting.
  for (auto it = processes_.rbegin(); it != processes_.rend(); ++it) {
    (*it)->Stop(absl::Seconds(15));
  }
  if (!dir_.empty()) RemoveTree(dir_);
}

}  // namespace hotdesk::bench
