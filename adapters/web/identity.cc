#include "adapters/web/identity.h"

#include <google/protobuf/util/json_util.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_split.h"

namespace hotdesk::web {

Identity DecodeForDisplay(const std::string& token) {
  Identity id;
  std::vector<std::string> parts = absl::StrSplit(token, '.');
  if (parts.size() != 3) return id;
  std::string payload;
  if (!absl::WebSafeBase64Unescape(parts[1], &payload)) return id;
  google::protobuf::Struct claims;
  google::protobuf::util::JsonParseOptions opts;
  if (!google::protobuf::util::JsonStringToMessage(payload, &claims, opts).ok()) return id;
  id.decoded = true;
  const auto& f = claims.fields();
  if (auto it = f.find("sub"); it != f.end()) id.subject = it->second.string_value();
  if (auto it = f.find("role"); it != f.end()) id.role = it->second.string_value();
  if (auto it = f.find("tenants"); it != f.end()) {
    if (it->second.string_value() == "*") id.all_tenants = true;
    for (const auto& v : it->second.list_value().values()) {
      if (v.string_value() == "*") id.all_tenants = true;
      else if (!v.string_value().empty()) id.tenants.push_back(v.string_value());
    }
  }
  if (auto it = f.find("exp"); it != f.end() && it->second.number_value() > 0)
    id.expires = absl::FromUnixSeconds(static_cast<int64_t>(it->second.number_value()));
  return id;
}

google::protobuf::Struct IdentityStruct(const Identity& id) {
  google::protobuf::Struct s;
  auto& f = *s.mutable_fields();
  f["decoded"].set_bool_value(id.decoded);
  f["verified"].set_bool_value(false);
  f["subject"].set_string_value(id.subject);
  f["role"].set_string_value(id.role);
  f["allTenants"].set_bool_value(id.all_tenants);
  auto* list = f["tenants"].mutable_list_value();
  for (const auto& t : id.tenants) list->add_values()->set_string_value(t);
  if (id.expires != absl::InfiniteFuture())
    f["expireTime"].set_string_value(absl::FormatTime(absl::RFC3339_sec, id.expires,
                                                      absl::UTCTimeZone()));
  return s;
}

}  // namespace hotdesk::web
