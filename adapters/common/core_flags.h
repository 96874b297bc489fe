// The flags every adapter shares for its channel to hotdesk-server's authentication (each also
// read from HOTDESK_<FLAG>, e.g. HOTDESK_CORE_TOKEN):
//   --core_token_file F   file holding the adapter's bearer JWT (re-read when it changes)
//   --core_token T        the JWT itself (prefer HOTDESK_CORE_TOKEN: a command line is public)
//   --core_tls            TLS to the core (implied by --core_tls_ca / --core_tls_cert)
//   --core_tls_ca F       CA certificate(s) the core's certificate must chain to
//   --core_tls_cert F, --core_tls_key F   client certificate, for a core that requires mTLS
//   --core_tls_server_name N              name expected in the core's certificate
#pragma once

#include "absl/status/statusor.h"
#include "services/auth/client_channel.h"

namespace hotdesk::adapters {

// Options from the parsed flags, checked now (files readable, key fits certificate, not both a
// token and a token file): INVALID_ARGUMENT naming the flag otherwise.
absl::StatusOr<auth::ClientAuthOptions> CoreAuthFromFlags();

// True when --core_token or --core_token_file was given (hotdesk-web refuses them: it forwards
// its users' tokens and has none of its own).
bool CoreTokenFlagsGiven();

}  // namespace hotdesk::adapters
