// Protobuf messages as JSON with their proto field names ("hotdesk_extension", not
// "hotdeskExtension"): the directory's records in Redis, hotdeskctl's --json output and other
// plain-JSON views of API messages. (hotdesk-web speaks the HTTP mapping's lowerCamelCase.)
#pragma once

#include <string>

#include <google/protobuf/message.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace hotdesk {

// INTERNAL naming the message type when protobuf cannot print it (e.g. a timestamp out of
// range), so the caller never writes or prints an empty or partial document.
absl::StatusOr<std::string> ProtoToJson(const google::protobuf::Message& message);
// Unknown fields are ignored, so records written by a newer version still read. INTERNAL naming
// the message type when `json` does not parse.
absl::Status ProtoFromJson(absl::string_view json, google::protobuf::Message* message);

}  // namespace hotdesk
