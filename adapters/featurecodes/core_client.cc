#include "adapters/featurecodes/core_client.h"

#include "absl/time/clock.h"
#include "services/common/status.h"

namespace hotdesk::featurecodes {

CoreClient::CoreClient(std::shared_ptr<grpc::Channel> channel, adapters::CallPolicy policy)
    : policy_(policy),
      devices_(v1::Devices::NewStub(channel)),
      guests_(v1::Guests::NewStub(channel)),
      associations_(v1::Associations::NewStub(channel)) {}

template <typename Resp>
absl::StatusOr<Resp> CoreClient::Call(
    const std::function<grpc::Status(grpc::ClientContext*, Resp*)>& fn) {
  Resp resp;
  grpc::Status st = adapters::CallWithRetry(
      policy_, &canceller_, [&](grpc::ClientContext* ctx) { return fn(ctx, &resp); });
  if (!st.ok()) return FromGrpcStatus(st);
  return resp;
}

absl::StatusOr<v1::Device> CoreClient::GetDeviceByMac(const std::string& tenant,
                                                      const std::string& mac) {
  v1::GetDeviceRequest req;
  req.set_tenant(tenant);
  req.set_mac(mac);
  return Call<v1::Device>(
      [&](grpc::ClientContext* ctx, v1::Device* r) { return devices_->GetDevice(ctx, req, r); });
}

absl::StatusOr<v1::Device> CoreClient::GetDeviceByExtension(const std::string& tenant,
                                                            const std::string& extension) {
  v1::GetDeviceRequest req;
  req.set_tenant(tenant);
  req.set_hotdesk_extension(extension);
  return Call<v1::Device>(
      [&](grpc::ClientContext* ctx, v1::Device* r) { return devices_->GetDevice(ctx, req, r); });
}

absl::StatusOr<v1::Association> CoreClient::GetAssociationByHost(const std::string& tenant,
                                                                 const std::string& host) {
  v1::GetAssociationRequest req;
  req.set_tenant(tenant);
  req.set_host(host);
  return Call<v1::Association>([&](grpc::ClientContext* ctx, v1::Association* r) {
    return associations_->GetAssociation(ctx, req, r);
  });
}

absl::StatusOr<v1::Association> CoreClient::GetAssociationByGuest(const std::string& tenant,
                                                                  const std::string& guest) {
  v1::GetAssociationRequest req;
  req.set_tenant(tenant);
  req.set_guest(guest);
  return Call<v1::Association>([&](grpc::ClientContext* ctx, v1::Association* r) {
    return associations_->GetAssociation(ctx, req, r);
  });
}

absl::StatusOr<v1::Guest> CoreClient::GetGuest(const std::string& tenant, const std::string& id) {
  v1::GetGuestRequest req;
  req.set_tenant(tenant);
  req.set_id(id);
  return Call<v1::Guest>(
      [&](grpc::ClientContext* ctx, v1::Guest* r) { return guests_->GetGuest(ctx, req, r); });
}

absl::StatusOr<v1::VerifyPinResponse> CoreClient::VerifyPin(const std::string& tenant,
                                                            const std::string& id,
                                                            const std::string& pin) {
  v1::VerifyPinRequest req;
  req.set_tenant(tenant);
  req.set_id(id);
  req.set_pin(pin);
  v1::VerifyPinResponse resp;
  grpc::Status st = adapters::CallOnce(policy_, &canceller_, [&](grpc::ClientContext* ctx) {
    return guests_->VerifyPin(ctx, req, &resp);
  });
  if (!st.ok()) return FromGrpcStatus(st);
  return resp;
}

absl::StatusOr<v1::EstablishResponse> CoreClient::Establish(const v1::EstablishRequest& req) {
  v1::EstablishResponse resp;
  grpc::Status st = adapters::RetryingEstablish(*associations_, policy_, &canceller_, req, &resp);
  if (!st.ok()) return FromGrpcStatus(st);
  return resp;
}

absl::StatusOr<v1::CancelResponse> CoreClient::Cancel(const v1::CancelRequest& req) {
  v1::CancelResponse resp;
  grpc::Status st = adapters::RetryingCancel(*associations_, policy_, &canceller_, req, &resp);
  if (!st.ok()) return FromGrpcStatus(st);
  return resp;
}

}  // namespace hotdesk::featurecodes
