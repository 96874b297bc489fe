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

}  // namespace hotdesk
