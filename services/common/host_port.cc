#include "services/common/host_port.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace hotdesk {

absl::StatusOr<HostPort> SplitHostPort(absl::string_view addr, bool allow_port_zero) {
  auto bad = [addr](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat("address '", addr, "': ", why,
                                                   " (want host:port)"));
  };
  size_t colon = addr.rfind(':');
  if (colon == absl::string_view::npos) return bad("no port");
  HostPort hp;
  absl::string_view host = addr.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  if (host.empty()) return bad("no host");
  hp.host = std::string(host);
  if (!absl::SimpleAtoi(addr.substr(colon + 1), &hp.port) || hp.port > 65535 ||
      hp.port < (allow_port_zero ? 0 : 1))
    return bad("port must be a number from 1 to 65535");
  return hp;
}

std::string PeerWithoutPort(absl::string_view peer) {
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
