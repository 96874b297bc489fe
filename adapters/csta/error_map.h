// The one table from failures (service errors and our own protocol checks) to CSTAErrorCode
// category/value pairs. README "Error mapping" documents it; keep the two in step.
#pragma once

#include <string>

#include <grpcpp/support/status.h>

namespace hotdesk::csta {

struct CstaError {
  std::string category;  // operation | security | stateIncompatibility | systemResourceAvailability
  std::string value;
};

// Protocol-level failures detected by the gateway itself.
namespace errors {
inline CstaError MalformedXml() { return {"operation", "generic"}; }
inline CstaError UnknownRequest() { return {"operation", "requestIncompatibleWithObject"}; }
inline CstaError ForeignNamespace() { return {"operation", "requestIncompatibleWithObject"}; }
inline CstaError Oversize() { return {"operation", "valueOutOfRange"}; }
inline CstaError MissingDevice() { return {"operation", "invalidDeviceID"}; }
inline CstaError MissingAgent() { return {"operation", "invalidAgentID"}; }
inline CstaError BadAgentState() { return {"operation", "invalidAgentState"}; }
inline CstaError UnknownCrossRef() { return {"operation", "invalidCrossRefID"}; }
inline CstaError TooManyMonitors() {
  return {"systemResourceAvailability", "overallMonitorLimitExceeded"};
}
inline CstaError WrongPassword() { return {"operation", "invalidAgentPassword"}; }
inline CstaError Locked() { return {"security", "unspecified"}; }
inline CstaError AlreadyAssociated() { return {"stateIncompatibility", "incorrectObjectState"}; }
inline CstaError NotSupported() { return {"operation", "requestIncompatibleWithObject"}; }
// A client over --max_frames_per_second.
inline CstaError TooManyFrames() { return {"systemResourceAvailability", "resourceBusy"}; }
// A login without a verified PIN from a connection outside --trusted_networks.
inline CstaError PinRequired() { return {"operation", "invalidAgentPassword"}; }
// A private service from a connection outside --trusted_networks: ECMA-323 has no value for it,
// so the reason is given as text, as some switches do (privateErrorCode).
inline CstaError UntrustedPrivateService() {
  return {"privateErrorCode",
          "private services are allowed only on trusted connections (--trusted_networks)"};
}
}  // namespace errors

// Which call failed: the same gRPC code can mean different things per call.
enum class Call { kEstablish, kCancel, kGet, kVerifyPin };

// Maps a failed call's status (ErrorInfo reason and BadRequest field included) to a CSTA error.
CstaError MapStatus(const grpc::Status& status, Call call);

}  // namespace hotdesk::csta
