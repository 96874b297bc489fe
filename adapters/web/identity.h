// Who the caller says they are, for display only: the console shows the tenants and the actions
// a token's role allows. It is never an authorization decision — hotdesk-server verifies every
// token on every call. Decodes a JWT's payload without checking the signature.
// TODO(auth): replace with the core's "who am I" RPC (verified tenants and role) once it lands.
#pragma once

#include <string>
#include <vector>

#include <google/protobuf/struct.pb.h>

#include "absl/time/time.h"

namespace hotdesk::web {

struct Identity {
  bool decoded = false;  // false: not a JWT we can read; the console shows every action
  std::string subject;
  std::string role;  // viewer | agent | operator | admin, or "" when the token says none
  bool all_tenants = false;
  std::vector<std::string> tenants;
  absl::Time expires = absl::InfiniteFuture();
};

Identity DecodeForDisplay(const std::string& token);

// {"subject","role","tenants":[...],"allTenants","expireTime","verified":false}
google::protobuf::Struct IdentityStruct(const Identity& id);

}  // namespace hotdesk::web
