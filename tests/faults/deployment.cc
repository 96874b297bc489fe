#include "tests/faults/deployment.h"

#include <hiredis/hiredis.h>
#include <httplib.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "tests/csta/csta_test_client.h"

namespace hotdesk::faults {

std::string LogTail(const testing::ChildProcess& proc, size_t lines) {
  std::vector<std::string> all = absl::StrSplit(proc.Stderr(), '\n');
  size_t from = all.size() > lines ? all.size() - lines : 0;
  std::string out;
  for (size_t k = from; k < all.size(); ++k)
    if (!all[k].empty()) absl::StrAppend(&out, "\n    | ", all[k]);
  return out;
}

absl::Status StartGateway(testing::ChildProcess& proc, const std::vector<std::string>& argv,
                          const std::string& ready, const std::map<std::string, std::string>& env) {
  for (int attempt = 0; attempt < 20; ++attempt) {
    if (!proc.Start(argv, env)) return absl::InternalError("cannot fork " + argv[0]);
    if (!proc.WaitForLine(ready, absl::Seconds(30)).empty()) return absl::OkStatus();
    proc.Stop(SIGKILL);
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  return absl::InternalError(argv[0] + " did not start: " + LogTail(proc, 20));
}

std::unique_ptr<grpc::ClientContext> CallContext(const std::string& token,
                                                 absl::Duration deadline) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  if (deadline != absl::InfiniteDuration())
    ctx->set_deadline(absl::ToChronoTime(absl::Now() + deadline));
  if (!token.empty()) ctx->AddMetadata("authorization", "Bearer " + token);
  return ctx;
}

Deployment::Deployment(DeploymentConfig config) : config_(std::move(config)) {}

Deployment::~Deployment() {
  for (auto& w : webs_) w->proc.Stop(SIGKILL, absl::Seconds(5));
  if (csta_) csta_->proc.Stop(SIGKILL, absl::Seconds(5));
  if (xsp_) {
    xsp_->bridge.Stop(SIGKILL, absl::Seconds(5));
    xsp_->sim.Stop(SIGKILL, absl::Seconds(5));
  }
  for (auto& r : replicas_) r->proc.Stop(SIGKILL, absl::Seconds(5));
}

absl::Status Deployment::Start() {
  if (config_.redis_mode != "single") {
    if (config_.redis_mode != "sentinel" && config_.redis_mode != "cluster")
      return absl::InvalidArgumentError("--redis: unknown mode " + config_.redis_mode +
                                        " (single, sentinel, cluster)");
    topology_ = std::make_unique<testing::RedisDeployment>(config_.redis_mode);
    if (!topology_->Start())
      return absl::InternalError("the Redis " + config_.redis_mode + " processes did not start");
    return StartReplicas();
  }
  std::vector<std::string> args = {"--appendonly", "yes", "--appendfsync", config_.appendfsync,
                                   // Commands, not an RDB preamble: loading takes seconds, as a
                                   // large production AOF does.
                                   "--aof-use-rdb-preamble", "no",
                                   "--enable-debug-command", "local"};
  std::map<std::string, std::string> env;
  if (config_.emulate_power_loss) env["LD_PRELOAD"] = HOTDESK_UNSYNCED_LOSS_LIB;
  if (!redis_.Start(args, env)) return absl::InternalError("redis-server did not start");
  if (config_.preload_keys > 0) {
    // DEBUG POPULATE is not written to the AOF; the rewrite puts the filler into it.
    std::string r = redis_.Cmd({"DEBUG", "POPULATE", std::to_string(config_.preload_keys),
                                "filler", std::to_string(config_.preload_value_bytes)});
    if (r != "OK") return absl::InternalError("DEBUG POPULATE: " + r);
    r = redis_.Cmd({"BGREWRITEAOF"});
    absl::Time end = absl::Now() + absl::Minutes(5);
    while (true) {
      std::string info = redis_.Cmd({"INFO", "persistence"});
      if (absl::StrContains(info, "aof_rewrite_in_progress:0") &&
          absl::StrContains(info, "aof_rewrite_scheduled:0"))
        break;
      if (absl::Now() > end) return absl::InternalError("AOF rewrite did not finish");
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    // One restart as a fault would do it, to measure how long Redis stays LOADING.
    redis_.Kill();
    auto loading = RestartRedis(absl::Minutes(5));
    if (!loading.ok()) return loading.status();
    initial_loading_s_ = absl::ToDoubleSeconds(*loading);
  }
  return StartReplicas();
}

absl::Status Deployment::StartReplicas() {
  for (int i = 0; i < config_.replicas; ++i) {
    auto r = std::make_unique<Replica>();
    r->port = testing::FreePort();
    do r->metrics_port = testing::FreePort();
    while (r->metrics_port == r->port);
    grpc::ChannelArguments ch;
    // A restarted replica must be found again within a second, not after gRPC's default
    // reconnect backoff (up to two minutes).
    ch.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
    ch.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
    ch.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
    r->channel = grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", r->port),
                                           grpc::InsecureChannelCredentials(), ch);
    replicas_.push_back(std::move(r));
    if (absl::Status s = StartReplica(i); !s.ok()) return s;
  }
  return StartWebs();
}

absl::Status Deployment::StartWebs() {
  for (int i = 0; i < config_.webs; ++i) {
    auto w = std::make_unique<Web>();
    w->port = testing::FreePort();
    webs_.push_back(std::move(w));
    if (absl::Status s = StartWeb(i); !s.ok()) return s;
  }
  if (!config_.csta_tenant.empty()) {
    csta_ = std::make_unique<Web>();
    csta_->port = testing::FreePort();
    if (absl::Status s = StartCsta(); !s.ok()) return s;
  }
  return StartXspPair();
}

absl::Status Deployment::StartCsta() {
  std::string target = "ipv4:";
  for (int i = 0; i < replicas(); ++i) absl::StrAppend(&target, i ? "," : "", ReplicaAddr(i));
  return StartGateway(csta_->proc,
                      {HOTDESK_CSTA_BIN, absl::StrCat("--listen=127.0.0.1:", csta_->port),
                       "--server=" + target, "--tenant=" + config_.csta_tenant,
                       "--metrics_listen=",
                       // PIN-less logins, as a trusted CTI server makes them.
                       "--trusted_networks=127.0.0.0/8",
                       // The suite's clients send as fast as the core answers.
                       "--max_frames_per_second=0", "--log_level=warn"},
                      "listening on port");
}

void Deployment::KillCsta() { csta_->proc.Stop(SIGKILL); }

bool Deployment::CstaServing(std::string* why) const {
  csta::testing::Client c;
  if (!c.Connect(csta_->port)) {
    *why = "cannot connect";
    return false;
  }
  auto m = c.Request(csta::testing::Xml("GetAgentState", "<device>probe</device>"),
                     absl::Seconds(3));
  if (!m) {
    *why = "no answer to GetAgentState within 3 s";
    return false;
  }
  if (m->name != "GetAgentStateResponse") {
    *why = "GetAgentState answered " + m->xml.substr(0, 200);
    return false;
  }
  return true;
}

std::string Deployment::CstaLogTail(size_t lines) const { return LogTail(csta_->proc, lines); }

std::vector<std::string> Deployment::StopGateways() {
  std::vector<std::string> failed;
  auto stop = [&](testing::ChildProcess& proc, const std::string& name) {
    int status = proc.Stop(SIGTERM, absl::Seconds(10));
    if (status != 0)
      failed.push_back(absl::StrCat(name, " exited with ", status, " after SIGTERM (-1: killed "
                                    "after 10 s)", LogTail(proc, 6)));
  };
  for (int i = 0; i < webs(); ++i) stop(webs_[i]->proc, absl::StrCat("hotdesk-web ", i));
  if (csta_) stop(csta_->proc, "hotdesk-csta");
  if (xsp_) {
    stop(xsp_->bridge, "hotdesk-xsp");
    stop(xsp_->sim, "hotdesk-xsp-sim");
  }
  return failed;
}

absl::Status Deployment::StartWeb(int i) {
  Web& w = *webs_[i];
  return StartGateway(w.proc,
                      {HOTDESK_WEB_BIN, "--server=" + ReplicaAddr(i % replicas()),
                       absl::StrCat("--listen=127.0.0.1:", w.port), "--metrics_listen=",
                       "--log_level=warn"},
                      "http listening on port");
}

void Deployment::KillWeb(int i) { webs_[i]->proc.Stop(SIGKILL); }

bool Deployment::WebServing(int i, std::string* why) const {
  httplib::Client http("127.0.0.1", webs_[i]->port);
  http.set_connection_timeout(1);
  http.set_read_timeout(3);
  httplib::Headers headers;
  if (!config_.token.empty()) headers.emplace("Authorization", "Bearer " + config_.token);
  auto res = http.Get("/v1/health", headers);
  if (!res) {
    *why = "GET /v1/health: " + httplib::to_string(res.error());
    return false;
  }
  if (res->status != 200) {
    *why = absl::StrCat("GET /v1/health answered ", res->status, " ", res->body);
    return false;
  }
  return true;
}

std::string Deployment::WebLogTail(int i, size_t lines) const {
  return LogTail(webs_[i]->proc, lines);
}

absl::StatusOr<absl::Duration> Deployment::RestartRedis(absl::Duration timeout) {
  absl::Time t0 = absl::Now();
  if (!redis_.Restart(/*wait_ready=*/false)) return absl::InternalError("redis-server did not restart");
  if (!redis_.WaitReady(timeout))
    return absl::DeadlineExceededError("redis-server still not ready after restart");
  return absl::Now() - t0;
}

int64_t Deployment::aof_bytes() const {
  std::error_code ec;
  int64_t total = 0;
  for (const auto& e :
       std::filesystem::recursive_directory_iterator(redis_.dir(), ec))
    if (e.is_regular_file() && absl::StrContains(e.path().string(), "appendonly"))
      total += static_cast<int64_t>(e.file_size());
  return total;
}

std::string Deployment::TenantKey(const std::string& tenant) const {
  // The README's Redis model: <prefix>:{tenant}:<name>.
  return absl::StrCat(config_.key_prefix, ":{", tenant, "}:ev");
}

testing::RedisServer& Deployment::RedisFor(const std::string& tenant) {
  if (!topology_) return redis_;
  return topology_->PrimaryFor(TenantKey(tenant));
}

std::vector<testing::RedisServer*> Deployment::RedisNodes() {
  std::vector<testing::RedisServer*> nodes;
  if (!topology_) {
    nodes.push_back(&redis_);
  } else if (auto* s = topology_->sentinel()) {
    for (size_t i = 0; i < s->data_size(); ++i) nodes.push_back(&s->data(i));
  } else if (auto* c = topology_->cluster()) {
    for (size_t i = 0; i < c->size(); ++i) nodes.push_back(&c->node(i));
  }
  std::vector<testing::RedisServer*> running;
  for (auto* n : nodes)
    if (n->pid() > 0) running.push_back(n);
  return running;
}

std::string Deployment::EpochReport() {
  if (!topology_) return "";
  if (auto* s = topology_->sentinel()) {
    for (absl::string_view addr : absl::StrSplit(s->Sentinels(), ',')) {
      int port = 0;
      if (!absl::SimpleAtoi(addr.substr(addr.rfind(':') + 1), &port)) continue;
      timeval tv{2, 0};
      redisContext* c = redisConnectWithTimeout("127.0.0.1", port, tv);
      if (!c || c->err) {
        if (c) redisFree(c);
        continue;
      }
      auto* r = static_cast<redisReply*>(
          redisCommand(c, "SENTINEL MASTER %s", testing::RedisSentinelProcesses::kMaster));
      std::string epoch;
      for (size_t i = 0; r && r->type == REDIS_REPLY_ARRAY && i + 1 < r->elements; i += 2)
        if (std::string(r->element[i]->str, r->element[i]->len) == "config-epoch")
          epoch.assign(r->element[i + 1]->str, r->element[i + 1]->len);
      if (r) freeReplyObject(r);
      redisFree(c);
      if (!epoch.empty()) return absl::StrCat("sentinel config-epoch ", epoch, " (", addr, ")");
    }
    return "sentinel config-epoch unknown (no sentinel answered)";
  }
  for (testing::RedisServer* n : RedisNodes()) {
    for (absl::string_view line : absl::StrSplit(n->Cmd({"CLUSTER", "INFO"}), '\n'))
      if (absl::StartsWith(line, "cluster_current_epoch:"))
        return absl::StrCat("cluster current epoch ",
                            absl::StripAsciiWhitespace(line.substr(line.find(':') + 1)));
  }
  return "cluster epoch unknown";
}

std::string Deployment::ReplicaAddr(int i) const {
  return absl::StrCat("127.0.0.1:", replicas_[i]->port);
}

absl::Status Deployment::StartReplica(int i) {
  Replica& r = *replicas_[i];
  std::vector<std::string> argv = {
      testing::ServerBinary(),
      absl::StrCat("--listen=127.0.0.1:", r.port),
      absl::StrCat("--metrics_listen=127.0.0.1:", r.metrics_port),
      "--key_prefix=" + config_.key_prefix,
      // Faults, not authentication, are tested here (tests/e2e/auth_e2e_test covers that).
      "--insecure_no_auth",
      "--shutdown_grace=" + absl::FormatDuration(config_.shutdown_grace),
      // The checker replays every tenant's stream from its first event.
      "--stream_retention=1000000000",
      "--log_level=warn"};
  if (topology_) {
    std::vector<std::string> redis_flags = topology_->ServerFlags();
    argv.insert(argv.end(), redis_flags.begin(), redis_flags.end());
  } else {
    argv.push_back("--redis_addr=" + redis_.addr());
  }
  argv.insert(argv.end(), config_.server_flags.begin(), config_.server_flags.end());
  // The port of a killed replica may linger for a moment.
  for (int attempt = 0; attempt < 20; ++attempt) {
    if (!r.proc.Start(argv)) return absl::InternalError("cannot fork hotdesk-server");
    r.started = absl::Now();
    if (!r.proc.WaitForLine("listening on port", absl::Seconds(30)).empty())
      return absl::OkStatus();
    r.proc.Stop(SIGKILL);
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  return absl::InternalError(absl::StrCat("replica ", i, " did not start: ", ReplicaLogTail(i)));
}

void Deployment::KillReplica(int i) { replicas_[i]->proc.Stop(SIGKILL); }

void Deployment::SignalReplica(int i, int sig) { replicas_[i]->proc.Signal(sig); }

std::optional<absl::Duration> Deployment::TermReplica(int i, absl::Duration limit,
                                                      int* exit_status) {
  Replica& r = *replicas_[i];
  absl::Time t0 = absl::Now();
  r.proc.Signal(SIGTERM);
  while (absl::Now() - t0 < limit) {
    if (!r.proc.Running()) {
      *exit_status = r.proc.Stop();  // already gone: returns the recorded status
      return absl::Now() - t0;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  *exit_status = r.proc.Stop(SIGKILL);
  return std::nullopt;
}

bool Deployment::ReplicaRunning(int i) { return replicas_[i]->proc.Running(); }
pid_t Deployment::ReplicaPid(int i) const { return replicas_[i]->proc.pid(); }
absl::Time Deployment::ReplicaStarted(int i) const { return replicas_[i]->started; }

std::string Deployment::ReplicaLogTail(int i, size_t lines) const {
  return LogTail(replicas_[i]->proc, lines);
}

std::optional<double> Deployment::Metric(int i, const std::string& metric) const {
  httplib::Client http("127.0.0.1", replicas_[i]->metrics_port);
  http.set_connection_timeout(1);
  http.set_read_timeout(2);
  auto res = http.Get("/metrics");
  if (!res || res->status != 200) return std::nullopt;
  double sum = 0;
  for (absl::string_view line : absl::StrSplit(res->body, '\n')) {
    if (!absl::StartsWith(line, metric)) continue;
    absl::string_view rest = line.substr(metric.size());
    if (rest.empty() || (rest[0] != ' ' && rest[0] != '{')) continue;
    double v;
    if (absl::SimpleAtod(line.substr(line.rfind(' ') + 1), &v)) sum += v;
  }
  return sum;
}

int64_t Deployment::RssKiB(int i) const {
  pid_t pid = replicas_[i]->proc.pid();
  if (pid <= 0) return 0;
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (absl::StartsWith(line, "VmRSS:")) {
      int64_t kib = 0;
      std::istringstream(line.substr(6)) >> kib;
      return kib;
    }
  }
  return 0;
}

}  // namespace hotdesk::faults
