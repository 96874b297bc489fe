// Reads what Redis holds after a run: each tenant's event stream and its by-host / by-guest
// hashes, straight from Redis (the ground truth the checker compares everything else with).
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tests/faults/history.h"
#include "tests/support/processes.h"

namespace hotdesk::faults {

absl::StatusOr<std::vector<StreamEvent>> ReadStream(testing::RedisServer& redis,
                                                    const std::string& prefix,
                                                    const std::string& tenant);
absl::StatusOr<TenantState> ReadState(testing::RedisServer& redis, const std::string& prefix,
                                      const std::string& tenant);
// The id of the tenant's last stream entry (0-0 when empty).
StreamId LastStreamId(testing::RedisServer& redis, const std::string& prefix,
                      const std::string& tenant);

}  // namespace hotdesk::faults
