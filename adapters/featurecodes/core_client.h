// The adapter's view of hotdesk-server: blocking calls, errors as absl::Status. Every call is
// retried across a core restart or stall (adapters/common/core_call.h); Establish and Cancel must
// carry a request_id, which makes their retries safe. VerifyPin is tried once: a check that timed
// out may have counted a failed attempt.
#pragma once

#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "adapters/common/core_call.h"
#include "hotdesk/v1/associations.grpc.pb.h"
#include "hotdesk/v1/devices.grpc.pb.h"
#include "hotdesk/v1/guests.grpc.pb.h"

namespace hotdesk::featurecodes {

class CoreClient {
 public:
  CoreClient(std::shared_ptr<grpc::Channel> channel, adapters::CallPolicy policy);

  absl::StatusOr<v1::Device> GetDeviceByMac(const std::string& tenant, const std::string& mac);
  absl::StatusOr<v1::Device> GetDeviceByExtension(const std::string& tenant,
                                                  const std::string& extension);
  // NOT_FOUND when nobody is there.
  absl::StatusOr<v1::Association> GetAssociationByHost(const std::string& tenant,
                                                       const std::string& host);
  absl::StatusOr<v1::Association> GetAssociationByGuest(const std::string& tenant,
                                                        const std::string& guest);
  absl::StatusOr<v1::Guest> GetGuest(const std::string& tenant, const std::string& id);
  absl::StatusOr<v1::VerifyPinResponse> VerifyPin(const std::string& tenant, const std::string& id,
                                                  const std::string& pin);
  absl::StatusOr<v1::EstablishResponse> Establish(const v1::EstablishRequest& req);
  absl::StatusOr<v1::CancelResponse> Cancel(const v1::CancelRequest& req);

  // Ends calls in flight or being retried (shutdown).
  void CancelCalls() { canceller_.Cancel(); }

 private:
  template <typename Resp>
  absl::StatusOr<Resp> Call(const std::function<grpc::Status(grpc::ClientContext*, Resp*)>& fn);

  adapters::CallPolicy policy_;
  adapters::CallCanceller canceller_;
  std::unique_ptr<v1::Devices::Stub> devices_;
  std::unique_ptr<v1::Guests::Stub> guests_;
  std::unique_ptr<v1::Associations::Stub> associations_;
};

}  // namespace hotdesk::featurecodes
