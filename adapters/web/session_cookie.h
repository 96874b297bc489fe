// Browser sessions without server-side state: the cookie holds the caller's bearer token sealed
// (encrypted and authenticated, libsodium secretbox) with a key every replica shares, so any
// replica can open it and a reader of the cookie learns nothing. EventSource cannot send an
// Authorization header; the cookie (HttpOnly, SameSite=Strict, Secure under TLS) is how the
// console's event stream and calls carry the token.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace hotdesk::web {

class SessionSealer {
 public:
  // `secret` empty: a random key (sessions then work only with this process).
  explicit SessionSealer(const std::string& secret);
  std::string Seal(const std::string& token, absl::Time expires) const;
  // The token, or UNAUTHENTICATED when the cookie is forged, damaged or expired.
  absl::StatusOr<std::string> Open(const std::string& cookie, absl::Time now) const;

 private:
  unsigned char key_[32];
};

}  // namespace hotdesk::web
