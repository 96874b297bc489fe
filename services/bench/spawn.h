// A small process launcher for hotdesk-bench --spawn: starts redis-server and hotdesk-server as
// child processes with their output in files, and stops them by PID (SIGTERM, then SIGKILL).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace hotdesk::bench {

class Process {
 public:
  Process() = default;
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  // Starts argv[0] (searched in PATH) with stdout/stderr appended to the given files.
  absl::Status Start(const std::vector<std::string>& argv, const std::string& stdout_path,
                     const std::string& stderr_path);
  // Waits until a line of the stdout file contains `needle`; returns that line.
  absl::StatusOr<std::string> WaitForLine(const std::string& needle, absl::Duration timeout);
  bool Running();
  // SIGTERM, wait up to `grace`, then SIGKILL. Returns the wait status, or -1 if not started.
  int Stop(absl::Duration grace = absl::Seconds(10));
  pid_t pid() const { return pid_; }
  const std::string& stderr_path() const { return err_path_; }

 private:
  pid_t pid_ = -1;
  int status_ = -1;
  std::string out_path_;
  std::string err_path_;
};

// A TCP port on 127.0.0.1 that was free a moment ago.
absl::StatusOr<int> FreeLoopbackPort();
// A fresh directory under $TMPDIR (or /tmp).
absl::StatusOr<std::string> MakeTempDir(const std::string& prefix);
// Removes a directory tree (best effort).
void RemoveTree(const std::string& path);
// Directory of the running executable (/proc/self/exe).
std::string SelfDir();
// On SIGINT/SIGTERM/SIGHUP: stops every process still running from Process::Start and removes
// every MakeTempDir directory, then exits 130. Call first in main, before any thread starts.
void InstallInterruptCleanup();

// Last `max_bytes` of a file, for error messages.
std::string TailOfFile(const std::string& path, size_t max_bytes = 2000);

}  // namespace hotdesk::bench
