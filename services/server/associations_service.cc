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
                                         const auth::Gatekeeper* gate, LimitRules rules)
    : store_(store),
      hub_(hub),
      metrics_(metrics),
      rules_(rules),
      establish_(RpcMethod::Make(&metrics->rpc(), gate, kService, "Establish", "unary")),
      cancel_(RpcMethod::Make(&metrics->rpc(), gate, kService, "Cancel", "unary")),
      get_(RpcMethod::Make(&metrics->rpc(), gate, kService, "GetAssociation", "unary")),
      list_(RpcMethod::Make(&metrics->rpc(), gate, kService, "ListAssociations", "unary")),
      watch_(RpcMethod::Make(&metrics->rpc(), gate, kService, "WatchEvents", "server_stream")) {}

grpc::ServerUnaryReactor* AssociationsService::Establish(grpc::CallbackServerContext* ctx,
                                                         const v1::EstablishRequest* req,
                                                         v1::EstablishResponse* resp) {
  return RunUnary<v1::EstablishResponse>(
      ctx, establish_, *req, resp, [this, req](absl::Time deadline, Done<v1::EstablishResponse> done) {
        auto cmd = PrepareEstablish(*req, rules_, absl::Now());
        if (!cmd.ok()) return done(cmd.status());
        store_->Establish(*cmd, deadline,
                          [this, done = std::move(done)](absl::StatusOr<v1::EstablishResponse> r) {
                            if (r.ok() && !r->unchanged()) {
                              for (const auto& old : r->superseded()) {
                                metrics_->events_published(false).Increment();
                                HD_LOG(kInfo, "association cancelled")
                                    .kv("tenant", old.tenant())
                                    .kv("host", old.host())
                                    .kv("guest", old.guest())
                                    .kv("reason", "SUPERSEDED");
                              }
                              metrics_->events_published(true).Increment();
                              HD_LOG(kInfo, "association established")
                                  .kv("tenant", r->association().tenant())
                                  .kv("host", r->association().host())
                                  .kv("guest", r->association().guest())
                                  .kv("source", SourceName(r->association().source()))
                                  .kv("cursor", r->cursor());
                            }
                            done(std::move(r));
                          });
      });
}

grpc::ServerUnaryReactor* AssociationsService::Cancel(grpc::CallbackServerContext* ctx,
                                                      const v1::CancelRequest* req,
                                                      v1::CancelResponse* resp) {
  return RunUnary<v1::CancelResponse>(
      ctx, cancel_, *req, resp, [this, req](absl::Time deadline, Done<v1::CancelResponse> done) {
        auto cmd = PrepareCancel(*req);
        if (!cmd.ok()) return done(cmd.status());
        store_->Cancel(*cmd, deadline,
                       [this, reason = cmd->reason,
                        done = std::move(done)](absl::StatusOr<v1::CancelResponse> r) {
                         if (r.ok()) {
                           metrics_->events_published(false).Increment();
                           HD_LOG(kInfo, "association cancelled")
                               .kv("tenant", r->association().tenant())
                               .kv("host", r->association().host())
                               .kv("guest", r->association().guest())
                               .kv("reason", ReasonName(reason))
                               .kv("cursor", r->cursor());
                         }
                         done(std::move(r));
                       });
      });
}

grpc::ServerUnaryReactor* AssociationsService::GetAssociation(grpc::CallbackServerContext* ctx,
                                                              const v1::GetAssociationRequest* req,
                                                              v1::Association* resp) {
  return RunUnary<v1::Association>(
      ctx, get_, *req, resp, [this, req](absl::Time deadline, Done<v1::Association> done) {
        FieldViolations v;
        if (auto p = TenantProblem(req->tenant()); !p.empty()) v.Add("tenant", p);
        if (req->host().empty() == req->guest().empty()) {
          v.Add("host", "give exactly one of host and guest");
        } else if (!req->host().empty()) {
          if (auto p = IdProblem(req->host()); !p.empty()) v.Add("host", p);
        } else if (auto p = IdProblem(req->guest()); !p.empty()) {
          v.Add("guest", p);
        }
        if (!v.empty()) return done(v.ToStatus());
        store_->Get(req->tenant(), req->host(), req->guest(), deadline, std::move(done));
      });
}

grpc::ServerUnaryReactor* AssociationsService::ListAssociations(
    grpc::CallbackServerContext* ctx, const v1::ListAssociationsRequest* req,
    v1::ListAssociationsResponse* resp) {
  return RunUnary<v1::ListAssociationsResponse>(
      ctx, list_, *req, resp, [this, req](absl::Time deadline, Done<v1::ListAssociationsResponse> done) {
        FieldViolations v;
        if (auto p = TenantProblem(req->tenant()); !p.empty()) v.Add("tenant", p);
        if (req->page_size() < 0) v.Add("page_size", "must not be negative");
        if (!v.empty()) return done(v.ToStatus());
        store_->List(req->tenant(), req->page_size(), req->page_token(), deadline, std::move(done));
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
  return StartWatch(ctx, req, WatchDeps{store_, hub_, metrics_, watch_.metrics, &watches_});
}

}  // namespace hotdesk
