// Verifies bearer JWTs against configured public keys (PEM or JWKS files) with libjwt, turns
// their claims into a Caller, and remembers verified tokens (bounded, LRU) so that a client that
// sends the same token on every call pays the signature check once. Key files are re-read when
// they change, so keys rotate without a restart.
//
// Token claims: exp (required), nbf, iss and aud (checked when configured), sub, role
// (viewer|agent|operator|admin), tenants (a list of tenant names, or "*"), source (the one
// source of changes an adapter may claim: CSTA, XSP or FEATURE_CODE).
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/auth/caller.h"
#include "services/auth/key_set.h"

namespace hotdesk::auth {

struct VerifierOptions {
  std::vector<std::string> key_files;
  std::string audience;  // empty: "aud" not checked
  std::string issuer;    // empty: "iss" not checked
  size_t cache_size = 4096;
  absl::Duration leeway = absl::Seconds(30);  // clock skew allowed on exp and nbf
  absl::Duration reload_check = absl::Seconds(1);
  size_t max_token_bytes = 8192;
};

class TokenVerifier {
 public:
  // Loads every key file; an error names the file and why.
  static absl::StatusOr<std::unique_ptr<TokenVerifier>> Create(VerifierOptions options);

  // UNAUTHENTICATED (ErrorInfo reason TOKEN_INVALID or TOKEN_EXPIRED) when the token does not
  // verify, has expired or its claims are malformed. The message never contains the token.
  absl::StatusOr<std::shared_ptr<const Caller>> Verify(absl::string_view token);
  // The same without the cache (measurements, tests).
  absl::StatusOr<std::shared_ptr<const Caller>> VerifyUncached(absl::string_view token);

  // Re-reads the key files if any changed (Verify does this at most every reload_check).
  void CheckKeyFiles();
  size_t key_count() const;
  size_t cached_tokens() const;

 private:
  struct FileStamp {
    ino_t ino = 0;
    off_t size = -1;
    int64_t mtime_ns = -1;
    bool operator==(const FileStamp& o) const {
      return ino == o.ino && size == o.size && mtime_ns == o.mtime_ns;
    }
  };
  struct CacheEntry {
    std::shared_ptr<const Caller> caller;
    absl::Time valid_until;
    std::list<const std::string*>::iterator lru;
  };

  explicit TokenVerifier(VerifierOptions options) : options_(std::move(options)) {}
  absl::Status LoadKeys(std::vector<FileStamp>* stamps);
  std::vector<FileStamp> StampFiles() const;
  void MaybeCheckKeyFiles();

  const VerifierOptions options_;
  std::atomic<int64_t> next_check_ns_{0};
  std::mutex reload_mu_;             // one reloader at a time
  std::vector<FileStamp> stamps_;    // under reload_mu_: what the keys were loaded from
  std::vector<FileStamp> failed_;    // under reload_mu_: a change that did not load (logged once)

  mutable std::mutex mu_;  // keys_, generation_, cache
  std::shared_ptr<const std::vector<VerificationKey>> keys_;
  uint64_t generation_ = 0;
  std::unordered_map<std::string, CacheEntry> cache_;
  std::list<const std::string*> lru_;  // keys of cache_, most recently used first
};

}  // namespace hotdesk::auth
