#include "adapters/featurecodes/credentials_file.h"

#include <sodium.h>

#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "services/common/file_stamp.h"
#include "services/common/log.h"

namespace hotdesk::featurecodes {
namespace {

absl::Status Unauthenticated() {
  return absl::UnauthenticatedError("unknown user or wrong password");
}

constexpr size_t kMaxVerified = 1024;

}  // namespace

absl::StatusOr<std::pair<std::string, std::string>> ParseBasicAuthorization(
    absl::string_view authorization) {
  absl::string_view value = absl::StripAsciiWhitespace(authorization);
  if (value.size() < 6 || !absl::EqualsIgnoreCase(value.substr(0, 6), "basic "))
    return absl::UnauthenticatedError("expected \"Authorization: Basic <base64 user:password>\"");
  absl::string_view b64 = absl::StripAsciiWhitespace(value.substr(6));
  std::string decoded(b64.size(), '\0');
  size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(decoded.data()), decoded.size(),
                        b64.data(), b64.size(), nullptr, &len, nullptr,
                        sodium_base64_VARIANT_ORIGINAL) != 0)
    return absl::UnauthenticatedError("Basic credentials are not base64");
  decoded.resize(len);
  size_t colon = decoded.find(':');
  if (colon == std::string::npos)
    return absl::UnauthenticatedError("Basic credentials are not user:password");
  return std::make_pair(decoded.substr(0, colon), decoded.substr(colon + 1));
}

CredentialsFile::CredentialsFile(std::string path, std::string flag, Normalizer normalize)
    : path_(std::move(path)),
      flag_(std::move(flag)),
      normalize_(std::move(normalize)),
      digest_key_(crypto_generichash_KEYBYTES, '\0') {
  randombytes_buf(digest_key_.data(), digest_key_.size());
}

absl::StatusOr<std::unique_ptr<CredentialsFile>> CredentialsFile::Load(const std::string& path,
                                                                       const std::string& flag,
                                                                       Normalizer normalize) {
  if (sodium_init() < 0) return absl::InternalError("libsodium cannot initialise");
  std::unique_ptr<CredentialsFile> f(new CredentialsFile(path, flag, std::move(normalize)));
  std::lock_guard<std::mutex> lock(f->mu_);
  if (auto s = f->Read(); !s.ok()) return s;
  return f;
}

absl::Status CredentialsFile::Read() {
  int64_t stamp = FileStamp(path_);
  std::ifstream in(path_);
  if (!in) return absl::InvalidArgumentError(absl::StrCat(flag_, ": cannot read ", path_));
  std::map<std::string, Entry> entries;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    absl::string_view text = absl::StripAsciiWhitespace(line);
    if (text.empty() || text[0] == '#') continue;
    std::vector<std::string> parts = absl::StrSplit(text, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    auto bad = [&](const std::string& why) {
      return absl::InvalidArgumentError(absl::StrCat(flag_, ": ", path_, " line ", number, ": ", why));
    };
    if (parts.size() != 3) return bad("expected \"<name> <tenant> <argon2 hash>\"");
    if (parts[2].rfind("$argon2", 0) != 0)
      return bad("the secret must be an Argon2 hash (hotdesk-featurecodes --hash_secret)");
    if (normalize_) {
      auto name = normalize_(parts[0]);
      if (!name) return bad(absl::StrCat("\"", parts[0], "\" is not a valid name here"));
      parts[0] = *name;
    }
    if (entries.count(parts[0])) return bad(absl::StrCat("\"", parts[0], "\" appears twice"));
    entries[parts[0]] = Entry{parts[1], parts[2]};
  }
  entries_ = std::move(entries);
  verified_.clear();
  stamp_ = stamp;
  return absl::OkStatus();
}

void CredentialsFile::MaybeReload() {
  int64_t now = absl::ToUnixNanos(absl::Now());
  int64_t due = next_check_ns_.load(std::memory_order_relaxed);
  if (now < due || !next_check_ns_.compare_exchange_strong(due, now + 1000000000)) return;
  std::lock_guard<std::mutex> lock(mu_);
  if (FileStamp(path_) == stamp_) return;
  // Keep the old credentials if the new file is unreadable or broken (mid-rotation).
  if (auto s = Read(); !s.ok()) {
    HD_LOG(kWarn, "credentials file changed but cannot be used").kv("error", s.message());
  } else {
    HD_LOG(kInfo, "credentials file re-read").kv("file", path_).kv("entries", entries_.size());
  }
}

std::string CredentialsFile::Digest(const std::string& name, const std::string& secret) const {
  std::string in = absl::StrCat(name, std::string(1, '\0'), secret);
  unsigned char out[32];
  crypto_generichash(out, sizeof out, reinterpret_cast<const unsigned char*>(in.data()), in.size(),
                     reinterpret_cast<const unsigned char*>(digest_key_.data()), digest_key_.size());
  return std::string(reinterpret_cast<char*>(out), sizeof out);
}

absl::StatusOr<std::string> CredentialsFile::Verify(const std::string& name,
                                                    const std::string& secret) {
  MaybeReload();
  std::string canonical = name;
  if (normalize_) {
    auto n = normalize_(name);
    if (!n) return Unauthenticated();
    canonical = *n;
  }
  Entry entry;
  std::string key;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = entries_.find(canonical);
    if (it == entries_.end()) return Unauthenticated();
    entry = it->second;
    key = Digest(canonical, secret) + entry.hash;
    if (verified_.count(key)) return entry.tenant;
  }
  // The Argon2 check (tens of milliseconds) outside the lock.
  if (crypto_pwhash_str_verify(entry.hash.c_str(), secret.data(), secret.size()) != 0)
    return Unauthenticated();
  std::lock_guard<std::mutex> lock(mu_);
  if (verified_.size() >= kMaxVerified) verified_.clear();
  verified_.insert(key);
  return entry.tenant;
}

absl::StatusOr<std::string> CredentialsFile::Hash(const std::string& secret) {
  if (sodium_init() < 0) return absl::InternalError("libsodium cannot initialise");
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, secret.data(), secret.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
    return absl::ResourceExhaustedError("not enough memory to hash the secret");
  return std::string(out);
}

}  // namespace hotdesk::featurecodes
