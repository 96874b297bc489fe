#include "services/core/ids.h"
#include "absl/strings/string_view.h"

#include "absl/strings/str_cat.h"

namespace hotdesk {

std::string TenantProblem(absl::string_view t) {
  if (t.empty()) return "required";
  if (t.size() > 63) return absl::StrCat("must be at most 63 characters (got ", t.size(), ")");
  for (char c : t) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok) return "must contain only lower-case letters, digits and '-'";
  }
  if (t.front() == '-' || t.back() == '-') return "must not start or end with '-'";
  return "";
}

std::string IdProblem(absl::string_view id) {
  if (id.empty()) return "required";
  if (id.size() > kMaxIdLength)
    return absl::StrCat("must be at most ", kMaxIdLength, " bytes (got ", id.size(), ")");
  size_t i = 0;
  while (i < id.size()) {
    unsigned char c = static_cast<unsigned char>(id[i]);
    if (c < 0x80) {
      if (c <= 0x20 || c == 0x7f) return "must not contain whitespace or control characters";
      ++i;
      continue;
    }
    // UTF-8: decode one sequence, reject malformed input, C1 controls and Unicode spaces.
    int len = (c >= 0xf0 && c <= 0xf4) ? 4 : (c >= 0xe0) ? 3 : (c >= 0xc2 && c <= 0xdf) ? 2 : 0;
    if (c >= 0xf5) len = 0;
    if (len == 0 || i + len > id.size()) return "must be valid UTF-8";
    uint32_t cp = c & (0x7f >> len);
    for (int k = 1; k < len; ++k) {
      unsigned char cc = static_cast<unsigned char>(id[i + k]);
      if ((cc & 0xc0) != 0x80) return "must be valid UTF-8";
      cp = (cp << 6) | (cc & 0x3f);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
      return "must be valid UTF-8";
    bool space = cp == 0x85 || cp == 0xa0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) ||
                 cp == 0x2028 || cp == 0x2029 || cp == 0x202f || cp == 0x205f || cp == 0x3000 ||
                 cp == 0xfeff;
    if ((cp >= 0x80 && cp <= 0x9f) || space)
      return "must not contain whitespace or control characters";
    i += len;
  }
  return "";
}

std::string AttributeKeyProblem(absl::string_view key) {
  if (key.empty() || key.size() > 64) return "keys must be 1-64 characters";
  for (char c : key) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-';
    if (!ok) return "keys may contain only letters, digits, '_', '.' and '-'";
  }
  return "";
}

}  // namespace hotdesk
