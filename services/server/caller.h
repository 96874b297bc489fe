// Who is calling, for per-caller limits. Today the peer's network address (without the port, so
// that one client's connections count together); once calls are authenticated, the token's
// subject belongs here instead.
#pragma once

#include <string>

#include <grpcpp/grpcpp.h>

#include "absl/strings/string_view.h"

namespace hotdesk {

// "ipv4:10.0.0.7:52114" -> "ipv4:10.0.0.7", "ipv6:[::1]:52114" -> "ipv6:[::1]".
std::string CallerFromPeer(absl::string_view peer);

inline std::string CallerOf(const grpc::CallbackServerContext& ctx) {
  return CallerFromPeer(ctx.peer());
}

}  // namespace hotdesk
