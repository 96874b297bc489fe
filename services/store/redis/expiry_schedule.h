// The expiry sweeper's work list in Redis, so that a sweep costs the tenants with something due
// rather than every tenant ever seen:
// - the due set (RedisKeys::Due): tenant -> its earliest expiry (Unix ms, Redis time);
// - the tenants set (RedisKeys::Tenants), from which reconciliation rebuilds the due set.
// Both are global keys, in a Cluster on other slots than the tenant's, so they are written next
// to the tenant's script, never inside it:
// - an Establish lists its tenant before its script and schedules the expiry it left after it;
//   either failing fails the call (UNAVAILABLE), and a retry with the same request id replays
//   the stored result and schedules again;
// - a sweep claims the due tenants for a lease (so replicas do not all sweep the same tenant,
//   and a claim whose sweeper died runs out), sweeps each, and releases each with its next
//   expiry;
// - a slow reconciliation re-schedules every listed tenant's earliest expiry, so a crashed
//   sweeper, a lost write or data from before the due set existed strands nothing for long.
#pragma once

#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "services/common/done.h"
#include "services/keyspace/redis_keys.h"
#include "services/redis/redis_client.h"

namespace hotdesk {

struct ExpiryScheduleOptions {
  int max_tenants = 100;                     // tenants claimed per sweep
  absl::Duration lease = absl::Seconds(15);  // how long a claim keeps other sweepers away
  absl::Duration reconcile_interval = absl::Minutes(5);
};

class ExpirySchedule {
 public:
  using StatusDone = std::function<void(absl::Status)>;

  ExpirySchedule(RedisClient* client, RedisKeys keys, ExpiryScheduleOptions options);

  // Lists `tenant` in the tenants set, unless this process did so since its last
  // reconciliation. UNAVAILABLE when the write fails (nothing else has been written yet).
  void ListTenant(const std::string& tenant, absl::Time deadline, StatusDone done);
  // After a commit left `tenant` with an association expiring at `expire_ms`: lowers the
  // tenant's due score to it (ZADD LT). UNAVAILABLE, asking for a retry, when the write fails.
  void Schedule(const std::string& tenant, int64_t expire_ms, absl::Time deadline, StatusDone done);

  struct Claim {
    std::string score;  // the claim's score in the due set
    std::vector<std::string> tenants;
  };
  // Takes up to max_tenants tenants whose earliest expiry has come, for the lease.
  void ClaimDue(absl::Time deadline, Done<Claim> done);
  // Ends `claim` for the tenants swept: `next` holds (tenant, next expiry ms or "" for none).
  // A claimed tenant left out (its sweep failed) is taken again when the lease runs out.
  void Release(const Claim& claim, const std::vector<std::pair<std::string, std::string>>& next,
               absl::Time deadline, StatusDone done);

  // True (once per interval, and at the first call) when a reconciliation should run now.
  bool ReconcileDue();
  // Schedules the earliest expiry of every listed tenant. On failure the next ReconcileDue()
  // is true again.
  void Reconcile(absl::Time deadline, StatusDone done);

  // The listed tenants (SMEMBERS of the tenants set).
  void Tenants(absl::Time deadline, Done<std::vector<std::string>> done);

 private:
  RedisClient* client_;
  RedisKeys keys_;
  ExpiryScheduleOptions options_;
  std::mutex mu_;
  std::set<std::string> listed_;  // tenants this process listed since its last reconciliation
  absl::Time next_reconcile_ = absl::InfinitePast();
};

}  // namespace hotdesk
