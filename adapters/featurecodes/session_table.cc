#include "adapters/featurecodes/session_table.h"

#include <random>

#include "absl/strings/escaping.h"

namespace hotdesk::featurecodes {
namespace {

std::string RandomId() {
  static std::mutex mu;
  static std::random_device rd;  // the kernel's CSPRNG on Linux
  std::string bytes(16, '\0');
  std::lock_guard<std::mutex> lock(mu);
  for (size_t i = 0; i < bytes.size(); i += 4) {
    uint32_t v = rd();
    for (size_t j = 0; j < 4; ++j) bytes[i + j] = static_cast<char>((v >> (8 * j)) & 0xff);
  }
  return absl::BytesToHexString(bytes);
}

}  // namespace

SessionTable::SessionTable(absl::Duration ttl, std::function<absl::Time()> clock)
    : ttl_(ttl), clock_(std::move(clock)) {}

DialSession SessionTable::Open(DialSession session) {
  session.id = RandomId();
  session.expires = clock_() + ttl_;
  std::lock_guard<std::mutex> lock(mu_);
  sessions_[session.id] = session;
  return session;
}

std::optional<DialSession> SessionTable::Take(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return std::nullopt;
  DialSession s = std::move(it->second);
  sessions_.erase(it);
  if (s.expires <= clock_()) return std::nullopt;
  return s;
}

void SessionTable::Return(DialSession session) {
  if (session.expires <= clock_()) return;
  std::lock_guard<std::mutex> lock(mu_);
  sessions_[session.id] = std::move(session);
}

int SessionTable::Sweep() {
  absl::Time now = clock_();
  std::lock_guard<std::mutex> lock(mu_);
  int n = 0;
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    if (it->second.expires <= now) {
      it = sessions_.erase(it);
      ++n;
    } else {
      ++it;
    }
  }
  return n;
}

size_t SessionTable::size() {
  std::lock_guard<std::mutex> lock(mu_);
  return sessions_.size();
}

}  // namespace hotdesk::featurecodes
