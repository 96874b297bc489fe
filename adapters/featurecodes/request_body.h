// What a PBX sends to the HTTP API, read into a FeatureCodes request message: a JSON body
// (protobuf's JSON mapping), or form / query parameters named like the message's string fields.
// Pure (no sockets), so that it can be fuzzed.
#pragma once

#include <map>
#include <string>

#include <google/protobuf/message.h>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace hotdesk::featurecodes {

// `content_type` is the request's Content-Type; `query` its (decoded) query parameters.
// INVALID_ARGUMENT ("body: ...") for a JSON body that does not parse into `m`, ("<field>: ...")
// for a form or query value that is not UTF-8 text.
absl::Status ReadRequestBody(absl::string_view content_type, absl::string_view body,
                             const std::multimap<std::string, std::string>& query,
                             google::protobuf::Message* m);

}  // namespace hotdesk::featurecodes
