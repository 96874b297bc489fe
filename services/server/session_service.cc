#include "services/server/session_service.h"

#include "services/core/commands.h"
#include "services/directory/directory_util.h"

namespace hotdesk {

SessionService::SessionService(RpcMetrics* metrics, const auth::Gatekeeper* gate)
    : who_am_i_(RpcMethod::Make(metrics, gate, "hotdesk.v1.Session", "WhoAmI", "unary")) {}

v1::WhoAmIResponse DescribeCaller(const auth::Caller& caller) {
  v1::WhoAmIResponse r;
  r.set_subject(caller.subject);
  r.set_all_tenants(caller.all_tenants);
  if (!caller.all_tenants) {
    for (const auto& t : caller.tenants) r.add_tenants(t);
  }
  r.set_role(auth::RoleName(caller.role));
  r.set_source(SourceName(caller.source.value_or(v1::SOURCE_API)));
  r.set_authentication_disabled(caller.unrestricted);
  if (caller.expires != absl::InfiniteFuture()) SetTime(caller.expires, r.mutable_expire_time());
  for (const auth::MethodRule& rule : auth::AllMethodRules()) {
    if (!caller.unrestricted && !auth::AtLeast(caller.role, rule.role)) continue;
    absl::string_view name = rule.method;
    name.remove_prefix(name.find('.', name.find('.') + 1) + 1);  // drop "hotdesk.v1."
    r.add_allowed_methods(std::string(name));
  }
  return r;
}

grpc::ServerUnaryReactor* SessionService::WhoAmI(grpc::CallbackServerContext* ctx,
                                                 const v1::WhoAmIRequest* req,
                                                 v1::WhoAmIResponse* resp) {
  return RunUnary<v1::WhoAmIResponse>(
      ctx, who_am_i_, *req, resp,
      [](const auth::Caller& caller, absl::Time, Done<v1::WhoAmIResponse> done) {
        done(DescribeCaller(caller));
      });
}

}  // namespace hotdesk
