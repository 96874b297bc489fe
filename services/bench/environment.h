// The system under test: either spawned by the bench (own redis-server and hotdesk-server in a
// temp dir, stopped by PID at the end) or already running (then only the bench's own tenants'
// keys are deleted at the end, never a FLUSH).
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "services/bench/config.h"
#include "services/bench/spawn.h"

namespace hotdesk::bench {

class Environment {
 public:
  static absl::StatusOr<std::unique_ptr<Environment>> Open(const BenchConfig& config);
  ~Environment();

  const std::string& server() const { return server_; }
  const std::string& redis_addr() const { return redis_addr_; }
  int server_pid() const { return server_pid_; }
  // Deletes every key of tenants "<base>-*" (attached mode only; spawned Redis just goes away).
  void Cleanup(const std::string& key_prefix, const std::string& tenant_base);

 private:
  Environment() = default;
  absl::Status Spawn(const BenchConfig& config);

  bool spawned_ = false;
  std::string dir_;
  Process redis_;
  Process server_proc_;
  std::string server_;
  std::string redis_addr_;
  int server_pid_ = 0;
};

// The hotdesk-server binary: --server_bin, else next to the bench in the build tree or install.
std::string FindServerBinary(const std::string& flag);

}  // namespace hotdesk::bench
