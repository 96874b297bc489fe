#include "services/bench/spawn.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace hotdesk::bench {
namespace {

// What an interrupted run must not leave behind.
std::mutex g_cleanup_mu;
std::set<pid_t> g_children;
std::set<std::string> g_dirs;

void Track(pid_t pid, bool add) {
  std::lock_guard<std::mutex> lock(g_cleanup_mu);
  if (add) {
    g_children.insert(pid);
  } else {
    g_children.erase(pid);
  }
}

}  // namespace

void InstallInterruptCleanup() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  // Blocked here, inherited by every later thread, taken synchronously by one waiter.
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::thread([set] {
    int sig = 0;
    sigwait(&set, &sig);
    std::fprintf(stderr, "[hotdesk-bench] interrupted (signal %d): stopping spawned processes\n",
                 sig);
    std::lock_guard<std::mutex> lock(g_cleanup_mu);
    for (pid_t pid : g_children) kill(pid, SIGTERM);
    absl::Time end = absl::Now() + absl::Seconds(5);
    for (pid_t pid : g_children) {
      while (waitpid(pid, nullptr, WNOHANG) == 0) {
        if (absl::Now() > end) {
          kill(pid, SIGKILL);
          waitpid(pid, nullptr, 0);
          break;
        }
        absl::SleepFor(absl::Milliseconds(10));
      }
    }
    for (const auto& dir : g_dirs) {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
    _exit(130);
  }).detach();
}

Process::~Process() { Stop(absl::Seconds(5)); }

absl::Status Process::Start(const std::vector<std::string>& argv, const std::string& stdout_path,
                            const std::string& stderr_path) {
  if (argv.empty()) return absl::InvalidArgumentError("empty command");
  out_path_ = stdout_path;
  err_path_ = stderr_path;
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) return absl::InternalError(absl::StrCat("fork: ", std::strerror(errno)));
  if (pid == 0) {
    // Child: never outlive the bench, even if it crashes; and get the signals the bench blocks.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    if (getppid() != parent) _exit(127);
    int out = open(stdout_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    int err = open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (out < 0 || err < 0) _exit(127);
    dup2(out, 1);
    dup2(err, 2);
    int in = open("/dev/null", O_RDONLY);
    if (in >= 0) dup2(in, 0);
    execvp(args[0], args.data());
    dprintf(2, "exec %s: %s\n", args[0], std::strerror(errno));
    _exit(127);
  }
  pid_ = pid;
  status_ = -1;
  Track(pid, true);
  return absl::OkStatus();
}

bool Process::Running() {
  if (pid_ < 0) return false;
  int st = 0;
  pid_t r = waitpid(pid_, &st, WNOHANG);
  if (r == pid_) {
    Track(pid_, false);
    status_ = st;
    pid_ = -1;
    return false;
  }
  return r == 0;
}

absl::StatusOr<std::string> Process::WaitForLine(const std::string& needle,
                                                 absl::Duration timeout) {
  absl::Time end = absl::Now() + timeout;
  while (true) {
    std::ifstream in(out_path_);
    std::string line;
    while (std::getline(in, line)) {
      if (line.find(needle) != std::string::npos) return line;
    }
    if (!Running()) {
      return absl::FailedPreconditionError(
          absl::StrCat("process exited before printing '", needle, "'"));
    }
    if (absl::Now() > end) {
      return absl::DeadlineExceededError(
          absl::StrCat("no '", needle, "' on stdout within ", absl::FormatDuration(timeout)));
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
}

int Process::Stop(absl::Duration grace) {
  if (pid_ < 0) return status_;
  kill(pid_, SIGTERM);
  absl::Time end = absl::Now() + grace;
  while (Running()) {
    if (absl::Now() > end) {
      kill(pid_, SIGKILL);
      int st = 0;
      waitpid(pid_, &st, 0);
      Track(pid_, false);
      status_ = st;
      pid_ = -1;
      break;
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  return status_;
}

absl::StatusOr<int> FreeLoopbackPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return absl::InternalError(absl::StrCat("socket: ", std::strerror(errno)));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    int e = errno;
    close(fd);
    return absl::InternalError(absl::StrCat("bind 127.0.0.1:0: ", std::strerror(e)));
  }
  int port = ntohs(addr.sin_port);
  close(fd);
  return port;
}

absl::StatusOr<std::string> MakeTempDir(const std::string& prefix) {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = absl::StrCat(base && *base ? base : "/tmp", "/", prefix, "XXXXXX");
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (mkdtemp(buf.data()) == nullptr) {
    return absl::InternalError(absl::StrCat("mkdtemp ", tmpl, ": ", std::strerror(errno)));
  }
  std::lock_guard<std::mutex> lock(g_cleanup_mu);
  g_dirs.insert(buf.data());
  return std::string(buf.data());
}

void RemoveTree(const std::string& path) {
  {
    std::lock_guard<std::mutex> lock(g_cleanup_mu);
    g_dirs.erase(path);
  }
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
}

std::string SelfDir() {
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return ".";
  return exe.parent_path().string();
}

std::string TailOfFile(const std::string& path, size_t max_bytes) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  if (s.size() > max_bytes) s = s.substr(s.size() - max_bytes);
  return s;
}

}  // namespace hotdesk::bench
