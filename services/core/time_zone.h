// IANA time zones by name, for daily logout limits. Names are checked for syntax before any
// file is looked at, and only zones that exist are handed to absl: absl keeps every name it is
// asked for (a failed one too) for the life of the process, so a stream of bad names would grow
// memory for good.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace hotdesk {

inline constexpr size_t kMaxTimeZoneNameLength = 64;

// "" when `name` looks like an IANA zone name ("UTC", "Europe/Berlin", "Etc/GMT+5"):
// 1-64 characters, '/'-separated non-empty components of [A-Za-z0-9_+-]; else why not.
std::string TimeZoneNameProblem(absl::string_view name);

// The zone of that name: INVALID_ARGUMENT for a malformed name, NOT_FOUND for a well-formed
// name that is no zone in the tz database ($TZDIR or /usr/share/zoneinfo). Loaded zones are
// cached; nothing is kept for a name that failed.
absl::StatusOr<absl::TimeZone> LoadTimeZoneByName(const std::string& name);

}  // namespace hotdesk
