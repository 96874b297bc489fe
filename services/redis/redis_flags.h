// The Redis flags every program that talks to Redis shares (hotdesk-server, hotdesk-xsp, …), so
// the three deployment modes are chosen the same way everywhere:
//   --redis_addr host:port                                  one Redis
//   --redis_sentinels h:p,h:p,... --redis_master_name NAME  a primary found through Sentinel
//   --redis_cluster_nodes h:p,h:p,...                       Redis Cluster
// Each flag also reads HOTDESK_<FLAG> from the environment (passwords belong there or in files).
#pragma once

#include "absl/status/statusor.h"
#include "services/redis/redis_client.h"

namespace hotdesk {

// Builds the RedisConfig from the parsed flags; INVALID_ARGUMENT names the bad flag.
absl::StatusOr<RedisConfig> RedisConfigFromFlags();

}  // namespace hotdesk
