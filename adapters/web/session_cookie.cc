#include "adapters/web/session_cookie.h"

#include <sodium.h>

#include <cstring>

#include "absl/strings/escaping.h"

namespace hotdesk::web {

SessionSealer::SessionSealer(const std::string& secret) {
  if (sodium_init() < 0) std::abort();
  if (secret.empty()) {
    crypto_secretbox_keygen(key_);
  } else {
    crypto_generichash(key_, sizeof key_, reinterpret_cast<const unsigned char*>(secret.data()),
                       secret.size(), nullptr, 0);
  }
}

std::string SessionSealer::Seal(const std::string& token, absl::Time expires) const {
  // plain = expiry (Unix seconds, 8 bytes big-endian) + token
  std::string plain(8, '\0');
  uint64_t secs = static_cast<uint64_t>(absl::ToUnixSeconds(expires));
  for (int i = 7; i >= 0; --i, secs >>= 8) plain[i] = static_cast<char>(secs & 0xff);
  plain += token;
  std::string box(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + plain.size(), '\0');
  auto* nonce = reinterpret_cast<unsigned char*>(box.data());
  randombytes_buf(nonce, crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy(nonce + crypto_secretbox_NONCEBYTES,
                        reinterpret_cast<const unsigned char*>(plain.data()), plain.size(), nonce,
                        key_);
  sodium_memzero(plain.data(), plain.size());
  return absl::WebSafeBase64Escape(box);
}

absl::StatusOr<std::string> SessionSealer::Open(const std::string& cookie, absl::Time now) const {
  std::string box;
  if (!absl::WebSafeBase64Unescape(cookie, &box) ||
      box.size() < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + 8)
    return absl::UnauthenticatedError("session cookie is damaged; sign in again");
  const auto* nonce = reinterpret_cast<const unsigned char*>(box.data());
  size_t clen = box.size() - crypto_secretbox_NONCEBYTES;
  std::string plain(clen - crypto_secretbox_MACBYTES, '\0');
  if (crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(plain.data()),
                                 nonce + crypto_secretbox_NONCEBYTES, clen, nonce, key_) != 0)
    return absl::UnauthenticatedError("session cookie is not valid here; sign in again");
  uint64_t secs = 0;
  for (int i = 0; i < 8; ++i) secs = (secs << 8) | static_cast<unsigned char>(plain[i]);
  auto expires = absl::FromUnixSeconds(static_cast<int64_t>(secs));
  if (now >= expires) return absl::UnauthenticatedError("session expired; sign in again");
  return plain.substr(8);
}

}  // namespace hotdesk::web
