// The validated, normalised form of a WatchEvents request.
#pragma once

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "hotdesk/v1/associations.pb.h"
#include "services/core/stream_id.h"

namespace hotdesk {

struct WatchCommand {
  std::string tenant;
  std::string host;   // only events of this host ("" = all)
  std::string guest;  // only events of this guest ("" = all)
  // Resume after this cursor; none = from now (after the snapshot, if one is asked for).
  std::optional<StreamId> after;
  bool include_snapshot = false;

  bool Matches(const v1::AssociationEvent& ev) const {
    return (host.empty() || ev.association().host() == host) &&
           (guest.empty() || ev.association().guest() == guest);
  }
};

// Validates every field (all violations at once): INVALID_ARGUMENT with a BadRequest naming them.
absl::StatusOr<WatchCommand> PrepareWatch(const v1::WatchEventsRequest& req);

}  // namespace hotdesk
