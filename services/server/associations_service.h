// hotdesk.v1.Associations on the gRPC callback API.
#pragma once

#include "hotdesk/v1/associations.grpc.pb.h"
#include "services/core/commands.h"
#include "services/events/event_hub.h"
#include "services/server/metrics.h"
#include "services/rpc/unary_call.h"
#include "services/server/watch_reactor.h"
#include "services/store/association_store.h"

namespace hotdesk {

class AssociationsService final : public v1::Associations::CallbackService {
 public:
  // `clock`: this replica's clock (tests skew it; Redis time decides every instant stored).
  AssociationsService(AssociationStore* store, EventHub* hub, ServerMetrics* metrics,
                      const auth::Gatekeeper* gate, LimitRules rules,
                      WatchLimitsConfig watch_limits,
                      std::function<absl::Time()> clock = absl::Now);

  grpc::ServerUnaryReactor* Establish(grpc::CallbackServerContext* ctx,
                                      const v1::EstablishRequest* req,
                                      v1::EstablishResponse* resp) override;
  grpc::ServerUnaryReactor* Cancel(grpc::CallbackServerContext* ctx, const v1::CancelRequest* req,
                                   v1::CancelResponse* resp) override;
  grpc::ServerUnaryReactor* GetAssociation(grpc::CallbackServerContext* ctx,
                                           const v1::GetAssociationRequest* req,
                                           v1::Association* resp) override;
  grpc::ServerUnaryReactor* ListAssociations(grpc::CallbackServerContext* ctx,
                                             const v1::ListAssociationsRequest* req,
                                             v1::ListAssociationsResponse* resp) override;
  grpc::ServerWriteReactor<v1::AssociationEvent>* WatchEvents(
      grpc::CallbackServerContext* ctx, const v1::WatchEventsRequest* req) override;

  // Ends every open watch (shutdown).
  void EndWatches(const absl::Status& status) { watches_.EndAll(status); }

 private:
  AssociationStore* store_;
  EventHub* hub_;
  ServerMetrics* metrics_;
  LimitRules rules_;
  std::function<absl::Time()> clock_;
  RpcMethod establish_;
  RpcMethod cancel_;
  RpcMethod get_;
  RpcMethod list_;
  RpcMethod watch_;
  WatchRegistry watches_;
  WatchLimits watch_limits_;
};

}  // namespace hotdesk
