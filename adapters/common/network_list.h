// A list of IP networks from a flag ("127.0.0.1/32,10.20.0.0/16,::1/128"; an address alone is a
// /32 or /128) and whether a peer's address is in one of them. An IPv4 address seen as
// IPv4-mapped IPv6 (::ffff:10.0.0.7, from a dual-stack listener) matches the IPv4 networks.
// Used by the adapters' allow-lists (CSTA clients, trusted CSTA connections, provisioning).
#pragma once

#include <sys/socket.h>

#include <array>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace hotdesk::adapters {

class NetworkList {
 public:
  // Comma-separated networks; "" is the empty list. INVALID_ARGUMENT naming `flag` and the bad
  // entry (not an address, prefix out of range, host bits set).
  static absl::StatusOr<NetworkList> Parse(absl::string_view text, absl::string_view flag);

  bool empty() const { return nets_.empty(); }
  bool Contains(const sockaddr_storage& peer) const;
  // A textual address ("10.0.0.7", "::1"); false when it does not parse.
  bool Contains(absl::string_view address) const;
  // The list as given, normalised ("127.0.0.1/32,::1/128").
  std::string ToString() const;

 private:
  struct Net {
    bool v6 = false;
    std::array<unsigned char, 16> addr{};
    int prefix = 0;
  };
  bool Match(bool v6, const unsigned char* addr) const;
  std::vector<Net> nets_;
};

}  // namespace hotdesk::adapters
