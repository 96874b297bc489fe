#include "adapters/xsp/bridge/echo_guard.h"

#include <algorithm>

namespace hotdesk::xsp {

void EchoGuard::Expect(const std::string& guest, const std::string& host, absl::Time now) {
  std::lock_guard<std::mutex> lock(mu_);
  entries_.push_back({guest, host, now + window_});
}

bool EchoGuard::Consume(const std::string& guest, const std::string& host, absl::Time now) {
  std::lock_guard<std::mutex> lock(mu_);
  entries_.erase(std::remove_if(entries_.begin(), entries_.end(),
                                [now](const Entry& e) { return e.until < now; }),
                 entries_.end());
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (it->guest == guest && it->host == host) {
      entries_.erase(it);
      return true;
    }
  }
  return false;
}

size_t EchoGuard::size() {
  std::lock_guard<std::mutex> lock(mu_);
  return entries_.size();
}

}  // namespace hotdesk::xsp
