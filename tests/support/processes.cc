#include "tests/support/processes.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <gtest/gtest.h>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "services/auth/client_channel.h"
#include "tests/support/pki.h"

namespace hotdesk::testing {

std::string MakeTempDir() {
  char tmpl[] = "/tmp/hotdesk-test-XXXXXX";
  char* d = mkdtemp(tmpl);
  return d ? d : "/tmp";
}

namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A temp dir this file made (never "/tmp" itself, MakeTempDir's fallback).
void RemoveTempDir(const std::string& dir) {
  if (dir.rfind("/tmp/hotdesk-test-", 0) != 0) return;
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

}  // namespace

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  int port = ntohs(addr.sin_port);
  close(fd);
  return port;
}

int ConnectFrom(const std::string& source, int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in from{};
  from.sin_family = AF_INET;
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<uint16_t>(port));
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (inet_pton(AF_INET, source.c_str(), &from.sin_addr) != 1 ||
      ::bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0 ||
      ::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0) Stop(SIGKILL, absl::Seconds(5));
  if (!out_path_.empty()) RemoveTempDir(out_path_.substr(0, out_path_.rfind('/')));
}

bool ChildProcess::Start(const std::vector<std::string>& argv,
                         const std::map<std::string, std::string>& env) {
  // The previous run's output goes with its directory (long fault runs restart processes often).
  if (!out_path_.empty()) RemoveTempDir(out_path_.substr(0, out_path_.rfind('/')));
  std::string dir = MakeTempDir();
  out_path_ = dir + "/stdout";
  err_path_ = dir + "/stderr";
  status_ = -1;
  pid_ = fork();
  if (pid_ < 0) return false;
  if (pid_ == 0) {
    int out = open(out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(out, 1);
    dup2(err, 2);
    // A test's signal mask must not leak into the child (the server sigwaits on SIGTERM).
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    for (const auto& [k, v] : env) setenv(k.c_str(), v.c_str(), 1);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  return true;
}

std::string ChildProcess::WaitForLine(const std::string& needle, absl::Duration timeout) {
  absl::Time end = absl::Now() + timeout;
  while (absl::Now() < end) {
    std::string out = ReadFile(out_path_);
    size_t pos = out.find(needle);
    if (pos != std::string::npos) {
      size_t start = out.rfind('\n', pos);
      start = start == std::string::npos ? 0 : start + 1;
      size_t stop = out.find('\n', pos);
      if (stop != std::string::npos) return out.substr(start, stop - start);
    }
    if (!Running()) return "";
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return "";
}

void ChildProcess::Signal(int sig) {
  if (pid_ > 0) kill(pid_, sig);
}

bool ChildProcess::Running() {
  if (pid_ <= 0) return false;
  int st;
  pid_t r = waitpid(pid_, &st, WNOHANG);
  if (r == pid_) {
    status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    pid_ = -1;
    return false;
  }
  return true;
}

int ChildProcess::Stop(int sig, absl::Duration timeout) {
  if (pid_ <= 0) return status_;
  kill(pid_, sig);
  absl::Time end = absl::Now() + timeout;
  while (absl::Now() < end) {
    if (!Running()) return status_;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill(pid_, SIGKILL);
  int st;
  waitpid(pid_, &st, 0);
  pid_ = -1;
  status_ = -1;
  return -1;
}

std::string ChildProcess::Stdout() const { return ReadFile(out_path_); }
std::string ChildProcess::Stderr() const { return ReadFile(err_path_); }

RedisServer::~RedisServer() {
  proc_.Stop(SIGKILL, absl::Seconds(5));
  RemoveTempDir(dir_);  // with persistence on, it may hold hundreds of MB
}

std::string RedisServer::Ping() {
  timeval tv{1, 0};
  redisContext* c = redisConnectWithTimeout("127.0.0.1", port_, tv);
  if (!c || c->err) {
    if (c) redisFree(c);
    return "";
  }
  redisSetTimeout(c, tv);
  auto* r = static_cast<redisReply*>(redisCommand(c, "PING"));
  std::string answer;
  if (r && r->type == REDIS_REPLY_STATUS) answer = "PONG";
  if (r && r->type == REDIS_REPLY_ERROR && absl::StartsWith(std::string(r->str, r->len), "LOADING"))
    answer = "LOADING";
  // A password is set: Redis answers, which is all a test harness can ask without it.
  if (r && r->type == REDIS_REPLY_ERROR && absl::StartsWith(std::string(r->str, r->len), "NOAUTH"))
    answer = "NOAUTH";
  if (r) freeReplyObject(r);
  redisFree(c);
  return answer;
}

bool RedisServer::Launch() {
  std::vector<std::string> argv = {"redis-server", "--port", std::to_string(port_), "--bind",
                                   "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir_,
                                   "--daemonize", "no"};
  argv.insert(argv.end(), extra_args_.begin(), extra_args_.end());
  if (!proc_.Start(argv, env_)) return false;
  absl::Time end = absl::Now() + absl::Seconds(10);
  while (absl::Now() < end) {
    if (!proc_.Running()) return false;
    if (!Ping().empty()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

bool RedisServer::WaitReady(absl::Duration timeout) {
  absl::Time end = absl::Now() + timeout;
  while (absl::Now() < end) {
    if (!proc_.Running()) return false;
    std::string answer = Ping();
    if (answer == "PONG" || answer == "NOAUTH") return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

bool RedisServer::Start(const std::vector<std::string>& extra_args,
                        const std::map<std::string, std::string>& env) {
  dir_ = MakeTempDir();
  if (!extra_args.empty()) extra_args_ = extra_args;  // else the constructor's
  env_ = env;
  for (int attempt = 0; attempt < 5; ++attempt) {
    port_ = FreePort();
    if (Launch() && WaitReady(absl::Seconds(10))) return true;
    proc_.Stop(SIGKILL);
  }
  return false;
}

bool RedisServer::Restart(bool wait_ready) {
  proc_.Stop(SIGKILL);
  for (int attempt = 0; attempt < 50; ++attempt) {
    if (Launch()) return !wait_ready || WaitReady(absl::Seconds(60));  // the port may linger
    proc_.Stop(SIGKILL);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

void RedisServer::Kill() { proc_.Stop(SIGKILL); }
void RedisServer::Shutdown() { proc_.Stop(SIGTERM, absl::Seconds(30)); }
void RedisServer::Pause() { proc_.Signal(SIGSTOP); }
void RedisServer::Resume() { proc_.Signal(SIGCONT); }

redisReply* RedisServer::Raw(const std::vector<std::string>& argv) {
  timeval tv{2, 0};
  redisContext* c = redisConnectWithTimeout("127.0.0.1", port_, tv);
  if (!c || c->err) {
    if (c) redisFree(c);
    return nullptr;
  }
  auto send = [c](const std::vector<std::string>& args) {
    std::vector<const char*> p;
    std::vector<size_t> l;
    for (const auto& a : args) {
      p.push_back(a.data());
      l.push_back(a.size());
    }
    return static_cast<redisReply*>(
        redisCommandArgv(c, static_cast<int>(p.size()), p.data(), l.data()));
  };
  if (!auth_user_.empty()) {
    redisReply* a = send({"AUTH", auth_user_, auth_password_});
    if (a) freeReplyObject(a);
  }
  auto* r = send(argv);
  redisFree(c);
  return r;
}

namespace {
void Flatten(const redisReply* r, std::vector<std::string>* out) {
  switch (r->type) {
    case REDIS_REPLY_NIL:
      out->push_back("(nil)");
      break;
    case REDIS_REPLY_INTEGER:
      out->push_back(std::to_string(r->integer));
      break;
    case REDIS_REPLY_ARRAY:
      for (size_t i = 0; i < r->elements; ++i) Flatten(r->element[i], out);
      break;
    default:
      out->push_back(std::string(r->str, r->len));
  }
}
}  // namespace

std::string RedisServer::Cmd(const std::vector<std::string>& argv) {
  redisReply* r = Raw(argv);
  if (!r) return "(no connection)";
  std::vector<std::string> parts;
  Flatten(r, &parts);
  freeReplyObject(r);
  return absl::StrJoin(parts, " ");
}

bool HotdeskServerProcess::Start(const std::string& redis_addr,
                                 const std::vector<std::string>& extra_flags) {
  std::vector<std::string> argv = {ServerBinary(), "--listen=127.0.0.1:0",
                                   "--metrics_listen=", "--log_level=debug"};
  if (redis_addr.empty())
    argv.push_back("--store=memory");
  else
    argv.push_back("--redis_addr=" + redis_addr);
  bool auth_configured = false;
  for (const auto& f : extra_flags) {
    auth_configured = auth_configured || absl::StartsWith(f, "--auth_keys") ||
                      absl::StartsWith(f, "--insecure_no_auth");
  }
  if (!auth_configured) argv.push_back("--insecure_no_auth");
  for (const auto& f : extra_flags) argv.push_back(f);
  if (!proc_.Start(argv)) return false;
  std::string line = proc_.WaitForLine("listening on port", absl::Seconds(20));
  if (line.empty()) return false;
  port_ = std::atoi(line.substr(line.rfind(' ') + 1).c_str());
  return port_ > 0;
}

bool HotdeskServerProcess::StartSecure(const std::string& redis_addr, const TestPki& pki,
                                       bool mtls, const std::vector<std::string>& extra_flags) {
  pki_ = &pki;
  std::vector<std::string> flags = {"--tls_cert=" + pki.server_cert, "--tls_key=" + pki.server_key,
                                    "--auth_keys=" + pki.jwt_public + "," + pki.jwt_ec_public};
  if (mtls) flags.push_back("--tls_client_ca=" + pki.ca_cert);
  for (const auto& f : extra_flags) flags.push_back(f);
  return Start(redis_addr, flags);
}

std::shared_ptr<grpc::Channel> HotdeskServerProcess::Channel() const {
  return grpc::CreateChannel(addr(), grpc::InsecureChannelCredentials());
}

std::shared_ptr<grpc::Channel> HotdeskServerProcess::SecureChannel(const std::string& token,
                                                                   bool client_cert) const {
  auth::ClientAuthOptions o;
  o.token = token;
  o.tls.enabled = true;
  o.tls.ca_file = pki_ ? pki_->ca_cert : SharedPki().ca_cert;
  if (client_cert) {
    o.tls.cert_file = pki_ ? pki_->client_cert : SharedPki().client_cert;
    o.tls.key_file = pki_ ? pki_->client_key : SharedPki().client_key;
  }
  auto channel = auth::MakeChannel(addr(), o);
  if (!channel.ok()) {
    ADD_FAILURE() << "secure channel: " << channel.status();
    return nullptr;
  }
  return *channel;
}


std::string ServerBinary() {
  const char* other = std::getenv("HOTDESK_TEST_SERVER_BIN");
  return other != nullptr && *other != '\0' ? other : HOTDESK_SERVER_BIN;
}

bool WaitUntil(const std::function<bool()>& cond, absl::Duration timeout) {
  for (absl::Time end = absl::Now() + timeout; absl::Now() < end;) {
    if (cond()) return true;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return cond();
}

int64_t RssKib(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atoll(line.c_str() + 6);
  }
  return -1;
}

std::string HttpGet(int port, const std::string& path) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return "";
  }
  std::string req = "GET " + path + " HTTP/1.0\r\nHost: localhost\r\n\r\n";
  (void)!write(fd, req.data(), req.size());
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) out.append(buf, n);
  close(fd);
  return out;
}

double MetricValue(const std::string& metrics, const std::string& name) {
  std::string head = "\n" + name + " ";
  size_t at = metrics.find(head);
  if (at == std::string::npos) return -1;
  return std::atof(metrics.c_str() + at + head.size());
}
std::string CtlBinary() { return HOTDESK_CTL_BIN; }

bool WaitProcessStopped(pid_t pid, absl::Duration timeout) {
  absl::Time end = absl::Now() + timeout;
  while (true) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string stat((std::istreambuf_iterator<char>(in)), {});
    size_t paren = stat.rfind(')');
    if (paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] == 'T') {
      return true;
    }
    if (absl::Now() >= end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

int RunCommand(const std::vector<std::string>& argv, std::string* out, std::string* err) {
  ChildProcess p;
  if (!p.Start(argv)) return -1;
  int rc = p.Stop(0, absl::Seconds(30));  // signal 0: just wait
  // Stop(0) polls until exit; collect output.
  if (out) *out = p.Stdout();
  if (err) *err = p.Stderr();
  return rc;
}

}  // namespace hotdesk::testing
