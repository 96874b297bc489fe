// A position in a tenant's event stream: a Redis stream entry id "<ms>-<seq>".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include "absl/strings/string_view.h"

namespace hotdesk {

struct StreamId {
  uint64_t ms = 0;
  uint64_t seq = 0;

  static std::optional<StreamId> Parse(absl::string_view text);
  std::string ToString() const;
  bool IsZero() const { return ms == 0 && seq == 0; }

  friend bool operator<(const StreamId& a, const StreamId& b) {
    return a.ms < b.ms || (a.ms == b.ms && a.seq < b.seq);
  }
  friend bool operator==(const StreamId& a, const StreamId& b) {
    return a.ms == b.ms && a.seq == b.seq;
  }
  friend bool operator!=(const StreamId& a, const StreamId& b) { return !(a == b); }
  friend bool operator<=(const StreamId& a, const StreamId& b) { return !(b < a); }
  friend bool operator>(const StreamId& a, const StreamId& b) { return b < a; }
  friend bool operator>=(const StreamId& a, const StreamId& b) { return !(a < b); }
};

}  // namespace hotdesk
