// The error model of the HTTP API: google.rpc.Status as JSON (protobuf's JSON mapping, details as
// Any with "@type"), with the HTTP code gRPC's own mapping gives each status code.
#pragma once

#include <string>

#include "absl/status/status.h"

namespace hotdesk::web {

// 400 INVALID_ARGUMENT, 404 NOT_FOUND, 409 ALREADY_EXISTS/ABORTED, 401, 403, 429, 499 CANCELLED,
// 501, 503, 504, 500 for the rest (google/rpc/code.proto).
int HttpCode(absl::StatusCode code);

// {"code":3,"message":"...","details":[{"@type":"type.googleapis.com/google.rpc.BadRequest",...}]}
std::string StatusJson(const absl::Status& status);

}  // namespace hotdesk::web
