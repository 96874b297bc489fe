#include "adapters/featurecodes/core_client.h"

#include "absl/time/clock.h"
#include "services/common/status.h"

namespace hotdesk::featurecodes {

CoreClient::CoreClient(std::shared_ptr<grpc::Channel> channel, absl::Duration timeout)
    : timeout_(timeout),
      devices_(v1::Devices::NewStub(channel)),
      guests_(v1::Guests::NewStub(channel)),
      associations_(v1::Associations::NewStub(channel)) {}

std::unique_ptr<grpc::ClientContext> CoreClient::Context() const {
  auto c = std::make_unique<grpc::ClientContext>();
  c->set_deadline(absl::ToChronoTime(absl::Now() + timeout_));
  return c;
}

template <typename Resp, typename Fn>
absl::StatusOr<Resp> Call(Fn fn) {
  Resp resp;
  grpc::Status st = fn(&resp);
  if (!st.ok()) return FromGrpcStatus(st);
  return resp;
}

absl::StatusOr<v1::Device> CoreClient::GetDeviceByMac(const std::string& tenant,
                                                      const std::string& mac) {
  v1::GetDeviceRequest req;
  req.set_tenant(tenant);
  req.set_mac(mac);
  return Call<v1::Device>(
      [&](v1::Device* r) { return devices_->GetDevice(Context().get(), req, r); });
}

absl::StatusOr<v1::Device> CoreClient::GetDeviceByExtension(const std::string& tenant,
                                                            const std::string& extension) {
  v1::GetDeviceRequest req;
  req.set_tenant(tenant);
  req.set_hotdesk_extension(extension);
  return Call<v1::Device>(
      [&](v1::Device* r) { return devices_->GetDevice(Context().get(), req, r); });
}

absl::StatusOr<v1::Association> CoreClient::GetAssociationByHost(const std::string& tenant,
                                                                 const std::string& host) {
  v1::GetAssociationRequest req;
  req.set_tenant(tenant);
  req.set_host(host);
  return Call<v1::Association>(
      [&](v1::Association* r) { return associations_->GetAssociation(Context().get(), req, r); });
}

absl::StatusOr<v1::Association> CoreClient::GetAssociationByGuest(const std::string& tenant,
                                                                  const std::string& guest) {
  v1::GetAssociationRequest req;
  req.set_tenant(tenant);
  req.set_guest(guest);
  return Call<v1::Association>(
      [&](v1::Association* r) { return associations_->GetAssociation(Context().get(), req, r); });
}

absl::StatusOr<v1::Guest> CoreClient::GetGuest(const std::string& tenant, const std::string& id) {
  v1::GetGuestRequest req;
  req.set_tenant(tenant);
  req.set_id(id);
  return Call<v1::Guest>([&](v1::Guest* r) { return guests_->GetGuest(Context().get(), req, r); });
}

absl::StatusOr<v1::VerifyPinResponse> CoreClient::VerifyPin(const std::string& tenant,
                                                            const std::string& id,
                                                            const std::string& pin) {
  v1::VerifyPinRequest req;
  req.set_tenant(tenant);
  req.set_id(id);
  req.set_pin(pin);
  return Call<v1::VerifyPinResponse>(
      [&](v1::VerifyPinResponse* r) { return guests_->VerifyPin(Context().get(), req, r); });
}

absl::StatusOr<v1::EstablishResponse> CoreClient::Establish(const v1::EstablishRequest& req) {
  return Call<v1::EstablishResponse>(
      [&](v1::EstablishResponse* r) { return associations_->Establish(Context().get(), req, r); });
}

absl::StatusOr<v1::CancelResponse> CoreClient::Cancel(const v1::CancelRequest& req) {
  return Call<v1::CancelResponse>(
      [&](v1::CancelResponse* r) { return associations_->Cancel(Context().get(), req, r); });
}

}  // namespace hotdesk::featurecodes
