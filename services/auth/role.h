// Roles a token grants, ordered: each role may do everything the roles below it may.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace hotdesk::auth {

// kNone: an authenticated token that grants no role (it may call nothing but what is open).
enum class Role { kNone = 0, kViewer = 1, kAgent = 2, kOperator = 3, kAdmin = 4 };

// "viewer", "agent", "operator", "admin" ("none" for kNone).
const char* RoleName(Role role);
// Parses a role name (lower case, as in tokens); INVALID_ARGUMENT naming the choices otherwise.
absl::StatusOr<Role> ParseRole(absl::string_view name);
inline bool AtLeast(Role have, Role need) { return static_cast<int>(have) >= static_cast<int>(need); }

}  // namespace hotdesk::auth
