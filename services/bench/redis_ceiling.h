// Redis's own ceiling for the association scripts: the server's establish script (same text,
// keys and arguments as RedisStore::Establish) sent straight through hiredis, pipelined, to the
// primary that serves each tenant (on a cluster: `connections` per primary that serves one of
// the tenants). Also used to fill a tenant quickly for the memory probe.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/bench/histogram.h"
#include "services/bench/redis_target.h"

namespace hotdesk::bench {

struct ScriptLoadSpec {
  const RedisTarget* target = nullptr;
  std::string key_prefix = "hotdesk";
  // Spread over the tenants' primaries; count mode (below) uses the first one only.
  std::vector<std::string> tenants;
  int64_t stream_retention = 100000;  // the server's --stream_retention
  int64_t request_id_ttl_s = 86400;   // the server's --request_id_ttl
  int connections = 2;  // per primary
  int window = 128;     // commands in flight per connection
  // Either a timed run over a roaming key space (hosts x guests) ...
  absl::Duration warmup = absl::Seconds(1);
  absl::Duration duration = absl::Seconds(3);
  int hosts = 200, guests = 200;
  // ... or exactly `count` distinct pairs desk-i/user-i (no warm-up) when count > 0.
  int64_t count = 0;
};

struct ScriptLoadResult {
  double seconds = 0;
  int64_t ops = 0;
  double ops_per_sec = 0;
  LatencySummary latency;  // from queueing the command to reading its reply
  int64_t errors = 0;
  std::map<std::string, int64_t> error_codes;
  int primaries = 0;  // primaries that served at least one tenant
};

absl::StatusOr<ScriptLoadResult> RunEstablishScript(const ScriptLoadSpec& spec);

// The establish script exactly as RedisStore builds it (prelude + establish).
std::string EstablishScriptText();

}  // namespace hotdesk::bench
