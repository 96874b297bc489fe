#include "services/server/associations_service.h"

#include "services/common/log.h"
#include "services/common/status.h"
#include "services/core/ids.h"
#include "services/rpc/unary_call.h"
#include "services/server/watch_reactor.h"

namespace hotdesk {
namespace {
constexpr char kService[] = "hotdesk.v1.Associations";
}

AssociationsService::AssociationsService(AssociationStore* store, EventHub* hub,
                                         ServerMetrics* metrics,
                                         const auth::Gatekeeper* gate, LimitRules rules,
                                         WatchLimitsConfig watch_limits,
                                         std::function<absl::Time()> clock)
    : store_(store),
      hub_(hub),
      metrics_(metrics),
      rules_(rules),
      clock_(std::move(clock)),
      establish_(RpcMethod::Make(&metrics->rpc(), gate, kService, "Establish", "unary")),
      cancel_(RpcMethod::Make(&metrics->rpc(), gate, kService, "Cancel", "unary")),
      get_(RpcMethod::Make(&metrics->rpc(), gate, kService, "GetAssociation", "unary")),
      list_(RpcMethod::Make(&metrics->rpc(), gate, kService, "ListAssociations", "unary")),
      watch_(RpcMethod::Make(&metrics->rpc(), gate, kService, "WatchEvents", "server_stream")),
      watch_limits_(watch_limits) {}

grpc::ServerUnaryReactor* AssociationsService::Establish(grpc::CallbackServerContext* ctx,
                                                         const v1::EstablishRequest* req,
                                                         v1::EstablishResponse* resp) {
  return RunUnary<v1::EstablishResponse>(
      ctx, establish_, *req, resp, [this, req](absl::Time deadline, Done<v1::EstablishResponse> done) {
        auto cmd = PrepareEstablish(*req, rules_, clock_());
        if (!cmd.ok()) return done(cmd.status());
        store_->Establish(*cmd, deadline, std::move(done));
      });
}

grpc::ServerUnaryReactor* AssociationsService::Cancel(grpc::CallbackServerContext* ctx,
                                                      const v1::CancelRequest* req,
                                                      v1::CancelResponse* resp) {
  return RunUnary<v1::CancelResponse>(
      ctx, cancel_, *req, resp, [this, req](absl::Time deadline, Done<v1::CancelResponse> done) {
        auto cmd = PrepareCancel(*req);
        if (!cmd.ok()) return done(cmd.status());
        store_->Cancel(*cmd, deadline, std::move(done));
      });
}

grpc::ServerUnaryReactor* AssociationsService::GetAssociation(grpc::CallbackServerContext* ctx,
                                                              const v1::GetAssociationRequest* req,
                                                              v1::Association* resp) {
  return RunUnary<v1::Association>(
      ctx, get_, *req, resp, [this, req](absl::Time deadline, Done<v1::Association> done) {
        auto q = PrepareGet(*req);
        if (!q.ok()) return done(q.status());
        store_->Get(q->tenant, q->host, q->guest, deadline, std::move(done));
      });
}

grpc::ServerUnaryReactor* AssociationsService::ListAssociations(
    grpc::CallbackServerContext* ctx, const v1::ListAssociationsRequest* req,
    v1::ListAssociationsResponse* resp) {
  return RunUnary<v1::ListAssociationsResponse>(
      ctx, list_, *req, resp, [this, req](absl::Time deadline, Done<v1::ListAssociationsResponse> done) {
        auto q = PreparePage(req->tenant(), req->page_size(), req->page_token());
        if (!q.ok()) return done(q.status());
        store_->List(q->tenant, q->page_size, q->page_token, deadline, std::move(done));
      });
}

grpc::ServerWriteReactor<v1::AssociationEvent>* AssociationsService::WatchEvents(
    grpc::CallbackServerContext* ctx, const v1::WatchEventsRequest* req) {
  // The stream's gate: the same admission as every unary call, before anything is read.
  auto caller = watch_.Admit(ctx, *req);
  if (!caller.ok()) {
    grpc::Status status = ToGrpcStatus(caller.status());
    watch_.metrics->Started();
    watch_.metrics->Record(status.error_code(), 0);
    return new RefusedStream<v1::AssociationEvent>(status);
  }
  return StartWatch(auth::CallerKey(**caller), req,
                    WatchDeps{store_, hub_, metrics_, watch_.metrics, &watches_, &watch_limits_});
}

}  // namespace hotdesk
