#include "services/auth/gatekeeper.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "hotdesk/v1/guests.pb.h"
#include "services/common/host_port.h"
#include "services/common/status.h"

namespace hotdesk::auth {
namespace {

absl::Status Denied(absl::string_view reason, absl::string_view message) {
  return ErrorWithReason(absl::StatusCode::kPermissionDenied, reason, message);
}

std::string SourceLabel(v1::Source s) {
  std::string n = v1::Source_Name(s);
  return absl::StartsWith(n, "SOURCE_") ? n.substr(7) : n;
}

void HideLockState(v1::Guest* g) {
  g->clear_failed_attempts();
  g->clear_locked_until();
}

}  // namespace

absl::StatusOr<std::shared_ptr<const Caller>> Gatekeeper::Authenticate(
    std::optional<absl::string_view> authorization, absl::string_view peer) const {
  if (!verifier_) {
    auto caller = std::make_shared<Caller>();
    caller->unrestricted = true;
    caller->all_tenants = true;
    caller->role = Role::kAdmin;
    // One client's connections count together (per-caller limits): the address without the
    // port ("ipv4:10.0.0.7:52114" -> "ipv4:10.0.0.7").
    caller->principal = absl::StrCat("peer:", PeerWithoutPort(peer));
    return std::shared_ptr<const Caller>(std::move(caller));
  }
  if (!authorization)
    return ErrorWithReason(absl::StatusCode::kUnauthenticated, "TOKEN_MISSING",
                           "no bearer token: send metadata \"authorization: Bearer <JWT>\"");
  absl::string_view value = absl::StripAsciiWhitespace(*authorization);
  if (value.size() < 7 || !absl::EqualsIgnoreCase(value.substr(0, 7), "bearer "))
    return ErrorWithReason(absl::StatusCode::kUnauthenticated, "TOKEN_MISSING",
                           "authorization metadata is not \"Bearer <JWT>\"");
  return verifier_->Verify(absl::StripAsciiWhitespace(value.substr(7)));
}

absl::Status Gatekeeper::Authorize(const Caller& caller, const MethodRule* rule,
                                   const google::protobuf::Message& request) {
  if (!rule) return Denied("NO_RULE", "this method has no authorization rule; nobody may call it");
  const auto* desc = request.GetDescriptor();
  const auto* refl = request.GetReflection();
  if (rule->tenant == TenantFrom::kRequest) {
    const auto* f = desc->FindFieldByName("tenant");
    if (!f || f->type() != google::protobuf::FieldDescriptor::TYPE_STRING || f->is_repeated())
      return Denied("NO_RULE", "the authorization rule expects a tenant field; nobody may call it");
    std::string tenant = refl->GetString(request, f);
    if (!caller.MayAccessTenant(tenant))
      return Denied("TENANT_NOT_ALLOWED",
                    absl::StrCat("the token does not grant tenant \"", tenant, "\""));
  }
  if (!caller.unrestricted && !AtLeast(caller.role, rule->role))
    return Denied("ROLE_REQUIRED", absl::StrCat(rule->method, " needs role ", RoleName(rule->role),
                                                "; the token grants ", RoleName(caller.role)));
  if (rule->source == SourceBinding::kRequest && !caller.unrestricted) {
    const auto* f = desc->FindFieldByName("source");
    if (!f || f->type() != google::protobuf::FieldDescriptor::TYPE_ENUM || f->is_repeated())
      return Denied("NO_RULE", "the authorization rule expects a source field; nobody may call it");
    auto asked = static_cast<v1::Source>(refl->GetEnumValue(request, f));
    if (asked == v1::SOURCE_UNSPECIFIED) asked = v1::SOURCE_API;
    v1::Source allowed = caller.source.value_or(v1::SOURCE_API);
    if (asked != allowed)
      return Denied("SOURCE_NOT_ALLOWED",
                    absl::StrCat("source ", SourceLabel(asked), " is not the token's: it may act as ",
                                 SourceLabel(allowed), " only"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<const Caller>> Gatekeeper::Admit(
    const grpc::ServerContextBase& ctx, const MethodRule* rule,
    const google::protobuf::Message& request) const {
  std::optional<absl::string_view> authorization;
  const auto& md = ctx.client_metadata();
  auto [begin, end] = md.equal_range("authorization");
  if (begin != end) {
    if (std::next(begin) != end)
      return ErrorWithReason(absl::StatusCode::kUnauthenticated, "TOKEN_INVALID",
                             "more than one authorization metadata entry");
    authorization = absl::string_view(begin->second.data(), begin->second.size());
  }
  auto caller = Authenticate(authorization, verifier_ ? "" : ctx.peer());
  if (!caller.ok()) return caller.status();
  if (auto s = Authorize(**caller, rule, request); !s.ok()) return s;
  return caller;
}

void Gatekeeper::Redact(const Caller& caller, const MethodRule& rule,
                        google::protobuf::Message* response) {
  if (rule.redact != Redaction::kGuestLockState || caller.unrestricted ||
      AtLeast(caller.role, Role::kAdmin))
    return;
  if (response->GetDescriptor() == v1::Guest::descriptor()) {
    HideLockState(static_cast<v1::Guest*>(response));
  } else if (response->GetDescriptor() == v1::ListGuestsResponse::descriptor()) {
    for (auto& g : *static_cast<v1::ListGuestsResponse*>(response)->mutable_guests())
      HideLockState(&g);
  }
}

}  // namespace hotdesk::auth
