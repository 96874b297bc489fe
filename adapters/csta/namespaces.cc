#include "adapters/csta/namespaces.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace hotdesk::csta {

std::string NamespaceForEdition(absl::string_view edition) {
  if (edition.size() != 3 || !absl::StartsWith(edition, "ed") || edition[2] < '2' ||
      edition[2] > '9')
    return "";
  if (edition == "ed2") return "http://www.ecma.ch/standards/ecma-323/csta/ed2";
  return absl::StrCat("http://www.ecma-international.org/standards/ecma-323/csta/", edition);
}

bool IsCstaNamespace(absl::string_view uri) {
  absl::string_view u = uri;
  if (!absl::ConsumePrefix(&u, "http://") && !absl::ConsumePrefix(&u, "https://")) return false;
  if (!absl::ConsumePrefix(&u, "www.ecma-international.org") &&
      !absl::ConsumePrefix(&u, "www.ecmainternational.org") &&
      !absl::ConsumePrefix(&u, "www.ecma.ch"))
    return false;
  if (!absl::ConsumePrefix(&u, "/standards/ecma-323/csta/ed")) return false;
  absl::ConsumeSuffix(&u, "/");
  if (u.empty() || u.size() > 2) return false;
  for (char c : u)
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

}  // namespace hotdesk::csta
