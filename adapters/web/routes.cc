#include "adapters/web/routes.h"

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"

namespace hotdesk::web {

const std::vector<Route>& Routes() {
  // clang-format off
  static const std::vector<Route> routes = {
    // Associations
    {"POST",   "/v1/tenants/{tenant}/associations:establish",         "hotdesk.v1.Associations.Establish",        "*"},
    {"POST",   "/v1/tenants/{tenant}/associations:cancel",            "hotdesk.v1.Associations.Cancel",           "*"},
    {"POST",   "/v1/tenants/{tenant}/associations/{host}:cancel",     "hotdesk.v1.Associations.Cancel",           "*"},
    {"GET",    "/v1/tenants/{tenant}/associations",                   "hotdesk.v1.Associations.ListAssociations", ""},
    {"GET",    "/v1/tenants/{tenant}/associations/{host}",            "hotdesk.v1.Associations.GetAssociation",   ""},
    {"GET",    "/v1/tenants/{tenant}/guests/{guest}/association",     "hotdesk.v1.Associations.GetAssociation",   ""},
    {"GET",    "/v1/tenants/{tenant}/events",                         "hotdesk.v1.Associations.WatchEvents",      ""},
    // Devices
    {"POST",   "/v1/tenants/{tenant}/devices",                        "hotdesk.v1.Devices.CreateDevice",          "device"},
    {"GET",    "/v1/tenants/{tenant}/devices",                        "hotdesk.v1.Devices.ListDevices",           ""},
    {"GET",    "/v1/tenants/{tenant}/devices/{mac}",                  "hotdesk.v1.Devices.GetDevice",             ""},
    {"PATCH",  "/v1/tenants/{tenant}/devices/{device.mac}",           "hotdesk.v1.Devices.UpdateDevice",          "device"},
    {"DELETE", "/v1/tenants/{tenant}/devices/{mac}",                  "hotdesk.v1.Devices.DeleteDevice",          ""},
    {"POST",   "/v1/tenants/{tenant}/devices/{mac}:forceLogout",      "hotdesk.v1.Devices.ForceLogoutDevice",     "*"},
    {"GET",    "/v1/tenants/{tenant}/devices/{mac}/profile",          "",                                         ""},
    // Guests
    {"POST",   "/v1/tenants/{tenant}/guests",                         "hotdesk.v1.Guests.CreateGuest",            "*"},
    {"GET",    "/v1/tenants/{tenant}/guests",                         "hotdesk.v1.Guests.ListGuests",             ""},
    {"GET",    "/v1/tenants/{tenant}/guests/{id}",                    "hotdesk.v1.Guests.GetGuest",               ""},
    {"PATCH",  "/v1/tenants/{tenant}/guests/{guest.id}",              "hotdesk.v1.Guests.UpdateGuest",            "guest"},
    {"DELETE", "/v1/tenants/{tenant}/guests/{id}",                    "hotdesk.v1.Guests.DeleteGuest",            ""},
    {"POST",   "/v1/tenants/{tenant}/guests/{id}:setPin",             "hotdesk.v1.Guests.SetPin",                 "*"},
    {"POST",   "/v1/tenants/{tenant}/guests/{id}:verifyPin",          "hotdesk.v1.Guests.VerifyPin",              "*"},
    {"POST",   "/v1/tenants/{tenant}/guests/{id}:forceLogout",        "hotdesk.v1.Guests.ForceLogoutGuest",       "*"},
    // The gateway's own
    {"GET",    "/v1/session",                                         "",                                         ""},
    {"POST",   "/v1/session",                                         "",                                         "*"},
    {"DELETE", "/v1/session",                                         "",                                         ""},
    {"GET",    "/v1/health",                                          "",                                         ""},
    {"GET",    "/v1/adapters",                                        "",                                         ""},
  };
  // clang-format on
  return routes;
}

namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// One template segment: a literal or a {variable}, with the verb split off the last one.
struct Segment {
  std::string literal;
  std::string var;
};

struct Template {
  std::vector<Segment> segments;
  std::string verb;
};

Template Parse(absl::string_view path) {
  Template t;
  std::vector<absl::string_view> parts = absl::StrSplit(path.substr(1), '/');
  for (size_t i = 0; i < parts.size(); ++i) {
    absl::string_view p = parts[i];
    if (i + 1 == parts.size()) {
      // The verb follows the last ':' outside a {variable}.
      size_t close = p.rfind('}');
      size_t colon = p.rfind(':');
      if (colon != absl::string_view::npos && (close == absl::string_view::npos || colon > close)) {
        t.verb = std::string(p.substr(colon + 1));
        p = p.substr(0, colon);
      }
    }
    Segment s;
    if (absl::StartsWith(p, "{") && absl::EndsWith(p, "}"))
      s.var = std::string(p.substr(1, p.size() - 2));
    else
      s.literal = std::string(p);
    t.segments.push_back(std::move(s));
  }
  return t;
}

const std::vector<Template>& Templates() {
  static const std::vector<Template>* templates = [] {
    auto* out = new std::vector<Template>;
    for (const auto& r : Routes()) out->push_back(Parse(r.path));
    return out;
  }();
  return *templates;
}

// Matches `raw` segments against one template; fills vars.
bool MatchTemplate(const Template& t, const std::vector<absl::string_view>& raw,
                   std::vector<std::pair<std::string, std::string>>* vars) {
  if (raw.size() != t.segments.size()) return false;
  vars->clear();
  for (size_t i = 0; i < raw.size(); ++i) {
    absl::string_view seg = raw[i];
    if (i + 1 == raw.size()) {
      if (!t.verb.empty()) {
        if (!absl::EndsWith(seg, ":" + t.verb)) return false;
        seg.remove_suffix(t.verb.size() + 1);
      } else if (t.segments[i].var.empty() && seg.find(':') != absl::string_view::npos) {
        return false;
      }
    }
    const Segment& s = t.segments[i];
    if (s.var.empty()) {
      if (seg != s.literal) return false;
      continue;
    }
    std::string value;
    if (seg.empty() || !PercentDecode(seg, &value) || value.empty()) return false;
    vars->emplace_back(s.var, std::move(value));
  }
  return true;
}

}  // namespace

bool PercentDecode(absl::string_view in, std::string* out) {
  out->clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out->push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size()) return false;
    int hi = HexValue(in[i + 1]), lo = HexValue(in[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out->push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return true;
}

RouteMatch MatchRoute(absl::string_view method, absl::string_view raw_path) {
  RouteMatch m;
  if (raw_path.empty() || raw_path[0] != '/') return m;
  std::vector<absl::string_view> raw = absl::StrSplit(raw_path.substr(1), '/');
  const auto& routes = Routes();
  const auto& templates = Templates();
  std::vector<std::pair<std::string, std::string>> vars;
  for (size_t i = 0; i < routes.size(); ++i) {
    if (!MatchTemplate(templates[i], raw, &vars)) continue;
    if (method == routes[i].method) {
      m.route = &routes[i];
      m.vars = std::move(vars);
      m.allowed.clear();
      return m;
    }
    m.allowed.push_back(routes[i].method);
  }
  return m;
}

}  // namespace hotdesk::web
