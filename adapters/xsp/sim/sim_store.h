// The simulated platform's user data on disk (--state_file), so that a restarted simulator is a
// restarted XSP node in front of the same application server: the users' services survive, the
// channels, subscriptions and undelivered events (the node's memory) do not.
#pragma once

#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "adapters/xsp/sim/sim_state.h"

namespace hotdesk::xsp::sim {

// One line per user: the escaped id, then tab-separated key=value fields for the values set.
std::string EncodeUsers(const std::map<std::string, SimUser>& users);
// Fails naming the line and field it cannot read.
absl::StatusOr<std::map<std::string, SimUser>> DecodeUsers(const std::string& text);

// Writes `text` to a temporary file beside `path` and renames it over `path`: a reader (or a
// restart after kill -9) sees the old file or the new one, never half of one.
absl::Status WriteFileReplacing(const std::string& path, const std::string& text);
// The file's contents; NotFound when it does not exist.
absl::StatusOr<std::string> ReadWholeFile(const std::string& path);

}  // namespace hotdesk::xsp::sim
