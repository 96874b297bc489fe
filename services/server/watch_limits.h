// Caps on open WatchEvents streams, per caller and per tenant, so that one client (or one
// tenant's clients) cannot hold an unbounded share of a replica's watchers.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"

namespace hotdesk {

struct WatchLimitsConfig {
  int per_caller = 2000;   // --max_watchers_per_caller
  int per_tenant = 10000;  // --max_watchers_per_tenant
};

class WatchLimits {
 public:
  // Holds one watcher's place; gives it back when destroyed.
  class Slot {
   public:
    ~Slot();
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;

   private:
    friend class WatchLimits;
    Slot(WatchLimits* limits, std::string caller, std::string tenant)
        : limits_(limits), caller_(std::move(caller)), tenant_(std::move(tenant)) {}
    WatchLimits* limits_;
    std::string caller_;
    std::string tenant_;
  };

  explicit WatchLimits(WatchLimitsConfig config) : config_(config) {}
  // A place for one more watcher, or RESOURCE_EXHAUSTED naming the limit it would exceed
  // (ErrorInfo reason WATCHERS_PER_CALLER or WATCHERS_PER_TENANT).
  absl::StatusOr<std::unique_ptr<Slot>> Acquire(const std::string& caller,
                                                const std::string& tenant);

 private:
  void Release(const std::string& caller, const std::string& tenant);

  const WatchLimitsConfig config_;
  std::mutex mu_;
  std::map<std::string, int> callers_;
  std::map<std::string, int> tenants_;
};

}  // namespace hotdesk
