// The one gate every hotdesk RPC passes before its handler runs: authenticates the caller from
// the `authorization: Bearer <JWT>` metadata (or, with --insecure_no_auth, lets everyone in as an
// unrestricted caller) and authorizes the call by the method's row in the authorization table:
// role, tenant, and the source of changes the token may claim.
#pragma once

#include <memory>
#include <optional>

#include <google/protobuf/message.h>
#include <grpcpp/grpcpp.h>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/auth/caller.h"
#include "services/auth/method_rules.h"
#include "services/auth/token_verifier.h"

namespace hotdesk::auth {

class Gatekeeper {
 public:
  // `verifier` == nullptr: authentication is off (--insecure_no_auth).
  explicit Gatekeeper(TokenVerifier* verifier) : verifier_(verifier) {}

  bool enabled() const { return verifier_ != nullptr; }

  // Authenticate, then Authorize. UNAUTHENTICATED: no token, bad signature, expired, malformed.
  // PERMISSION_DENIED: the method has no rule, or the token lacks its role, tenant or source.
  absl::StatusOr<std::shared_ptr<const Caller>> Admit(const grpc::ServerContextBase& ctx,
                                                      const MethodRule* rule,
                                                      const google::protobuf::Message& request) const;

  // `authorization`: the metadata value, nullopt when absent; `peer` names the caller when
  // authentication is off.
  absl::StatusOr<std::shared_ptr<const Caller>> Authenticate(
      std::optional<absl::string_view> authorization, absl::string_view peer) const;
  static absl::Status Authorize(const Caller& caller, const MethodRule* rule,
                                const google::protobuf::Message& request);
  // Hides what the rule says the caller may not see (e.g. guests' lock state below admin).
  static void Redact(const Caller& caller, const MethodRule& rule,
                     google::protobuf::Message* response);

 private:
  TokenVerifier* verifier_;
};

}  // namespace hotdesk::auth
