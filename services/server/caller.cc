#include "services/server/caller.h"

#include "absl/strings/match.h"

namespace hotdesk {

std::string CallerFromPeer(absl::string_view peer) {
  // Only ip:port peers carry a port; "unix:/path" and the like are callers as they are.
  if (!absl::StartsWith(peer, "ipv4:") && !absl::StartsWith(peer, "ipv6:"))
    return std::string(peer);
  size_t colon = peer.rfind(':');
  size_t bracket = peer.rfind(']');
  if (colon == absl::string_view::npos || colon < 5) return std::string(peer);
  if (absl::StartsWith(peer, "ipv6:") && (bracket == absl::string_view::npos || colon < bracket))
    return std::string(peer);
  return std::string(peer.substr(0, colon));
}

}  // namespace hotdesk
