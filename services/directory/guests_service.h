// hotdesk.v1.Guests on the gRPC callback API: who may hot-desk, their PIN (hashed off the gRPC
// threads) and the lockout that VerifyPin counts.
#pragma once

#include <prometheus/counter.h>

#include "hotdesk/v1/guests.grpc.pb.h"
#include "services/core/commands.h"
#include "services/directory/directory_store.h"
#include "services/directory/pin_hasher.h"
#include "services/rpc/unary_call.h"
#include "services/store/association_store.h"

namespace hotdesk {


class GuestsService final : public v1::Guests::CallbackService {
 public:
  GuestsService(DirectoryStore* directory, AssociationStore* associations, PinHasher* hasher,
                RpcMetrics* metrics, const auth::Gatekeeper* gate, PinLimits pin_limits,
                LimitRules limits);

  grpc::ServerUnaryReactor* CreateGuest(grpc::CallbackServerContext* ctx,
                                        const v1::CreateGuestRequest* req,
                                        v1::Guest* resp) override;
  grpc::ServerUnaryReactor* GetGuest(grpc::CallbackServerContext* ctx,
                                     const v1::GetGuestRequest* req, v1::Guest* resp) override;
  grpc::ServerUnaryReactor* UpdateGuest(grpc::CallbackServerContext* ctx,
                                        const v1::UpdateGuestRequest* req,
                                        v1::Guest* resp) override;
  grpc::ServerUnaryReactor* DeleteGuest(grpc::CallbackServerContext* ctx,
                                        const v1::DeleteGuestRequest* req,
                                        google::protobuf::Empty* resp) override;
  grpc::ServerUnaryReactor* ListGuests(grpc::CallbackServerContext* ctx,
                                       const v1::ListGuestsRequest* req,
                                       v1::ListGuestsResponse* resp) override;
  grpc::ServerUnaryReactor* SetPin(grpc::CallbackServerContext* ctx, const v1::SetPinRequest* req,
                                   v1::Guest* resp) override;
  grpc::ServerUnaryReactor* VerifyPin(grpc::CallbackServerContext* ctx,
                                      const v1::VerifyPinRequest* req,
                                      v1::VerifyPinResponse* resp) override;
  grpc::ServerUnaryReactor* ForceLogoutGuest(grpc::CallbackServerContext* ctx,
                                             const v1::ForceLogoutGuestRequest* req,
                                             v1::CancelResponse* resp) override;

 private:
  void CountResult(v1::VerifyPinResponse::Result result);

  DirectoryStore* directory_;
  AssociationStore* associations_;
  PinHasher* hasher_;
  PinLimits pin_limits_;
  LimitRules limits_;
  RpcMethod create_;
  RpcMethod get_;
  RpcMethod update_;
  RpcMethod delete_;
  RpcMethod list_;
  RpcMethod set_pin_;
  RpcMethod verify_pin_;
  RpcMethod force_logout_;
  prometheus::Counter* pin_ok_;
  prometheus::Counter* pin_wrong_;
  prometheus::Counter* pin_locked_;
  prometheus::Counter* pin_no_pin_;
  prometheus::Counter* pin_throttled_;
  prometheus::Counter* lockouts_;
};

}  // namespace hotdesk
