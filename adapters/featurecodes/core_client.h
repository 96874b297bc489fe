// The adapter's view of hotdesk-server: blocking calls with a deadline, errors as absl::Status.
#pragma once

#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "hotdesk/v1/associations.grpc.pb.h"
#include "hotdesk/v1/devices.grpc.pb.h"
#include "hotdesk/v1/guests.grpc.pb.h"

namespace hotdesk::featurecodes {

class CoreClient {
 public:
  CoreClient(std::shared_ptr<grpc::Channel> channel, absl::Duration timeout);

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

  v1::Associations::Stub& associations() { return *associations_; }
  std::unique_ptr<grpc::ClientContext> Context() const;

 private:
  absl::Duration timeout_;
  std::unique_ptr<v1::Devices::Stub> devices_;
  std::unique_ptr<v1::Guests::Stub> guests_;
  std::unique_ptr<v1::Associations::Stub> associations_;
};

}  // namespace hotdesk::featurecodes
