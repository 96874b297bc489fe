// Validation of the identifiers every request carries.
#pragma once

#include <string>
#include "absl/strings/string_view.h"

namespace hotdesk {

inline constexpr size_t kMaxIdLength = 128;

// Tenant: a DNS-label-like name, 1-63 of [a-z0-9-], not starting or ending with '-'.
// Returns "" when valid, else why not.
std::string TenantProblem(absl::string_view tenant);
// Host, guest and request ids: 1-128 printable characters, no whitespace or control characters
// (ASCII or UTF-8 encoded). Returns "" when valid, else why not.
std::string IdProblem(absl::string_view id);
// Attribute keys: 1-64 of [A-Za-z0-9_.-].
std::string AttributeKeyProblem(absl::string_view key);

}  // namespace hotdesk
