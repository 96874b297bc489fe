#include "services/core/time_zone.h"

#include <sys/stat.h>

#include <cstdlib>
#include <map>
#include <mutex>

#include "absl/strings/str_cat.h"

namespace hotdesk {
namespace {

bool ZoneChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '+' || c == '-';
}

// The directory absl reads zone files from (the same rule: $TZDIR, else the system's).
std::string ZoneDirectory() {
  const char* dir = std::getenv("TZDIR");
  return dir != nullptr && *dir != '\0' ? dir : "/usr/share/zoneinfo";
}

}  // namespace

std::string TimeZoneNameProblem(absl::string_view name) {
  if (name.empty()) return "required (an IANA name such as Europe/Berlin)";
  if (name.size() > kMaxTimeZoneNameLength)
    return absl::StrCat("at most ", kMaxTimeZoneNameLength, " characters");
  bool component_empty = true;
  for (char c : name) {
    if (c == '/') {
      if (component_empty) return "not an IANA time zone name (empty component)";
      component_empty = true;
    } else if (!ZoneChar(c)) {
      return "not an IANA time zone name (letters, digits, '_', '+', '-' and '/' only)";
    } else {
      component_empty = false;
    }
  }
  if (component_empty) return "not an IANA time zone name (empty component)";
  return "";
}

absl::StatusOr<absl::TimeZone> LoadTimeZoneByName(const std::string& name) {
  if (auto p = TimeZoneNameProblem(name); !p.empty()) return absl::InvalidArgumentError(p);
  static std::mutex mu;
  static auto* loaded = new std::map<std::string, absl::TimeZone>;
  {
    std::lock_guard<std::mutex> lock(mu);
    auto it = loaded->find(name);
    if (it != loaded->end()) return it->second;
  }
  // Only a name with a zone file behind it reaches absl (which caches whatever it is given).
  struct stat st;
  bool exists = name == "UTC" ||
                (::stat((ZoneDirectory() + "/" + name).c_str(), &st) == 0 && S_ISREG(st.st_mode));
  absl::TimeZone tz;
  if (!exists || !absl::LoadTimeZone(name, &tz))
    return absl::NotFoundError("unknown IANA time zone");
  std::lock_guard<std::mutex> lock(mu);
  loaded->emplace(name, tz);
  return tz;
}

}  // namespace hotdesk
