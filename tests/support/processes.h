// Real processes for tests: redis-server on a free loopback port, hotdesk binaries, stopped by
// PID with real signals.
#pragma once

#include <sys/types.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>
#include <hiredis/hiredis.h>

#include "absl/time/time.h"

namespace hotdesk::testing {

// A free TCP port on 127.0.0.1 (bound with port 0, then released).
int FreePort();
// A TCP connection to 127.0.0.1:`port` from the local address `source` (e.g. "127.0.0.2": every
// 127/8 address is local on Linux, so a test can play a client from another network); the socket,
// or -1.
int ConnectFrom(const std::string& source, int port);
// A fresh directory under /tmp.
std::string MakeTempDir();

class ChildProcess {
 public:
  ChildProcess() = default;
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Starts argv[0] with stdout and stderr to files under a temp dir; false on failure.
  bool Start(const std::vector<std::string>& argv,
             const std::map<std::string, std::string>& env = {});
  // Waits until a stdout line contains `needle`; returns that line, or "" on timeout/exit.
  std::string WaitForLine(const std::string& needle, absl::Duration timeout);
  void Signal(int sig);
  // Sends `sig`, waits up to `timeout` for exit, then SIGKILL. Returns the exit status (or -1).
  int Stop(int sig = 15, absl::Duration timeout = absl::Seconds(10));
  bool Running();
  pid_t pid() const { return pid_; }
  std::string Stdout() const;
  std::string Stderr() const;

 private:
  pid_t pid_ = -1;
  int status_ = -1;
  std::string out_path_;
  std::string err_path_;
};

// redis-server on a free loopback port, own working directory; no persistence unless
// `extra_args` (appended to the command line, so they win) turn it on.
class RedisServer {
 public:
  // `extra_args` for every start (Start's own, when given, replace them).
  explicit RedisServer(std::vector<std::string> extra_args = {})
      : extra_args_(std::move(extra_args)) {}
  ~RedisServer();
  // Returns once Redis accepts commands; with data to load it may still answer -LOADING
  // (see WaitReady). `extra_args` and `env` (e.g. LD_PRELOAD) are kept for Restart.
  bool Start(const std::vector<std::string>& extra_args = {},
             const std::map<std::string, std::string>& env = {});
  // Starts again on the same port and directory (after Kill or Stop). With `wait_ready` false it
  // returns as soon as the process answers, possibly -LOADING while its data loads.
  bool Restart(bool wait_ready = true);
  // SIGTERM (Redis flushes what its config says) and wait for the exit.
  void Shutdown();
  // Waits until PING answers PONG (the data set is loaded); false on timeout or exit.
  bool WaitReady(absl::Duration timeout);
  void Kill();    // SIGKILL
  void Pause();   // SIGSTOP: Redis stays connected but answers nothing
  void Resume();  // SIGCONT
  int port() const { return port_; }
  std::string addr() const { return "127.0.0.1:" + std::to_string(port_); }
  const std::string& dir() const { return dir_; }
  pid_t pid() const { return proc_.pid(); }
  bool Running() { return proc_.Running(); }

  // A synchronous command on a fresh connection; reply as a string ("(nil)", integers as text,
  // arrays flattened with spaces). For assertions on the state in Redis.
  std::string Cmd(const std::vector<std::string>& argv);
  redisReply* Raw(const std::vector<std::string>& argv);  // caller frees
  // Cmd and Raw authenticate as this ACL user first (after the test has restricted `default`).
  void UseCredentials(const std::string& user, const std::string& password) {
    auth_user_ = user;
    auth_password_ = password;
  }

 private:
  bool Launch();
  // PING's reply: "PONG", "LOADING" while the data set loads, "" when there is no answer.
  std::string Ping();
  std::string auth_user_, auth_password_;
  int port_ = 0;
  std::string dir_;
  std::vector<std::string> extra_args_;
  std::map<std::string, std::string> env_;
  ChildProcess proc_;
};

struct TestPki;

// hotdesk-server as a real process against `redis_addr` (or --store=memory if empty).
class HotdeskServerProcess {
 public:
  // Without authentication: adds --insecure_no_auth unless `extra_flags` configure auth
  // (--auth_keys) or already say so.
  bool Start(const std::string& redis_addr, const std::vector<std::string>& extra_flags = {});
  // With TLS (the PKI's server certificate; clients must present one of its client certificates
  // when `mtls`) and bearer tokens checked against the PKI's JWT keys (RSA and P-256).
  bool StartSecure(const std::string& redis_addr, const TestPki& pki, bool mtls = false,
                   const std::vector<std::string>& extra_flags = {});
  int Stop(int sig = 15) { return proc_.Stop(sig); }
  int port() const { return port_; }
  std::string addr() const { return "127.0.0.1:" + std::to_string(port_); }
  // Plaintext, no token (for Start).
  std::shared_ptr<grpc::Channel> Channel() const;
  // TLS trusting the PKI's CA, sending `token` (none if empty), with the PKI's client
  // certificate when `client_cert` (for StartSecure).
  std::shared_ptr<grpc::Channel> SecureChannel(const std::string& token,
                                               bool client_cert = false) const;
  ChildProcess& process() { return proc_; }

 private:
  ChildProcess proc_;
  const TestPki* pki_ = nullptr;
  int port_ = 0;
};

// Paths of built binaries (compile definitions set by tests/CMakeLists.txt). The environment
// variable HOTDESK_TEST_SERVER_BIN runs the suites against another hotdesk-server build (to
// check that a regression test fails on the code before a fix).
std::string ServerBinary();
std::string CtlBinary();

// Polls `cond` (every 20 ms) until it holds or `timeout` passes; its last answer.
bool WaitUntil(const std::function<bool()>& cond, absl::Duration timeout);

// Resident memory of a process in KiB (VmRSS from /proc/<pid>/status), -1 when unknown.
int64_t RssKib(pid_t pid);

// Plain HTTP/1.0 GET on 127.0.0.1; the whole response (headers and body), "" when unreachable.
std::string HttpGet(int port, const std::string& path);
// The value of an unlabelled Prometheus sample `name` in a /metrics body, or -1 when absent.
double MetricValue(const std::string& metrics, const std::string& name);

// True once process `pid` is stopped (after SIGSTOP: the signal is queued at once, but a busy
// process may run on for a moment; a test that needs it stalled waits for this). Waits up to
// `timeout`.
bool WaitProcessStopped(pid_t pid, absl::Duration timeout = absl::Seconds(5));

// Runs a command to completion; returns exit code and fills stdout.
int RunCommand(const std::vector<std::string>& argv, std::string* out, std::string* err = nullptr);

}  // namespace hotdesk::testing
