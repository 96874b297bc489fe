// The authorization table: for every RPC of every hotdesk service, the least role that may call
// it, where its tenant comes from, whether it carries a source of changes bound to the token,
// and what a response hides from lower roles. One table, read by the Gatekeeper for every call;
// a test fails when a method of any service in proto/hotdesk/v1 has no row.
#pragma once

#include "absl/types/span.h"
#include "absl/strings/string_view.h"
#include "services/auth/role.h"

namespace hotdesk::auth {

enum class TenantFrom {
  kRequest,  // the request's `tenant` field: the token must grant it
  kNone,     // the method touches no tenant's data (WhoAmI, Ping), or the handler checks it
             // from state it holds (FeatureCodes.SubmitPin: the tenant of the dial session)
};

enum class SourceBinding {
  kNone,
  kRequest,  // the request's `source` field must be the token's source (API for tokens without one)
};

enum class Redaction {
  kNone,
  kGuestLockState,  // Guest.failed_attempts and locked_until, for callers below admin
};

struct MethodRule {
  absl::string_view method;  // "hotdesk.v1.Guests/SetPin"
  Role role;
  TenantFrom tenant;
  SourceBinding source;
  Redaction redact;
};

// The rule of a method, by "pkg.Service/Method" (a leading "/" is allowed); nullptr when the
// table has none, which the Gatekeeper treats as "nobody may call it".
const MethodRule* FindMethodRule(absl::string_view method);
absl::Span<const MethodRule> AllMethodRules();

}  // namespace hotdesk::auth
