// Echo suppression: the bridge's own HotelingGuest changes come back as HotelingGuestEvents.
// Before each such PUT the outbound side records what the event will show (guest -> host, or
// guest -> none); the inbound side consumes a matching record instead of treating the event as a
// platform change. Records expire after a window so a lost event cannot mask a later real change.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace hotdesk::xsp {

class EchoGuard {
 public:
  explicit EchoGuard(absl::Duration window) : window_(window) {}
  void Expect(const std::string& guest, const std::string& host, absl::Time now);
  // True (and forgets the record) when the event guest -> host was expected.
  bool Consume(const std::string& guest, const std::string& host, absl::Time now);
  size_t size();

 private:
  struct Entry {
    std::string guest, host;
    absl::Time until;
  };
  absl::Duration window_;
  std::mutex mu_;
  std::vector<Entry> entries_;
};

}  // namespace hotdesk::xsp
