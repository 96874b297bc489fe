// Who is calling, as a verified token (or --insecure_no_auth) says: the tenants they may touch,
// their role, and the one source of changes they may claim.
#pragma once

#include <optional>
#include <set>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "hotdesk/v1/association.pb.h"
#include "services/auth/role.h"

namespace hotdesk::auth {

struct Caller {
  // Stable name of the caller for limits and logs: "sub:<subject>" for a token with a subject,
  // "token:<digest>" for one without, "peer:<address>" when authentication is off. Never the token.
  std::string principal;
  std::string subject;  // the token's "sub", may be empty
  bool all_tenants = false;
  std::set<std::string> tenants;
  Role role = Role::kNone;
  // The source of changes the token may claim (an adapter's); nullopt: API only.
  std::optional<v1::Source> source;
  // Authentication is off (--insecure_no_auth): every check passes, any source may be claimed.
  bool unrestricted = false;
  absl::Time expires = absl::InfiniteFuture();

  bool MayAccessTenant(absl::string_view tenant) const {
    return unrestricted || all_tenants || tenants.count(std::string(tenant)) > 0;
  }
};

// The identity of the caller of a call: what per-caller limits (e.g. watchers) count by.
inline const std::string& CallerKey(const Caller& caller) { return caller.principal; }

}  // namespace hotdesk::auth
