// Validated, normalised forms of the mutating requests, as the stores receive them.
#pragma once

#include <map>
#include <string>
#include <vector>

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
  // Daily logout: the instants (Unix ms, ascending) of the logout time on the days around the
  // request, from the zone's rules; the store takes the first one after its own clock at
  // commit, so the replica's clock never decides the instant (empty = no daily logout).
  std::vector<int64_t> daily_logout_ms;
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

// One association, by host or by guest (exactly one of them set).
struct GetQuery {
  std::string tenant;
  std::string host;
  std::string guest;
};

// A page of a list call: the tenant, the effective page size, the caller's token.
struct PageQuery {
  std::string tenant;
  int page_size = 0;
  std::string page_token;
};

// The page-size rule of every list call (AIP-158): negative is INVALID_ARGUMENT, 0 means the
// default, anything above the maximum is capped.
inline constexpr int kDefaultPageSize = 100;
inline constexpr int kMaxPageSize = 1000;
absl::StatusOr<int> EffectivePageSize(int page_size);

// Validates every field (all violations at once) and applies defaults.
absl::StatusOr<EstablishCommand> PrepareEstablish(const v1::EstablishRequest& req,
                                                  const LimitRules& rules, absl::Time now);
absl::StatusOr<CancelCommand> PrepareCancel(const v1::CancelRequest& req);
absl::StatusOr<GetQuery> PrepareGet(const v1::GetAssociationRequest& req);
// For ListAssociations, ListDevices and ListGuests alike (the token is checked by the store).
absl::StatusOr<PageQuery> PreparePage(const std::string& tenant, int page_size,
                                      const std::string& page_token);

// The daily logout instants on the days from two before to two after `around`'s day, ascending
// (enough for a replica clock off by a day either way). A wall time skipped by a DST jump maps
// to the end of the gap (the first instant that exists after it); a repeated one to its first
// occurrence.
absl::StatusOr<std::vector<int64_t>> DailyLogoutCandidates(const v1::DailyLogout& daily,
                                                           absl::Time around);
// The first of `candidates_ms` after `now_ms`, or 0 when none is (establish.lua does the same).
int64_t FirstDailyLogoutAfter(const std::vector<int64_t>& candidates_ms, int64_t now_ms);

// Names for logs and the CLI: "API", "SUPERSEDED", ...
std::string SourceName(v1::Source s);
std::string ReasonName(v1::CancelReason r);
std::string EventTypeName(v1::EventType t);

}  // namespace hotdesk
