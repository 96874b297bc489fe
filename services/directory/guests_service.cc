#include "services/directory/guests_service.h"

#include <prometheus/family.h>

#include "absl/time/clock.h"
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
                             PinPolicy policy, LimitRules limits)
    : directory_(directory),
      associations_(associations),
      hasher_(hasher),
      policy_(policy),
      limits_(limits),
      create_(metrics->Method(kService, "CreateGuest", "unary")),
      get_(metrics->Method(kService, "GetGuest", "unary")),
      update_(metrics->Method(kService, "UpdateGuest", "unary")),
      delete_(metrics->Method(kService, "DeleteGuest", "unary")),
      list_(metrics->Method(kService, "ListGuests", "unary")),
      set_pin_(metrics->Method(kService, "SetPin", "unary")),
      verify_pin_(metrics->Method(kService, "VerifyPin", "unary")),
      force_logout_(metrics->Method(kService, "ForceLogoutGuest", "unary")) {
  auto& checks = prometheus::BuildCounter()
                     .Name("hotdesk_pin_checks_total")
                     .Help("PIN checks by outcome")
                     .Register(metrics->registry());
  pin_ok_ = &checks.Add({{"result", "ok"}});
  pin_wrong_ = &checks.Add({{"result", "wrong"}});
  pin_locked_ = &checks.Add({{"result", "locked"}});
  pin_no_pin_ = &checks.Add({{"result", "no_pin"}});
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
      ctx, create_, resp, [this, req](absl::Time deadline, Done<v1::Guest> done) {
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
        hasher_->Hash(n->pin, [g = std::move(n->guest), create,
                               done](absl::StatusOr<std::string> hash) {
          if (!hash.ok()) return done(hash.status());
          create(g, *hash);
        });
      });
}

grpc::ServerUnaryReactor* GuestsService::GetGuest(grpc::CallbackServerContext* ctx,
                                                  const v1::GetGuestRequest* req, v1::Guest* resp) {
  return RunUnary<v1::Guest>(
      ctx, get_, resp, [this, req](absl::Time deadline, Done<v1::Guest> done) {
        auto ref = PrepareGetGuest(*req);
        if (!ref.ok()) return done(ref.status());
        directory_->GetGuest(ref->tenant, ref->id, deadline, std::move(done));
      });
}

grpc::ServerUnaryReactor* GuestsService::UpdateGuest(grpc::CallbackServerContext* ctx,
                                                     const v1::UpdateGuestRequest* req,
                                                     v1::Guest* resp) {
  return RunUnary<v1::Guest>(
      ctx, update_, resp, [this, req](absl::Time deadline, Done<v1::Guest> done) {
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
      ctx, delete_, resp, [this, req](absl::Time deadline, Done<google::protobuf::Empty> done) {
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
      ctx, list_, resp, [this, req](absl::Time deadline, Done<v1::ListGuestsResponse> done) {
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
      ctx, set_pin_, resp, [this, req](absl::Time deadline, Done<v1::Guest> done) {
        auto change = PrepareSetPin(*req);
        if (!change.ok()) return done(change.status());
        std::string tenant = change->guest.tenant;
        std::string id = change->guest.id;
        hasher_->Hash(change->pin, [this, tenant, id, deadline,
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
      ctx, verify_pin_, resp, [this, req](absl::Time deadline, Done<v1::VerifyPinResponse> done) {
        auto check = PrepareVerifyPin(*req);
        if (!check.ok()) return done(check.status());
        std::string tenant = check->guest.tenant;
        std::string id = check->guest.id;
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
            tenant, id, policy_.max_attempts, policy_.lockout, deadline,
            [this, tenant, id, pin = std::move(pin), well_formed, deadline, finish,
             done](absl::StatusOr<PinAttempt> attempt) mutable {
              if (!attempt.ok()) return done(attempt.status());
              if (attempt->kind == PinAttempt::Kind::kNoPin) {
                v1::VerifyPinResponse r;
                r.set_result(v1::VerifyPinResponse::RESULT_NO_PIN);
                return finish(std::move(r));
              }
              if (attempt->kind == PinAttempt::Kind::kLocked)
                return finish(Locked(attempt->locked_until, policy_.lockout));
              PinAttempt a = *attempt;
              auto judge = [this, tenant, id, a, deadline, finish, done](bool match) {
                if (match) {
                  directory_->PinAccepted(tenant, id, a.hash, deadline,
                                          [finish, done](absl::StatusOr<bool> reset) {
                                            if (!reset.ok()) return done(reset.status());
                                            v1::VerifyPinResponse r;
                                            r.set_result(v1::VerifyPinResponse::RESULT_OK);
                                            finish(std::move(r));
                                          });
                  return;
                }
                if (a.failures >= policy_.max_attempts) {
                  lockouts_->Increment();
                  HD_LOG(kWarn, "guest locked after wrong PINs")
                      .kv("tenant", tenant)
                      .kv("guest", id)
                      .kv("lockout", absl::FormatDuration(policy_.lockout));
                  return finish(Locked(a.locked_until, policy_.lockout));
                }
                v1::VerifyPinResponse r;
                r.set_result(v1::VerifyPinResponse::RESULT_WRONG);
                r.set_attempts_left(policy_.max_attempts - a.failures);
                finish(std::move(r));
              };
              if (!well_formed) return judge(false);
              hasher_->Verify(a.hash, std::move(pin), std::move(judge));
            });
      });
}

grpc::ServerUnaryReactor* GuestsService::ForceLogoutGuest(grpc::CallbackServerContext* ctx,
                                                          const v1::ForceLogoutGuestRequest* req,
                                                          v1::CancelResponse* resp) {
  return RunUnary<v1::CancelResponse>(
      ctx, force_logout_, resp, [this, req](absl::Time deadline, Done<v1::CancelResponse> done) {
        auto cmd = PrepareForceLogoutGuest(*req);
        if (!cmd.ok()) return done(cmd.status());
        // The store's effects decorator logs and counts the cancellation.
        associations_->Cancel(*cmd, deadline, std::move(done));
      });
}

}  // namespace hotdesk
