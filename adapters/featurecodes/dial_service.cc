#include "adapters/featurecodes/dial_service.h"

#include "absl/strings/str_cat.h"
#include "adapters/featurecodes/dial_engine.h"
#include "services/common/log.h"
#include "services/common/status.h"
#include "services/core/ids.h"
#include "services/directory/mac_address.h"

namespace hotdesk::featurecodes {
namespace {

using Action = v1::DialResponse;
using Result = v1::SubmitPinResponse;

v1::DialResponse Reject(const std::string& reason, const std::string& message) {
  v1::DialResponse r;
  r.set_action(v1::DialResponse::REJECT);
  r.set_reason(reason);
  r.set_message(message);
  return r;
}

v1::SubmitPinResponse Rejected(const std::string& reason, const std::string& message) {
  v1::SubmitPinResponse r;
  r.set_result(v1::SubmitPinResponse::REJECTED);
  r.set_reason(reason);
  r.set_message(message);
  return r;
}

bool Unavailable(const absl::Status& s) {
  return !s.ok() && !absl::IsNotFound(s) && !absl::IsInvalidArgument(s);
}

}  // namespace

DialService::DialService(CoreClient* core, DialPlan plan, SessionTable* sessions, Metrics* metrics,
                         std::string default_tenant)
    : core_(core),
      plan_(std::move(plan)),
      sessions_(sessions),
      metrics_(metrics),
      default_tenant_(std::move(default_tenant)),
      logout_ids_("fc-logout-" + adapters::RandomNonce()) {}

absl::StatusOr<v1::Device> DialService::ResolveDevice(const std::string& tenant,
                                                      const std::string& device) {
  if (auto mac = NormalizeMac(device)) {
    auto by_mac = core_->GetDeviceByMac(tenant, *mac);
    if (!absl::IsNotFound(by_mac.status())) return by_mac;
  }
  auto by_ext = core_->GetDeviceByExtension(tenant, device);
  if (!absl::IsNotFound(by_ext.status())) return by_ext;
  // The PBX may only know the extension now registered on the phone: the logged-in guest.
  auto assoc = core_->GetAssociationByGuest(tenant, device);
  if (!assoc.ok()) return assoc.status();
  return core_->GetDeviceByExtension(tenant, assoc->host());
}

v1::DialResponse DialService::Finish(v1::DialResponse resp, const std::string& tenant,
                                     const std::string& digits_kind) {
  std::string action = v1::DialResponse::Action_Name(resp.action());
  metrics_->Dial(action);
  metrics_->sessions().Set(static_cast<double>(sessions_->size()));
  // The digits themselves are not logged: after a login code the caller types a PIN.
  HD_LOG(kInfo, "dial")
      .kv("tenant", tenant)
      .kv("mac", resp.mac())
      .kv("hotdesk_extension", resp.hotdesk_extension())
      .kv("kind", digits_kind)
      .kv("action", action)
      .kv("reason", resp.reason());
  return resp;
}

absl::StatusOr<v1::DialResponse> DialService::Dial(const v1::DialRequest& req) {
  std::string tenant = req.tenant().empty() ? default_tenant_ : req.tenant();
  FieldViolations v;
  if (auto p = TenantProblem(tenant); !p.empty()) v.Add("tenant", p);
  if (req.device().empty())
    v.Add("device", "required (MAC, hot-desk extension or extension)");
  else if (auto p = IdProblem(req.device()); !p.empty())
    v.Add("device", p);
  if (auto p = DigitsProblem(req.digits()); !p.empty()) v.Add("digits", p);
  if (!v.empty()) return v.ToStatus();

  auto device = ResolveDevice(tenant, req.device());
  if (!device.ok()) {
    if (Unavailable(device.status()))
      return Finish(Reject("UNAVAILABLE", std::string(device.status().message())), tenant, "");
    return Finish(Reject("UNKNOWN_DEVICE", "no hot-desk device " + req.device()), tenant, "");
  }
  const std::string& host = device->hotdesk_extension();
  auto present = core_->GetAssociationByHost(tenant, host);
  if (Unavailable(present.status()))
    return Finish(Reject("UNAVAILABLE", std::string(present.status().message())), tenant, "");
  bool idle = !present.ok();

  Decision d = Classify(plan_, req.digits(), idle);
  v1::DialResponse resp;
  resp.set_mac(device->mac());
  resp.set_hotdesk_extension(host);
  resp.set_message(d.message);
  const char* kind = "number";
  switch (d.kind) {
    case Decision::Kind::kEmergency:
      resp.set_action(v1::DialResponse::ALLOW_EMERGENCY);
      kind = "emergency";
      if (!idle) resp.set_guest(present->guest());
      break;
    case Decision::Kind::kNormal:
      resp.set_action(v1::DialResponse::ROUTE_NORMAL);
      resp.set_guest(present->guest());
      break;
    case Decision::Kind::kReject:
      resp.set_action(v1::DialResponse::REJECT);
      resp.set_reason(d.reason);
      break;
    case Decision::Kind::kLogout: {
      kind = "logout";
      resp.set_action(v1::DialResponse::LOGGED_OUT);
      if (idle) {
        resp.set_no_op(true);
        resp.set_message("nobody was logged in at this device");
        break;
      }
      v1::CancelRequest cancel;
      cancel.set_tenant(tenant);
      cancel.set_host(host);
      cancel.set_reason(v1::CANCEL_REASON_LOGOUT);
      cancel.set_source(v1::SOURCE_FEATURE_CODE);
      cancel.set_request_id(logout_ids_.Next());
      auto c = core_->Cancel(cancel);
      if (c.ok()) {
        resp.set_guest(c->association().guest());
        resp.set_message("logged out");
      } else if (absl::IsNotFound(c.status())) {
        resp.set_no_op(true);  // someone else logged it out meanwhile
        resp.set_message("nobody was logged in at this device");
      } else {
        resp = Reject("UNAVAILABLE", std::string(c.status().message()));
        resp.set_mac(device->mac());
        resp.set_hotdesk_extension(host);
      }
      break;
    }
    case Decision::Kind::kLogin: {
      kind = "login";
      auto guest = core_->GetGuest(tenant, d.extension);
      v1::DialResponse r;
      if (absl::IsNotFound(guest.status())) {
        r = Reject("UNKNOWN_GUEST", "extension " + d.extension + " is not a hot-desk guest");
      } else if (!guest.ok()) {
        r = Reject("UNAVAILABLE", std::string(guest.status().message()));
      } else if (!guest->hotdesking_enabled()) {
        r = Reject("HOTDESKING_DISABLED", "hot desking is not enabled for " + d.extension);
      } else if (!guest->has_pin()) {
        r = Reject("NO_PIN", "extension " + d.extension + " has no PIN");
      } else if (guest->has_locked_until()) {
        r = Reject("LOCKED", "extension " + d.extension + " is locked after wrong PINs");
      } else {
        DialSession s;
        s.tenant = tenant;
        s.mac = device->mac();
        s.host = host;
        s.guest = d.extension;
        s = sessions_->Open(std::move(s));
        r.set_action(v1::DialResponse::PROMPT_PIN);
        r.set_session_id(s.id);
        r.mutable_session_ttl()->set_seconds(absl::ToInt64Seconds(sessions_->ttl()));
        r.set_message("enter the PIN");
      }
      r.set_guest(d.extension);
      r.set_mac(device->mac());
      r.set_hotdesk_extension(host);
      resp = std::move(r);
      break;
    }
  }
  return Finish(std::move(resp), tenant, kind);
}

absl::StatusOr<v1::SubmitPinResponse> DialService::SubmitPin(
    const v1::SubmitPinRequest& req, const std::function<absl::Status(const std::string&)>& admit) {
  FieldViolations v;
  if (req.session_id().empty()) v.Add("session_id", "required");
  if (req.pin().empty()) v.Add("pin", "required");
  if (!v.empty()) return v.ToStatus();

  v1::SubmitPinResponse resp;
  std::optional<DialSession> s = sessions_->Take(req.session_id());
  if (s && admit) {
    // The session's tenant (signed into its id) must be one the caller's credential grants.
    if (absl::Status st = admit(s->tenant); !st.ok()) {
      sessions_->Return(*s);
      return st;
    }
  }
  std::string tenant;
  if (!s) {
    resp = Rejected("SESSION_EXPIRED", "the dial session is unknown or has expired; dial again");
  } else {
    tenant = s->tenant;
    resp.set_hotdesk_extension(s->host);
    auto check = core_->VerifyPin(s->tenant, s->guest, req.pin());
    if (absl::IsNotFound(check.status())) {
      resp = Rejected("UNKNOWN_GUEST", "extension " + s->guest + " is no longer a guest");
    } else if (!check.ok()) {
      resp = Rejected("UNAVAILABLE", std::string(check.status().message()));
    } else if (check->result() == v1::VerifyPinResponse::RESULT_WRONG) {
      resp.set_result(v1::SubmitPinResponse::WRONG_PIN);
      resp.set_attempts_left(check->attempts_left());
      resp.set_message("wrong PIN");
      sessions_->Return(*s);  // the caller may try again within the session
    } else if (check->result() == v1::VerifyPinResponse::RESULT_LOCKED) {
      resp.set_result(v1::SubmitPinResponse::LOCKED);
      *resp.mutable_locked_until() = check->locked_until();
      resp.set_message("too many wrong PINs: locked");
    } else if (check->result() != v1::VerifyPinResponse::RESULT_OK) {
      resp = Rejected("NO_PIN", "extension " + s->guest + " has no PIN");
    } else if (auto g = core_->GetGuest(s->tenant, s->guest); !g.ok()) {
      resp = Rejected(absl::IsNotFound(g.status()) ? "UNKNOWN_GUEST" : "UNAVAILABLE",
                      std::string(g.status().message()));
    } else {
      // Whether the guest may hot-desk is decided by Establish (the guest policy lives in the
      // core); the dial-time check above only spares a disabled guest the PIN prompt.
      v1::EstablishRequest est;
      est.set_tenant(s->tenant);
      est.set_host(s->host);
      est.set_guest(s->guest);
      est.set_source(v1::SOURCE_FEATURE_CODE);
      // A retry after a lost reply makes no second change (the nonce is unique per session).
      est.set_request_id("fc-" + s->nonce);
      if (g->has_association_limit()) *est.mutable_limit() = g->association_limit();
      if (!g->display_name().empty())
        (*est.mutable_attributes())["display_name"] = g->display_name();
      auto e = core_->Establish(est);
      if (!e.ok()) {
        const char* reason = Unavailable(e.status())                      ? "UNAVAILABLE"
                             : ErrorReason(e.status()) == "GUEST_DISABLED" ? "HOTDESKING_DISABLED"
                                                                           : "REFUSED";
        resp = Rejected(reason, std::string(e.status().message()));
      } else {
        resp.set_result(v1::SubmitPinResponse::LOGGED_IN);
        resp.set_guest(s->guest);
        resp.set_message("logged in");
        for (const auto& old : e->superseded()) {
          if (old.host() == s->host) resp.set_replaced_guest(old.guest());
          if (old.guest() == s->guest) resp.set_moved_from(old.host());
        }
      }
    }
    resp.set_hotdesk_extension(s->host);
  }
  std::string result = v1::SubmitPinResponse::Result_Name(resp.result());
  metrics_->Pin(result);
  metrics_->sessions().Set(static_cast<double>(sessions_->size()));
  HD_LOG(kInfo, "pin submitted")
      .kv("tenant", tenant)
      .kv("hotdesk_extension", resp.hotdesk_extension())
      .kv("guest", s ? s->guest : "")
      .kv("result", result)
      .kv("reason", resp.reason())
      .kv("replaced_guest", resp.replaced_guest())
      .kv("moved_from", resp.moved_from());
  return resp;
}

absl::StatusOr<PbxCaller> FeatureCodesGrpc::Authenticate(const grpc::ServerContext& ctx) {
  const auto& md = ctx.client_metadata();
  auto [begin, end] = md.equal_range("authorization");
  std::string authorization;
  if (begin != end) {
    if (std::next(begin) != end)
      return absl::UnauthenticatedError("more than one authorization metadata entry");
    authorization.assign(begin->second.data(), begin->second.size());
  }
  return pbx_auth_->Authenticate(authorization);
}

grpc::Status FeatureCodesGrpc::Dial(grpc::ServerContext* ctx, const v1::DialRequest* req,
                                    v1::DialResponse* resp) {
  auto caller = Authenticate(*ctx);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  auto tenant = caller->TenantFor(req->tenant(), default_tenant_);
  if (!tenant.ok()) return ToGrpcStatus(tenant.status());
  v1::DialRequest in = *req;
  in.set_tenant(*tenant);
  auto r = dial_->Dial(in);
  if (!r.ok()) return ToGrpcStatus(r.status());
  *resp = std::move(*r);
  return grpc::Status::OK;
}

grpc::Status FeatureCodesGrpc::SubmitPin(grpc::ServerContext* ctx, const v1::SubmitPinRequest* req,
                                         v1::SubmitPinResponse* resp) {
  auto caller = Authenticate(*ctx);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  auto r = dial_->SubmitPin(*req, [&](const std::string& tenant) {
    return caller->TenantFor(tenant, default_tenant_).status();
  });
  if (!r.ok()) return ToGrpcStatus(r.status());
  *resp = std::move(*r);
  return grpc::Status::OK;
}

}  // namespace hotdesk::featurecodes
