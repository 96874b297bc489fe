#include "services/directory/mac_address.h"

#include <cctype>
#include <vector>

namespace hotdesk {
namespace {

bool IsHex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

}  // namespace

std::optional<std::string> NormalizeMac(absl::string_view text) {
  // Find the separator (at most one kind) and check the group sizes it implies.
  char sep = 0;
  for (char c : text) {
    if (IsHex(c)) continue;
    if (c != ':' && c != '-' && c != '.') return std::nullopt;
    if (sep != 0 && c != sep) return std::nullopt;
    sep = c;
  }
  std::vector<size_t> groups;
  size_t run = 0;
  for (char c : text) {
    if (c == sep && sep != 0) {
      groups.push_back(run);
      run = 0;
    } else {
      ++run;
    }
  }
  groups.push_back(run);
  bool shape_ok = false;
  if (sep == 0) {
    shape_ok = groups.size() == 1 && groups[0] == 12;
  } else if (sep == '.') {
    shape_ok = groups.size() == 3 && groups[0] == 4 && groups[1] == 4 && groups[2] == 4;
  } else {
    shape_ok = groups.size() == 6;
    for (size_t g : groups) shape_ok = shape_ok && g == 2;
  }
  if (!shape_ok) return std::nullopt;
  std::string out;
  out.reserve(12);
  for (char c : text) {
    if (IsHex(c)) out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  // A phone has a unicast, non-zero address; the group bit is the low bit of the first octet.
  if (out == "000000000000") return std::nullopt;
  int first = std::stoi(out.substr(0, 2), nullptr, 16);
  if (first & 1) return std::nullopt;
  return out;
}

std::string MacProblem(absl::string_view text) {
  if (text.empty()) return "required";
  if (!NormalizeMac(text))
    return "not a unicast MAC address (expected e.g. aa:bb:cc:dd:ee:ff, aa-bb-cc-dd-ee-ff, "
           "aabb.ccdd.eeff or 12 hex digits)";
  return "";
}

}  // namespace hotdesk
