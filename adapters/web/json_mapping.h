// Building gRPC requests from HTTP requests and printing responses, only through protobuf's JSON
// mapping (lowerCamelCase names, enums by name, Timestamps as RFC 3339, Durations as "3600s").
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <google/protobuf/message.h>

#include "absl/status/statusor.h"

namespace hotdesk::web {

struct HttpParts {
  // Path variables ({"tenant","acme"}, {"device.mac","..."}), already percent-decoded.
  std::vector<std::pair<std::string, std::string>> path_vars;
  // "" (no body allowed), "*" (the whole request) or a field name.
  std::string body_field;
  std::string body;
  // Query parameters, decoded.
  std::multimap<std::string, std::string> query;
};

// Fills `request` from the HTTP request: body first, then query parameters, then path variables
// (the path wins). Errors are INVALID_ARGUMENT with a BadRequest naming the body or the parameter.
absl::Status BuildRequest(const HttpParts& parts, google::protobuf::Message* request);

// The message as JSON; INTERNAL if it cannot be printed.
absl::StatusOr<std::string> ToJson(const google::protobuf::Message& message);

// Parses a JSON object into `message` (unknown fields are an error naming them).
absl::Status FromJson(const std::string& json, google::protobuf::Message* message,
                      const std::string& what);

}  // namespace hotdesk::web
