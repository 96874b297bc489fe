// libFuzzer target: identifier validation (services/core/ids.h) on arbitrary bytes, checked
// against the documented rules: a tenant is valid exactly when it is a DNS label (1-63 of
// [a-z0-9-], no leading/trailing '-'); an attribute key exactly when it is 1-64 of
// [A-Za-z0-9_.-]; a valid host/guest/request id is 1-128 bytes of well-formed UTF-8 without
// ASCII whitespace or control characters, and every printable-ASCII string of that length is
// valid.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "services/core/ids.h"

namespace {

bool IsDnsLabel(const std::string& s) {
  if (s.empty() || s.size() > 63 || s.front() == '-' || s.back() == '-') return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  return true;
}

bool IsAttributeKey(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
          c == '_' || c == '.' || c == '-'))
      return false;
  return true;
}

// Structure only (lead bytes, continuation bytes, no overlong 2-byte forms, no surrogates,
// nothing above U+10FFFF): a necessary condition for a valid id.
bool IsWellFormedUtf8(const std::string& s) {
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (n == 0 || i + n > s.size() || (n == 2 && c < 0xC2)) return false;
    uint32_t cp = n == 1 ? c : c & (0xFF >> (n + 1));
    for (size_t k = 1; k < n; ++k) {
      unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((n == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
      return false;
    i += n;
  }
  return true;
}

bool IsPrintableAscii(const std::string& s) {
  for (char c : s)
    if (c < 0x21 || c > 0x7E) return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string s(reinterpret_cast<const char*>(data), size);

  if (hotdesk::TenantProblem(s).empty() != IsDnsLabel(s)) std::abort();
  if (hotdesk::AttributeKeyProblem(s).empty() != IsAttributeKey(s)) std::abort();

  bool valid = hotdesk::IdProblem(s).empty();
  if (valid) {
    if (s.empty() || s.size() > hotdesk::kMaxIdLength) std::abort();
    if (!IsWellFormedUtf8(s)) std::abort();
    for (char c : s)
      if (static_cast<unsigned char>(c) < 0x21 || c == 0x7F) std::abort();
  }
  if (!s.empty() && s.size() <= hotdesk::kMaxIdLength && IsPrintableAscii(s) && !valid)
    std::abort();
  // A problem is always explained.
  if (!valid && hotdesk::IdProblem(s).size() < 5) std::abort();
  return 0;
}
