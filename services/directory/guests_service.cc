#include "services/directory/guests_service.h"

#include <prometheus/family.h>

#include "absl/time/clock.h"
#include "google/rpc/error_details.pb.h"
#include "absl/strings/str_cat.h"
#include "services/common/log.h"
#include "services/common/status.h"
#include "services/directory/directory_util.h"
#include "services/directory/requests.h"
#include "services/rpc/unary_call.h"
#include "services/store/store_util.h"

namespace hotdesk {
namespace {

constexpr char kService[] = "hotdesk.v1.Guests";
const char* ResultName(v1::VerifyPinResponse::Result r) {
  switch (r) {
    case v1::VerifyPinResponse::RESULT_OK:
      return "OK";
    case v1::VerifyPinResponse::RESULT_WRONG:
      return "WRONG";
    case v1::VerifyPinResponse::RESULT_LOCKED:
      return "LOCKED";
    case v1::VerifyPinResponse::RESULT_NO_PIN:
      return "NO_PIN";
    default:
      return "UNSPECIFIED";
  }
}

v1::VerifyPinResponse Locked(absl::Time until, absl::Duration lockout) {
  v1::VerifyPinResponse r;
  r.set_result(v1::VerifyPinResponse::RESULT_LOCKED);
  SetTime(until, r.mutable_locked_until());
  r.mutable_lockout()->set_seconds(absl::ToInt64Seconds(lockout));
  return r;
}

}  // namespace

GuestsService::GuestsService(DirectoryStore* directory, AssociationStore* associations,
                             PinHasher* hasher, RpcMetrics* metrics,
                             const auth::Gatekeeper* gate, PinLimits pin_limits,
                             LimitRules limits)
    : directory_(directory),
      associations_(associations),
      hasher_(hasher),
      pin_limits_(pin_limits),
      limits_(limits),
      create_(RpcMethod::Make(metrics, gate, kService, "CreateGuest", "unary")),
      get_(RpcMethod::Make(metrics, gate, kService, "GetGuest", "unary")),
      update_(RpcMethod::Make(metrics, gate, kService, "UpdateGuest", "unary")),
      delete_(RpcMethod::Make(metrics, gate, kService, "DeleteGuest", "unary")),
      list_(RpcMethod::Make(metrics, gate, kService, "ListGuests", "unary")),
      set_pin_(RpcMethod::Make(metrics, gate, kService, "SetPin", "unary")),
      verify_pin_(RpcMethod::Make(metrics, gate, kService, "VerifyPin", "unary")),
      force_logout_(RpcMethod::Make(metrics, gate, kService, "ForceLogoutGuest", "unary")) {
  auto& checks = prometheus::BuildCounter()
                     .Name("hotdesk_pin_checks_total")
                     .Help("PIN checks by outcome")
                     .Register(metrics->registry());
  pin_ok_ = &checks.Add({{"result", "ok"}});
  pin_wrong_ = &checks.Add({{"result", "wrong"}});
  pin_locked_ = &checks.Add({{"result", "locked"}});
  pin_no_pin_ = &checks.Add({{"result", "no_pin"}});
  pin_throttled_ = &checks.Add({{"result", "throttled"}});
  lockouts_ = &prometheus::BuildCounter()
                   .Name("hotdesk_pin_lockouts_total")
                   .Help("Guests locked after too many wrong PINs")
                   .Register(metrics->registry())
                   .Add({});
}

void GuestsService::CountResult(v1::VerifyPinResponse::Result result) {
  switch (result) {
    case v1::VerifyPinResponse::RESULT_OK:
      pin_ok_->Increment();
      break;
    case v1::VerifyPinResponse::RESULT_WRONG:
      pin_wrong_->Increment();
      break;
    case v1::VerifyPinResponse::RESULT_LOCKED:
      pin_locked_->Increment();
      break;
    case v1::VerifyPinResponse::RESULT_NO_PIN:
      pin_no_pin_->Increment();
      break;
    default:
      break;
  }
}

grpc::ServerUnaryReactor* GuestsService::CreateGuest(grpc::CallbackServerContext* ctx,
                                                     const v1::CreateGuestRequest* req,
                                                     v1::Guest* resp) {
  return RunUnary<v1::Guest>(
      ctx, create_, *req, resp, [this, req](absl::Time deadline, Done<v1::Guest> done) {
        auto n = PrepareCreateGuest(*req, limits_);
        if (!n.ok()) return done(n.status());
        auto create = [this, deadline, done](v1::Guest g, std::string hash) {
          directory_->CreateGuest(g, hash, deadline, [done](absl::StatusOr<v1::Guest> r) {
            if (r.ok()) {
              HD_LOG(kInfo, "guest created")
                  .kv("tenant", r->tenant())
                  .kv("guest", r->id())
                  .kv("has_pin", r->has_pin());
            }
            done(std::move(r));
          });
        };
        if (n->pin.empty()) return create(std::move(n->guest), "");
        hasher_->Hash(n->pin, deadline, [g = std::move(n->guest), create,
                               done](absl::StatusOr<std::string> hash) {
          if (!hash.ok()) return done(hash.status());
          create(g, *hash);
        });
      });
}

grpc::ServerUnaryReactor* GuestsService::GetGuest(grpc::CallbackServerContext* ctx,
                                                  const v1::GetGuestRequest* req, v1::Guest* resp) {
  return RunUnary<v1::Guest>(
      ctx, get_, *req, resp, [this, req](absl::Time deadline, Done<v1::Guest> done) {
        auto ref = PrepareGetGuest(*req);
        if (!ref.ok()) return done(ref.status());
        directory_->GetGuest(ref->tenant, ref->id, deadline, std::move(done));
      });
}

grpc::ServerUnaryReactor* GuestsService::UpdateGuest(grpc::CallbackServerContext* ctx,
                                                     const v1::UpdateGuestRequest* req,
                                                     v1::Guest* resp) {
  return RunUnary<v1::Guest>(
      ctx, update_, *req, resp, [this, req](absl::Time deadline, Done<v1::Guest> done) {
        auto u = PrepareUpdateGuest(*req, limits_);
        if (!u.ok()) return done(u.status());
        directory_->UpdateGuest(
            u->guest.tenant, u->guest.id,
            [u = *u](v1::Guest* g) {
              u.ApplyTo(g);
              return absl::OkStatus();
            },
            deadline,
            [done = std::move(done)](absl::StatusOr<v1::Guest> r) {
              if (r.ok())
                HD_LOG(kInfo, "guest updated").kv("tenant", r->tenant()).kv("guest", r->id());
              done(std::move(r));
            });
      });
}

grpc::ServerUnaryReactor* GuestsService::DeleteGuest(grpc::CallbackServerContext* ctx,
                                                     const v1::DeleteGuestRequest* req,
                                                     google::protobuf::Empty* resp) {
  return RunUnary<google::protobuf::Empty>(
      ctx, delete_, *req, resp, [this, req](absl::Time deadline, Done<google::protobuf::Empty> done) {
        auto ref = PrepareDeleteGuest(*req);
        if (!ref.ok()) return done(ref.status());
        directory_->DeleteGuest(
            ref->tenant, ref->id, deadline,
            [done = std::move(done)](absl::StatusOr<v1::Guest> r) {
              if (!r.ok()) return done(r.status());
              HD_LOG(kInfo, "guest deleted").kv("tenant", r->tenant()).kv("guest", r->id());
              done(google::protobuf::Empty());
            });
      });
}

grpc::ServerUnaryReactor* GuestsService::ListGuests(grpc::CallbackServerContext* ctx,
                                                    const v1::ListGuestsRequest* req,
                                                    v1::ListGuestsResponse* resp) {
  return RunUnary<v1::ListGuestsResponse>(
      ctx, list_, *req, resp, [this, req](absl::Time deadline, Done<v1::ListGuestsResponse> done) {
        auto q = PreparePage(req->tenant(), req->page_size(), req->page_token());
        if (!q.ok()) return done(q.status());
        directory_->ListGuests(q->tenant, q->page_size, q->page_token, deadline,
                               [done = std::move(done)](absl::StatusOr<GuestPage> page) {
                                 if (!page.ok()) return done(page.status());
                                 v1::ListGuestsResponse resp;
                                 for (auto& g : page->guests) *resp.add_guests() = std::move(g);
                                 resp.set_next_page_token(page->next_page_token);
                                 done(std::move(resp));
                               });
      });
}

grpc::ServerUnaryReactor* GuestsService::SetPin(grpc::CallbackServerContext* ctx,
                                                const v1::SetPinRequest* req, v1::Guest* resp) {
  return RunUnary<v1::Guest>(
      ctx, set_pin_, *req, resp, [this, req](absl::Time deadline, Done<v1::Guest> done) {
        auto change = PrepareSetPin(*req);
        if (!change.ok()) return done(change.status());
        std::string tenant = change->guest.tenant;
        std::string id = change->guest.id;
        hasher_->Hash(change->pin, deadline, [this, tenant, id, deadline,
                                   done = std::move(done)](absl::StatusOr<std::string> hash) {
          if (!hash.ok()) return done(hash.status());
          directory_->SetPinHash(tenant, id, *hash, deadline, [done](absl::StatusOr<v1::Guest> r) {
            if (r.ok())
              HD_LOG(kInfo, "guest PIN set").kv("tenant", r->tenant()).kv("guest", r->id());
            done(std::move(r));
          });
        });
      });
}

grpc::ServerUnaryReactor* GuestsService::VerifyPin(grpc::CallbackServerContext* ctx,
                                                   const v1::VerifyPinRequest* req,
                                                   v1::VerifyPinResponse* resp) {
  return RunUnary<v1::VerifyPinResponse>(
      ctx, verify_pin_, *req, resp,
      [this, req](const auth::Caller& caller, absl::Time deadline,
                  Done<v1::VerifyPinResponse> done) {
        auto check = PrepareVerifyPin(*req);
        if (!check.ok()) return done(check.status());
        // Refuse before counting: an attempt counted but never checked would be a free failure.
        if (hasher_->Saturated()) {
          pin_throttled_->Increment();
          return done(ErrorWithReason(absl::StatusCode::kResourceExhausted, "PIN_HASHING_SATURATED",
                                      "too many PIN checks waiting: try again shortly"));
        }
        std::string tenant = check->guest.tenant;
        std::string id = check->guest.id;
        // The budget of wrong PINs is the caller's (and, when the adapter says, the origin's).
        std::string source = check->origin.empty()
                                 ? auth::CallerKey(caller)
                                 : absl::StrCat(auth::CallerKey(caller), "|", check->origin);
        // A PIN of the wrong shape cannot match, but it still counts as a wrong attempt.
        bool well_formed = check->well_formed;
        std::string pin = std::move(check->pin);
        auto finish = [this, tenant, id, done](v1::VerifyPinResponse r) {
          CountResult(r.result());
          HD_LOG(kInfo, "PIN checked")
              .kv("tenant", tenant)
              .kv("guest", id)
              .kv("result", ResultName(r.result()))
              .kv("attempts_left", r.attempts_left());
          done(std::move(r));
        };
        directory_->BeginPinAttempt(
            tenant, id, source, pin_limits_, deadline,
            [this, tenant, id, source, pin = std::move(pin), well_formed, deadline, finish,
             done](absl::StatusOr<PinAttempt> attempt) mutable {
              if (!attempt.ok()) return done(attempt.status());
              if (attempt->kind == PinAttempt::Kind::kThrottled) {
                pin_throttled_->Increment();
                absl::Status s = ErrorWithReason(
                    absl::StatusCode::kResourceExhausted, "PIN_RATE_LIMITED",
                    absl::StrCat("too many wrong PINs from this ",
                                 attempt->limit == "tenant" ? "tenant" : "caller", " (",
                                 attempt->limit == "tenant" ? pin_limits_.per_tenant
                                                            : pin_limits_.per_source,
                                 " per ", absl::FormatDuration(pin_limits_.window),
                                 "): try again in ",
                                 absl::FormatDuration(absl::Ceil(attempt->retry_after,
                                                                 absl::Seconds(1)))));
                google::rpc::RetryInfo retry;
                retry.mutable_retry_delay()->set_seconds(
                    absl::ToInt64Seconds(absl::Ceil(attempt->retry_after, absl::Seconds(1))));
                AddDetail(&s, retry);
                HD_LOG(kDebug, "PIN check throttled")
                    .kv("tenant", tenant)
                    .kv("limit", attempt->limit);
                return done(s);
              }
              if (attempt->kind == PinAttempt::Kind::kNoPin) {
                v1::VerifyPinResponse r;
                r.set_result(v1::VerifyPinResponse::RESULT_NO_PIN);
                return finish(std::move(r));
              }
              if (attempt->kind == PinAttempt::Kind::kLocked)
                return finish(Locked(attempt->locked_until, attempt->lockout));
              PinAttempt a = *attempt;
              auto judge = [this, tenant, id, source, a, deadline, finish,
                            done](absl::StatusOr<bool> match) {
                // Not checked (saturated, or the caller gave up): the attempt stays counted.
                if (!match.ok()) return done(match.status());
                if (*match) {
                  directory_->PinAccepted(tenant, id, a.hash, source, deadline,
                                          [finish, done](absl::StatusOr<bool> reset) {
                                            if (!reset.ok()) return done(reset.status());
                                            v1::VerifyPinResponse r;
                                            r.set_result(v1::VerifyPinResponse::RESULT_OK);
                                            finish(std::move(r));
                                          });
                  return;
                }
                if (a.failures >= pin_limits_.max_attempts) {
                  lockouts_->Increment();
                  HD_LOG(kWarn, "guest locked after wrong PINs")
                      .kv("tenant", tenant)
                      .kv("guest", id)
                      .kv("lockout", absl::FormatDuration(a.lockout));
                  return finish(Locked(a.locked_until, a.lockout));
                }
                v1::VerifyPinResponse r;
                r.set_result(v1::VerifyPinResponse::RESULT_WRONG);
                r.set_attempts_left(pin_limits_.max_attempts - a.failures);
                finish(std::move(r));
              };
              if (!well_formed) return judge(false);
              hasher_->Verify(a.hash, std::move(pin), deadline, std::move(judge));
            });
      });
}

grpc::ServerUnaryReactor* GuestsService::ForceLogoutGuest(grpc::CallbackServerContext* ctx,
                                                          const v1::ForceLogoutGuestRequest* req,
                                                          v1::CancelResponse* resp) {
  return RunUnary<v1::CancelResponse>(
      ctx, force_logout_, *req, resp, [this, req](absl::Time deadline, Done<v1::CancelResponse> done) {
        auto cmd = PrepareForceLogoutGuest(*req);
        if (!cmd.ok()) return done(cmd.status());
        // The store's effects decorator logs and counts the cancellation.
        associations_->Cancel(*cmd, deadline, std::move(done));
      });
}

}  // namespace hotdesk
