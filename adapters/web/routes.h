// The HTTP/JSON mapping of the gRPC API, as one table (AIP-127 style). The README shows the same
// table; tests/web/routes_test.cc checks that every route names an existing RPC and that every
// RPC of Associations, Devices and Guests has a route.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace hotdesk::web {

struct Route {
  const char* method;  // GET, POST, PATCH, DELETE
  // Path template: literal segments, {field} or {field.sub} variables bound to request fields,
  // and an optional custom verb after the last ':' ("/v1/tenants/{tenant}/devices/{mac}:forceLogout").
  const char* path;
  // Full method name, "hotdesk.v1.Associations.Establish"; "" for routes served by the gateway
  // itself (events, session, health).
  const char* rpc;
  // Where the JSON body goes: "" (no body), "*" (the whole request message) or a field name
  // ("device": the body is the Device). Request fields bound neither by the path nor the body may
  // be given as query parameters (?pageSize=50&pageToken=...).
  const char* body;
};

// Every route, in matching order.
const std::vector<Route>& Routes();

// What a request path matched.
struct RouteMatch {
  const Route* route = nullptr;
  // Path variables, percent-decoded: {"tenant", "acme"}, {"device.mac", "0015657a1b2c"}.
  std::vector<std::pair<std::string, std::string>> vars;
  // The path matched some route but not with this method (answer 405 with these in Allow).
  std::vector<std::string> allowed;
};

// Matches a raw request path (before percent-decoding, without the query string). A variable
// matches one whole segment; '/' and ':' inside an id must be percent-encoded (%2F, %3A), so that
// "a%3Ab:cancel" is the id "a:b" with the verb "cancel".
RouteMatch MatchRoute(absl::string_view method, absl::string_view raw_path);

// Percent-decodes a path segment; false on a malformed escape.
bool PercentDecode(absl::string_view in, std::string* out);

}  // namespace hotdesk::web
