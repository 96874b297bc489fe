// absl::Status inside, grpc::Status at the edge. Machine-readable details (google.rpc.BadRequest,
// PreconditionFailure, ErrorInfo, hotdesk.v1.Association, ...) ride on the absl::Status as
// payloads keyed by their type URL and become google.rpc.Status details at the gRPC edge.
#pragma once

#include <string>
#include <vector>
#include "absl/strings/string_view.h"

#include <google/protobuf/message.h>
#include <grpcpp/support/status.h>

#include "absl/status/status.h"
#include "google/rpc/status.pb.h"

namespace hotdesk {

// Collects invalid fields; ToStatus() is OK when there are none.
class FieldViolations {
 public:
  void Add(absl::string_view field, absl::string_view description);
  bool empty() const { return items_.empty(); }
  // INVALID_ARGUMENT naming every field and why, with a BadRequest detail.
  absl::Status ToStatus() const;

 private:
  std::vector<std::pair<std::string, std::string>> items_;
};

// Attaches `detail` to `status` (no-op on OK).
void AddDetail(absl::Status* status, const google::protobuf::Message& detail);
// Reads a detail of the message's type back; false when absent.
bool GetDetail(const absl::Status& status, google::protobuf::Message* detail);

// Error with an ErrorInfo{reason, domain "hotdesk.v1"} detail.
absl::Status ErrorWithReason(absl::StatusCode code, absl::string_view reason,
                             absl::string_view message);
// The ErrorInfo reason of a status, or "" when none.
std::string ErrorReason(const absl::Status& status);

// The google.rpc.Status of a status: code, message and every detail.
google::rpc::Status ToRpcStatus(const absl::Status& status);
grpc::Status ToGrpcStatus(const absl::Status& status);
// The code as metrics label it (grpc_code="DeadlineExceeded", as go-grpc-prometheus does).
const char* GrpcCodeLabel(grpc::StatusCode code);
absl::Status FromGrpcStatus(const grpc::Status& status);

// The HTTP status that gRPC's mapping (google/rpc/code.proto) gives a code: 400 for
// INVALID_ARGUMENT, FAILED_PRECONDITION and OUT_OF_RANGE, 401, 403, 404, 409 for ALREADY_EXISTS
// and ABORTED, 429, 499 CANCELLED, 501, 503, 504, 500 for the rest.
int HttpStatusCode(absl::StatusCode code);

}  // namespace hotdesk
