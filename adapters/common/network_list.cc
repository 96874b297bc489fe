#include "adapters/common/network_list.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace hotdesk::adapters {
namespace {

bool PrefixMatch(const unsigned char* a, const unsigned char* b, int prefix) {
  int full = prefix / 8, rest = prefix % 8;
  if (std::memcmp(a, b, static_cast<size_t>(full)) != 0) return false;
  if (rest == 0) return true;
  unsigned char mask = static_cast<unsigned char>(0xff << (8 - rest));
  return (a[full] & mask) == (b[full] & mask);
}

bool IsMappedV4(const unsigned char* a) {
  static const unsigned char kPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return std::memcmp(a, kPrefix, 12) == 0;
}

}  // namespace

absl::StatusOr<NetworkList> NetworkList::Parse(absl::string_view text, absl::string_view flag) {
  NetworkList list;
  for (absl::string_view entry : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    entry = absl::StripAsciiWhitespace(entry);
    auto bad = [&](absl::string_view why) {
      return absl::InvalidArgumentError(absl::StrCat(flag, ": \"", entry, "\": ", why));
    };
    Net net;
    absl::string_view address = entry;
    size_t slash = entry.find('/');
    if (slash != absl::string_view::npos) address = entry.substr(0, slash);
    std::string a(address);
    if (inet_pton(AF_INET, a.c_str(), net.addr.data()) == 1) {
      net.v6 = false;
      net.prefix = 32;
    } else if (inet_pton(AF_INET6, a.c_str(), net.addr.data()) == 1) {
      net.v6 = true;
      net.prefix = 128;
    } else {
      return bad("expected an IPv4 or IPv6 address, optionally /prefix");
    }
    if (slash != absl::string_view::npos) {
      int max = net.prefix;
      if (!absl::SimpleAtoi(entry.substr(slash + 1), &net.prefix) || net.prefix < 0 ||
          net.prefix > max)
        return bad(absl::StrCat("prefix length must be 0..", max));
    }
    // Host bits set ("10.0.0.7/8") is most likely a typo for another network: refuse it.
    std::array<unsigned char, 16> masked{};
    int bytes = net.v6 ? 16 : 4;
    for (int i = 0; i < bytes; ++i) {
      int bits = std::min(8, std::max(0, net.prefix - 8 * i));
      masked[i] = net.addr[i] & static_cast<unsigned char>(bits ? 0xff << (8 - bits) : 0);
    }
    if (masked != net.addr) return bad("address has bits set beyond the prefix length");
    list.nets_.push_back(net);
  }
  return list;
}

bool NetworkList::Match(bool v6, const unsigned char* addr) const {
  if (v6 && IsMappedV4(addr)) {
    v6 = false;
    addr += 12;
  }
  for (const Net& n : nets_) {
    if (n.v6 == v6 && PrefixMatch(n.addr.data(), addr, n.prefix)) return true;
  }
  return false;
}

bool NetworkList::Contains(const sockaddr_storage& peer) const {
  if (peer.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&peer);
    return Match(false, reinterpret_cast<const unsigned char*>(&in->sin_addr));
  }
  if (peer.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&peer);
    return Match(true, in6->sin6_addr.s6_addr);
  }
  return false;
}

bool NetworkList::Contains(absl::string_view address) const {
  std::string a(address);
  unsigned char buf[16];
  if (inet_pton(AF_INET, a.c_str(), buf) == 1) return Match(false, buf);
  if (inet_pton(AF_INET6, a.c_str(), buf) == 1) return Match(true, buf);
  return false;
}

std::string NetworkList::ToString() const {
  std::vector<std::string> parts;
  for (const Net& n : nets_) {
    char text[INET6_ADDRSTRLEN] = {};
    inet_ntop(n.v6 ? AF_INET6 : AF_INET, n.addr.data(), text, sizeof text);
    parts.push_back(absl::StrCat(text, "/", n.prefix));
  }
  return absl::StrJoin(parts, ",");
}

}  // namespace hotdesk::adapters
