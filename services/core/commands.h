// Validated, normalised forms of the mutating requests, as the stores receive them.
#pragma once

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "hotdesk/v1/associations.pb.h"

namespace hotdesk {

// Server-side rules for association limits.
struct LimitRules {
  // Shortest duration limit accepted (BroadWorks: 1 h). Tests lower it.
  absl::Duration min_duration = absl::Hours(1);
  // Longest duration limit accepted (BroadWorks: 999 h).
  absl::Duration max_duration = absl::Hours(999);
};

struct EstablishCommand {
  std::string tenant;
  std::string host;
  std::string guest;
  v1::Source source = v1::SOURCE_API;
  std::string request_id;
  bool reject_host_busy = false;
  bool reject_guest_elsewhere = false;
  // Duration limit in ms, counted from the store's clock at commit (0 = none).
  int64_t limit_ms = 0;
  // Absolute expiry in Unix ms for a daily logout, computed by the server (0 = none).
  int64_t expire_at_ms = 0;
  // The limit as requested, stored and echoed back.
  v1::AssociationLimit limit;
  std::map<std::string, std::string> attributes;

  // Identifies the request's parameters: a request_id reused with another fingerprint is refused.
  std::string Fingerprint() const;
};

struct CancelCommand {
  std::string tenant;
  std::string host;   // may be empty when guest is set
  std::string guest;  // may be empty when host is set
  v1::CancelReason reason = v1::CANCEL_REASON_LOGOUT;
  v1::Source source = v1::SOURCE_API;
  std::string request_id;

  std::string Fingerprint() const;
};

// Validates every field (all violations at once) and applies defaults.
absl::StatusOr<EstablishCommand> PrepareEstablish(const v1::EstablishRequest& req,
                                                  const LimitRules& rules, absl::Time now);
absl::StatusOr<CancelCommand> PrepareCancel(const v1::CancelRequest& req);

// Next occurrence of the daily logout time strictly after `now`.
absl::StatusOr<absl::Time> NextDailyLogout(const v1::DailyLogout& daily, absl::Time now);

// Names for logs and the CLI: "API", "SUPERSEDED", ...
std::string SourceName(v1::Source s);
std::string ReasonName(v1::CancelReason r);
std::string EventTypeName(v1::EventType t);

}  // namespace hotdesk
