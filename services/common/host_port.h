// "host:port" addresses of flags and configuration, split once for every program.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace hotdesk {

struct HostPort {
  std::string host;  // brackets of an IPv6 literal removed: "[::1]:6379" -> "::1"
  int port = 0;      // 1..65535, or 0 when allowed (listen addresses picking a free port)
};

// Splits at the last ':'. INVALID_ARGUMENT naming `addr` when there is no port, the port is not a
// number in range (0 only with `allow_port_zero`), or the host is empty.
absl::StatusOr<HostPort> SplitHostPort(absl::string_view addr, bool allow_port_zero = false);

// A gRPC peer without its port, so that one client's connections count as one caller:
// "ipv4:10.0.0.7:52114" -> "ipv4:10.0.0.7", "ipv6:[::1]:52114" -> "ipv6:[::1]"; peers of other
// kinds ("unix:/path") as they are.
std::string PeerWithoutPort(absl::string_view peer);

}  // namespace hotdesk
