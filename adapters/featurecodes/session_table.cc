#include "adapters/featurecodes/session_table.h"

#include <sodium.h>

#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace hotdesk::featurecodes {

SessionTable::SessionTable(absl::Duration ttl, const std::string& secret,
                           std::function<absl::Time()> clock)
    : ttl_(ttl), key_(crypto_auth_KEYBYTES, '\0'), clock_(std::move(clock)) {
  if (sodium_init() < 0) abort();  // no randomness: sessions could be forged
  auto* key = reinterpret_cast<unsigned char*>(key_.data());
  if (secret.empty()) {
    randombytes_buf(key, key_.size());
  } else {
    crypto_generichash(key, key_.size(), reinterpret_cast<const unsigned char*>(secret.data()),
                       secret.size(), nullptr, 0);
  }
}

std::string SessionTable::Sign(const std::string& payload) const {
  unsigned char tag[crypto_auth_BYTES];
  crypto_auth(tag, reinterpret_cast<const unsigned char*>(payload.data()), payload.size(),
              reinterpret_cast<const unsigned char*>(key_.data()));
  return std::string(reinterpret_cast<char*>(tag), sizeof tag);
}

DialSession SessionTable::Open(DialSession s) {
  unsigned char nonce[16];
  randombytes_buf(nonce, sizeof nonce);
  s.nonce = absl::BytesToHexString(std::string(reinterpret_cast<char*>(nonce), sizeof nonce));
  s.expires = clock_() + ttl_;
  // Ids never contain whitespace (validated), so a newline separates the fields.
  std::string payload = absl::StrJoin({std::string("1"), s.tenant, s.mac, s.host, s.guest,
                                       std::to_string(absl::ToUnixMillis(s.expires)), s.nonce},
                                      "\n");
  s.id = absl::WebSafeBase64Escape(payload) + "." + absl::WebSafeBase64Escape(Sign(payload));
  std::lock_guard<std::mutex> lock(mu_);
  waiting_[s.id] = s.expires;
  return s;
}

std::optional<DialSession> SessionTable::Take(const std::string& id) {
  size_t dot = id.rfind('.');
  if (dot == std::string::npos || id.size() > 4096) return std::nullopt;
  std::string payload, tag;
  if (!absl::WebSafeBase64Unescape(id.substr(0, dot), &payload) ||
      !absl::WebSafeBase64Unescape(id.substr(dot + 1), &tag) || tag.size() != crypto_auth_BYTES)
    return std::nullopt;
  if (crypto_auth_verify(reinterpret_cast<const unsigned char*>(tag.data()),
                         reinterpret_cast<const unsigned char*>(payload.data()), payload.size(),
                         reinterpret_cast<const unsigned char*>(key_.data())) != 0)
    return std::nullopt;
  std::vector<std::string> f = absl::StrSplit(payload, '\n');
  int64_t expires_ms;
  if (f.size() != 7 || f[0] != "1" || !absl::SimpleAtoi(f[5], &expires_ms)) return std::nullopt;
  DialSession s;
  s.id = id;
  s.tenant = f[1];
  s.mac = f[2];
  s.host = f[3];
  s.guest = f[4];
  s.expires = absl::FromUnixMillis(expires_ms);
  s.nonce = f[6];
  if (s.expires <= clock_()) return std::nullopt;
  std::lock_guard<std::mutex> lock(mu_);
  if (!taken_.emplace(id, s.expires).second) return std::nullopt;
  waiting_.erase(id);
  return s;
}

void SessionTable::Return(const DialSession& s) {
  std::lock_guard<std::mutex> lock(mu_);
  taken_.erase(s.id);
  if (s.expires > clock_()) waiting_[s.id] = s.expires;
}

int SessionTable::Sweep() {
  absl::Time now = clock_();
  std::lock_guard<std::mutex> lock(mu_);
  int n = 0;
  for (auto* m : {&waiting_, &taken_}) {
    for (auto it = m->begin(); it != m->end();) {
      if (it->second <= now) {
        if (m == &waiting_) ++n;
        it = m->erase(it);
      } else {
        ++it;
      }
    }
  }
  return n;
}

size_t SessionTable::size() {
  std::lock_guard<std::mutex> lock(mu_);
  return waiting_.size();
}

}  // namespace hotdesk::featurecodes
