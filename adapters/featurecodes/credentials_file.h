// HTTP Basic credentials kept as Argon2id hashes (libsodium crypto_pwhash_str), one per line:
//   <name> <tenant> <hash>        # e.g. "pbx-acme acme $argon2id$v=19$m=65536,t=2,p=1$..."
// `name` is a PBX's user name (the dial API) or a phone's MAC (provisioning). Blank lines and
// lines starting with '#' are skipped. The file is re-read when it changes (checked at most once a second),
// so a credential is added or revoked without a restart. A verified secret is remembered (as a
// keyed digest, never the secret) so that a PBX sending the same credentials on every request
// pays the Argon2 cost once.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace hotdesk::featurecodes {

// The user and password of an "Authorization: Basic <base64>" header value; UNAUTHENTICATED when
// it is not one.
absl::StatusOr<std::pair<std::string, std::string>> ParseBasicAuthorization(
    absl::string_view authorization);

class CredentialsFile {
 public:
  // Canonical spelling of a name (e.g. a MAC's 12 hex digits); nullopt: not a valid name.
  using Normalizer = std::function<std::optional<std::string>(absl::string_view)>;

  // `flag` names the file in errors ("--pbx_credentials_file"). Reads the file now: a line that
  // is not "<name> <tenant> <hash>", a name `normalize` refuses or a hash that is not Argon2 is
  // an error naming the line. Names are looked up in their normalised form.
  static absl::StatusOr<std::unique_ptr<CredentialsFile>> Load(const std::string& path,
                                                               const std::string& flag,
                                                               Normalizer normalize = nullptr);

  // The tenant of `name` when `secret` is its secret; UNAUTHENTICATED otherwise (unknown names
  // and wrong secrets alike, in the same message).
  absl::StatusOr<std::string> Verify(const std::string& name, const std::string& secret);

  // Argon2id hash of `secret` for a credentials line (what `--hash_secret` prints).
  static absl::StatusOr<std::string> Hash(const std::string& secret);

 private:
  struct Entry {
    std::string tenant;
    std::string hash;
  };
  CredentialsFile(std::string path, std::string flag, Normalizer normalize);
  absl::Status Read();  // under mu_
  void MaybeReload();
  std::string Digest(const std::string& name, const std::string& secret) const;

  const std::string path_;
  const std::string flag_;
  const Normalizer normalize_;
  std::string digest_key_;  // random per process
  std::atomic<int64_t> next_check_ns_{0};
  std::mutex mu_;
  int64_t stamp_ = -1;
  std::map<std::string, Entry> entries_;
  std::set<std::string> verified_;  // Digest(name, secret) + hash, for secrets checked already
};

}  // namespace hotdesk::featurecodes
