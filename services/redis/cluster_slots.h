// Redis Cluster routing facts, pure: the hash slot of a key, the slot map read from
// CLUSTER SLOTS, and the redirections (-MOVED / -ASK) a node answers with.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <hiredis/hiredis.h>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace hotdesk {

inline constexpr int kClusterSlots = 16384;

// A node address as the cluster announces it.
struct RedisNodeAddr {
  std::string host;
  int port = 0;
  std::string ToString() const;
  bool operator==(const RedisNodeAddr& o) const { return host == o.host && port == o.port; }
  bool operator!=(const RedisNodeAddr& o) const { return !(*this == o); }
  bool operator<(const RedisNodeAddr& o) const {
    return host != o.host ? host < o.host : port < o.port;
  }
};

// CRC16 (XMODEM) of the key's hash tag — the text between the first '{' and the next '}', when
// non-empty — or of the whole key, modulo 16384.
int HashSlot(absl::string_view key);

// Which primary serves each slot. Slots no range covers map to nothing.
class SlotMap {
 public:
  // Parses a CLUSTER SLOTS reply. An empty host (a node that does not know its own address)
  // becomes `asked` — the host of the node that answered, as the cluster spec says.
  static absl::StatusOr<SlotMap> FromClusterSlots(const redisReply* reply,
                                                  const std::string& asked);

  const RedisNodeAddr* Primary(int slot) const;
  void Assign(int slot, const RedisNodeAddr& node);
  // Every slot has a primary.
  bool Complete() const;
  // The distinct primaries, sorted.
  std::vector<RedisNodeAddr> Primaries() const;

 private:
  std::vector<RedisNodeAddr> nodes_;                 // distinct primaries
  std::array<int16_t, kClusterSlots> owner_{};       // index into nodes_ + 1; 0 = none
};

// A -MOVED or -ASK error reply: the slot and where to go.
struct Redirect {
  enum Kind { kMoved, kAsk } kind;
  int slot = 0;
  RedisNodeAddr to;
};
// std::nullopt unless `error` is "MOVED <slot> <host>:<port>" or "ASK <slot> <host>:<port>".
// `to.host` is empty when the node answered ":<port>" (it does not know its own address).
std::optional<Redirect> ParseRedirect(absl::string_view error);

// "host:port" (IPv6 literals as "[::1]:6379"); port 1..65535.
std::optional<RedisNodeAddr> ParseNodeAddr(absl::string_view text);

}  // namespace hotdesk
