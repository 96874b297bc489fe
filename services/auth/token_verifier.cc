#include "services/auth/token_verifier.h"

#include <jwt.h>
#include <openssl/sha.h>
#include <sys/stat.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "services/common/log.h"
#include "services/common/status.h"

namespace hotdesk::auth {
namespace {

using Json = nlohmann::json;

absl::Status Invalid(absl::string_view why) {
  return ErrorWithReason(absl::StatusCode::kUnauthenticated, "TOKEN_INVALID",
                         absl::StrCat("bearer token rejected: ", why));
}

absl::Status Expired() {
  return ErrorWithReason(absl::StatusCode::kUnauthenticated, "TOKEN_EXPIRED",
                         "bearer token expired: get a new one");
}

Json ParseSegment(absl::string_view segment) {
  std::string raw;
  if (!absl::WebSafeBase64Unescape(segment, &raw)) return Json(nullptr);
  return Json::parse(raw, nullptr, /*allow_exceptions=*/false);
}

std::string Str(const Json& obj, const char* field) {
  auto it = obj.find(field);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : "";
}

// A NumericDate claim (seconds since the epoch, integer or not).
absl::StatusOr<std::optional<absl::Time>> TimeClaim(const Json& claims, const char* name) {
  auto it = claims.find(name);
  if (it == claims.end()) return std::optional<absl::Time>();
  if (!it->is_number() || !std::isfinite(it->get<double>()))
    return Invalid(absl::StrCat("claim \"", name, "\" is not a number"));
  return std::optional<absl::Time>(absl::FromUnixSeconds(0) +
                                   absl::Seconds(it->get<double>()));
}

absl::StatusOr<v1::Source> ParseSourceClaim(std::string name) {
  name = absl::AsciiStrToUpper(name);
  if (!absl::StartsWith(name, "SOURCE_")) name = "SOURCE_" + name;
  v1::Source s;
  if (!v1::Source_Parse(name, &s) || s == v1::SOURCE_UNSPECIFIED || s == v1::SOURCE_EXPIRY)
    return Invalid("claim \"source\" must be one of API, CSTA, XSP, FEATURE_CODE");
  return s;
}

std::string Digest(absl::string_view token) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(), md);
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<char*>(md), 8));
}

// Claims -> Caller. Times and audience are checked here; the signature already was.
absl::StatusOr<std::shared_ptr<const Caller>> CallerFromClaims(const Json& claims,
                                                               const VerifierOptions& options,
                                                               absl::string_view token) {
  if (!claims.is_object()) return Invalid("claims are not a JSON object");
  absl::Time now = absl::Now();
  auto exp = TimeClaim(claims, "exp");
  if (!exp.ok()) return exp.status();
  if (!exp->has_value()) return Invalid("claim \"exp\" is required");
  if (**exp + options.leeway <= now) return Expired();
  auto nbf = TimeClaim(claims, "nbf");
  if (!nbf.ok()) return nbf.status();
  if (nbf->has_value() && **nbf - options.leeway > now) return Invalid("not valid yet (nbf)");
  if (!options.issuer.empty() && Str(claims, "iss") != options.issuer)
    return Invalid("issuer (iss) is not the one configured");
  if (!options.audience.empty()) {
    bool match = false;
    auto aud = claims.find("aud");
    if (aud != claims.end() && aud->is_string()) match = aud->get<std::string>() == options.audience;
    if (aud != claims.end() && aud->is_array()) {
      for (const auto& a : *aud) match = match || (a.is_string() && a.get<std::string>() == options.audience);
    }
    if (!match) return Invalid("audience (aud) does not include the one configured");
  }

  auto caller = std::make_shared<Caller>();
  caller->expires = **exp;
  caller->subject = Str(claims, "sub");
  caller->principal =
      caller->subject.empty() ? "token:" + Digest(token) : "sub:" + caller->subject;
  if (auto role = claims.find("role"); role != claims.end()) {
    if (!role->is_string()) return Invalid("claim \"role\" is not a string");
    auto r = ParseRole(role->get<std::string>());
    if (!r.ok()) return Invalid(absl::StrCat("claim \"role\": ", r.status().message()));
    caller->role = *r;
  }
  if (auto tenants = claims.find("tenants"); tenants != claims.end()) {
    auto add = [&](const Json& t) -> absl::Status {
      if (!t.is_string() || t.get<std::string>().empty())
        return Invalid("claim \"tenants\" must be \"*\" or a list of tenant names");
      if (t.get<std::string>() == "*")
        caller->all_tenants = true;
      else
        caller->tenants.insert(t.get<std::string>());
      return absl::OkStatus();
    };
    if (tenants->is_array()) {
      for (const auto& t : *tenants) {
        if (auto s = add(t); !s.ok()) return s;
      }
    } else if (auto s = add(*tenants); !s.ok()) {
      return s;
    }
  }
  if (auto source = claims.find("source"); source != claims.end()) {
    if (!source->is_string()) return Invalid("claim \"source\" is not a string");
    auto s = ParseSourceClaim(source->get<std::string>());
    if (!s.ok()) return s.status();
    caller->source = *s;
  }
  return std::shared_ptr<const Caller>(std::move(caller));
}

// Checks the signature with the one key the header allows, then decodes the claims.
absl::StatusOr<Json> VerifySignature(const std::string& token,
                                     const std::vector<VerificationKey>& keys) {
  std::vector<absl::string_view> parts = absl::StrSplit(token, '.');
  if (parts.size() != 3 || parts[2].empty()) return Invalid("not a signed JWT (header.payload.signature)");
  Json header = ParseSegment(parts[0]);
  if (!header.is_object()) return Invalid("header is not base64url JSON");
  if (header.contains("crit")) return Invalid("critical header extensions are not supported");
  std::string alg = Str(header, "alg");
  std::string kid = Str(header, "kid");
  // The algorithm must be one the key was configured for: libjwt alone would take the header's
  // word (an HS256 token "signed" with the public key's PEM as the secret would verify).
  std::vector<const VerificationKey*> candidates;
  bool kid_known = false;
  for (const auto& k : keys) kid_known = kid_known || (!kid.empty() && k.kid == kid);
  for (const auto& k : keys) {
    if (kid_known ? k.kid != kid : !k.kid.empty() && !kid.empty()) continue;
    for (const auto& a : k.algs) {
      if (a == alg) candidates.push_back(&k);
    }
  }
  if (candidates.empty()) {
    if (alg.empty() || alg == "none" || absl::StartsWith(alg, "HS"))
      return Invalid(absl::StrCat("algorithm \"", alg, "\" is not accepted"));
    return Invalid(kid.empty() ? absl::StrCat("no configured key verifies ", alg)
                               : absl::StrCat("unknown key id \"", kid, "\" for ", alg));
  }
  for (const VerificationKey* k : candidates) {
    jwt_t* jwt = nullptr;
    int rc = jwt_decode(&jwt, token.c_str(), reinterpret_cast<const unsigned char*>(k->pem.data()),
                        static_cast<int>(k->pem.size()));
    if (rc != 0 || !jwt) continue;
    bool same_alg = jwt_alg_str(jwt_get_alg(jwt)) != nullptr && alg == jwt_alg_str(jwt_get_alg(jwt));
    char* grants = same_alg ? jwt_get_grants_json(jwt, nullptr) : nullptr;
    jwt_free(jwt);
    if (!grants) continue;
    Json claims = Json::parse(grants, nullptr, /*allow_exceptions=*/false);
    free(grants);
    return claims;
  }
  return Invalid("signature does not verify");
}

int64_t NowNs() { return absl::ToUnixNanos(absl::Now()); }

}  // namespace

absl::StatusOr<std::unique_ptr<TokenVerifier>> TokenVerifier::Create(VerifierOptions options) {
  if (options.key_files.empty()) return absl::InvalidArgumentError("no token key file given");
  if (options.cache_size == 0) options.cache_size = 1;
  std::unique_ptr<TokenVerifier> v(new TokenVerifier(std::move(options)));
  std::lock_guard<std::mutex> lock(v->reload_mu_);
  if (auto s = v->LoadKeys(&v->stamps_); !s.ok()) return s;
  v->next_check_ns_ = NowNs() + absl::ToInt64Nanoseconds(v->options_.reload_check);
  return v;
}

std::vector<TokenVerifier::FileStamp> TokenVerifier::StampFiles() const {
  std::vector<FileStamp> out;
  for (const auto& f : options_.key_files) {
    struct stat st;
    FileStamp s;
    if (stat(f.c_str(), &st) == 0) {
      s.ino = st.st_ino;
      s.size = st.st_size;
      s.mtime_ns = int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec;
    }
    out.push_back(s);
  }
  return out;
}

absl::Status TokenVerifier::LoadKeys(std::vector<FileStamp>* stamps) {
  // Stamp first: a write that lands while reading is seen as a change at the next check.
  std::vector<FileStamp> seen = StampFiles();
  auto keys = std::make_shared<std::vector<VerificationKey>>();
  for (const auto& f : options_.key_files) {
    auto loaded = LoadVerificationKeys(f);
    if (!loaded.ok()) return loaded.status();
    for (auto& k : *loaded) keys->push_back(std::move(k));
  }
  std::vector<std::string> names;
  for (const auto& k : *keys) names.push_back(k.kid.empty() ? k.algs.front() : k.kid);
  {
    std::lock_guard<std::mutex> lock(mu_);
    keys_ = std::move(keys);
    ++generation_;
    // A removed key must stop working at once: forget what it verified.
    cache_.clear();
    lru_.clear();
  }
  HD_LOG(kInfo, "token keys loaded")
      .kv("files", absl::StrJoin(options_.key_files, ","))
      .kv("keys", absl::StrJoin(names, ","));
  *stamps = std::move(seen);
  return absl::OkStatus();
}

void TokenVerifier::CheckKeyFiles() {
  std::lock_guard<std::mutex> lock(reload_mu_);
  std::vector<FileStamp> now = StampFiles();
  if (now == stamps_ || now == failed_) return;
  if (absl::Status s = LoadKeys(&stamps_); !s.ok()) {
    // Keep the keys we have (a half-written file must not lock everyone out); say so once.
    failed_ = now;
    HD_LOG(kWarn, "token key files changed but do not load; keeping the previous keys")
        .kv("error", s.message());
    return;
  }
  failed_.clear();
}

void TokenVerifier::MaybeCheckKeyFiles() {
  int64_t now = NowNs();
  int64_t due = next_check_ns_.load(std::memory_order_relaxed);
  if (now < due) return;
  // One caller does the check; the others go on with the current keys.
  if (!next_check_ns_.compare_exchange_strong(
          due, now + absl::ToInt64Nanoseconds(options_.reload_check)))
    return;
  CheckKeyFiles();
}

absl::StatusOr<std::shared_ptr<const Caller>> TokenVerifier::VerifyUncached(
    absl::string_view token) {
  if (token.size() > options_.max_token_bytes) return Invalid("too large");
  std::shared_ptr<const std::vector<VerificationKey>> keys;
  {
    std::lock_guard<std::mutex> lock(mu_);
    keys = keys_;
  }
  auto claims = VerifySignature(std::string(token), *keys);
  if (!claims.ok()) return claims.status();
  return CallerFromClaims(*claims, options_, token);
}

absl::StatusOr<std::shared_ptr<const Caller>> TokenVerifier::Verify(absl::string_view token) {
  MaybeCheckKeyFiles();
  std::string key(token);
  uint64_t generation;
  {
    std::lock_guard<std::mutex> lock(mu_);
    generation = generation_;
    auto it = cache_.find(key);
    if (it != cache_.end()) {
      if (absl::Now() < it->second.valid_until) {
        lru_.splice(lru_.begin(), lru_, it->second.lru);
        return it->second.caller;
      }
      lru_.erase(it->second.lru);
      cache_.erase(it);
      return Expired();
    }
  }
  auto caller = VerifyUncached(token);
  if (!caller.ok()) return caller.status();
  std::lock_guard<std::mutex> lock(mu_);
  // Keys reloaded meanwhile: the answer may be stale, do not remember it.
  if (generation != generation_ || cache_.count(key)) return caller;
  while (cache_.size() >= options_.cache_size) {
    cache_.erase(*lru_.back());
    lru_.pop_back();
  }
  auto [it, inserted] = cache_.emplace(std::move(key), CacheEntry{});
  lru_.push_front(&it->first);
  it->second.caller = *caller;
  it->second.valid_until = (*caller)->expires + options_.leeway;
  it->second.lru = lru_.begin();
  return caller;
}

size_t TokenVerifier::key_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return keys_ ? keys_->size() : 0;
}

size_t TokenVerifier::cached_tokens() const {
  std::lock_guard<std::mutex> lock(mu_);
  return cache_.size();
}

}  // namespace hotdesk::auth
