// The Redis the bench measures, in any of the three modes (one Redis, Sentinel, Cluster): its
// primaries — found the way the server finds them, through services/redis's client — and, on a
// cluster, which primary serves which key (services/redis's slot map and CRC16). The bench's
// direct Redis work (the script ceiling, memory, INFO, cleanup) goes to the right node this way.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/bench/redis_conn.h"
#include "services/redis/cluster_slots.h"
#include "services/redis/redis_client.h"

namespace hotdesk::bench {

class RedisTarget {
 public:
  // Resolves the primaries (asks the sentinels / reads the cluster's slots) and opens one admin
  // connection to each. UNAVAILABLE when no primary answers within `timeout`.
  static absl::StatusOr<std::unique_ptr<RedisTarget>> Open(const RedisConfig& config,
                                                           absl::Duration timeout);

  const RedisConfig& config() const { return config_; }
  const char* mode_name() const;
  const std::vector<RedisNodeAddr>& primaries() const { return primaries_; }
  // The primary serving `key` (its hash slot's owner on a cluster; the one primary otherwise).
  const RedisNodeAddr& PrimaryFor(const std::string& key) const;
  // "cluster, 3 primaries: 127.0.0.1:7000,127.0.0.1:7001,127.0.0.1:7002"
  std::string Describe() const;

  // A new connection to `node`, logged in as the configuration says.
  absl::StatusOr<std::unique_ptr<RedisConn>> Connect(const RedisNodeAddr& node) const;
  // The admin connection to primary `i` (one thread at a time).
  RedisConn& admin(size_t i) { return *admin_[i]; }

  // Clients connected to the primaries other than the bench's admin connections (sum).
  absl::StatusOr<int> OtherClients();
  // UNLINKs every key matching `pattern` on every primary; returns how many.
  absl::StatusOr<int64_t> DeleteMatching(const std::string& pattern);
  // A command on the primary that serves argv[1].
  absl::StatusOr<ReplyPtr> Cmd(const std::vector<std::string>& argv);

 private:
  explicit RedisTarget(RedisConfig config) : config_(std::move(config)) {}
  size_t IndexOf(const RedisNodeAddr& node) const;

  RedisConfig config_;
  std::vector<RedisNodeAddr> primaries_;
  SlotMap slots_;  // cluster mode only
  std::vector<std::unique_ptr<RedisConn>> admin_;
};

}  // namespace hotdesk::bench
