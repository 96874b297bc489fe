// The load's HTTP/JSON path: one Establish or Cancel through hotdesk-web (adapters/web), its
// answer turned back into the gRPC status the load and the history checker already know, so a
// call through the gateway is retried and judged exactly as a gRPC call is.
#pragma once

#include <string>

#include <google/protobuf/message.h>
#include <grpcpp/grpcpp.h>

#include "absl/time/time.h"

namespace hotdesk::faults {

// POST `path` on hotdesk-web at 127.0.0.1:`port` with `request` as protobuf JSON; on 200 parses
// the body into `response`. Without a definite answer (connection refused or reset, timeout)
// the status is UNAVAILABLE; otherwise WebAnswerCode's.
grpc::Status WebCall(int port, const std::string& path, const google::protobuf::Message& request,
                     google::protobuf::Message* response, const std::string& token,
                     absl::Duration deadline);

// The gRPC code of an HTTP answer: the google.rpc.Status `code` of the JSON body when the HTTP
// status is the one hotdesk-web gives that code (400 carries INVALID_ARGUMENT or
// FAILED_PRECONDITION: only the body tells them apart); else the HTTP status alone (a 502 from a
// proxy, a 503 or 504 without a body: UNAVAILABLE, DEADLINE_EXCEEDED).
grpc::StatusCode WebAnswerCode(int http_status, const std::string& body, std::string* message);

}  // namespace hotdesk::faults
