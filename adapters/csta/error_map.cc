#include "adapters/csta/error_map.h"

#include "google/rpc/error_details.pb.h"
#include "services/common/status.h"

namespace hotdesk::csta {
namespace {

// The first invalid field named in a BadRequest detail, or "".
std::string InvalidField(const absl::Status& s) {
  google::rpc::BadRequest br;
  if (!GetDetail(s, &br) || br.field_violations().empty()) return "";
  return br.field_violations(0).field();
}

}  // namespace

CstaError MapStatus(const grpc::Status& status, Call call) {
  absl::Status s = FromGrpcStatus(status);
  std::string reason = ErrorReason(s);
  switch (status.error_code()) {
    case grpc::StatusCode::INVALID_ARGUMENT: {
      std::string field = InvalidField(s);
      if (field == "host") return {"operation", "invalidDeviceID"};
      if (field == "guest" || field == "id") return {"operation", "invalidAgentID"};
      if (field == "pin") return {"operation", "invalidAgentPassword"};
      return {"operation", "generic"};
    }
    case grpc::StatusCode::FAILED_PRECONDITION:
      if (reason == "HOST_BUSY" || reason == "GUEST_ELSEWHERE")
        return {"stateIncompatibility", "incorrectObjectState"};
      if (reason == "NOT_ASSOCIATED") return {"operation", "invalidAgentID"};
      return {"stateIncompatibility", "incorrectObjectState"};
    case grpc::StatusCode::NOT_FOUND:
      // Cancel/Get: nothing associated; Establish/VerifyPin: the guest is not known.
      if (call == Call::kCancel || call == Call::kGet) return {"operation", "invalidAgentState"};
      return {"operation", "invalidAgentID"};
    case grpc::StatusCode::PERMISSION_DENIED:
    case grpc::StatusCode::UNAUTHENTICATED:
      return {"security", "unspecified"};
    case grpc::StatusCode::UNAVAILABLE:
      return {"systemResourceAvailability", "resourceOutOfService"};
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
    case grpc::StatusCode::ABORTED:
      return {"systemResourceAvailability", "resourceBusy"};
    case grpc::StatusCode::UNIMPLEMENTED:
      return {"operation", "requestIncompatibleWithObject"};
    default:
      return {"operation", "generic"};
  }
}

}  // namespace hotdesk::csta
