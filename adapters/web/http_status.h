// The error model of the HTTP API: google.rpc.Status as JSON (protobuf's JSON mapping, details as
// Any with "@type"). HTTP codes: HttpStatusCode in services/common/status.h.
#pragma once

#include <string>

#include "absl/status/status.h"

namespace hotdesk::web {

// {"code":3,"message":"...","details":[{"@type":"type.googleapis.com/google.rpc.BadRequest",...}]}
std::string StatusJson(const absl::Status& status);

}  // namespace hotdesk::web
