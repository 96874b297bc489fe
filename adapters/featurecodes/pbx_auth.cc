#include "adapters/featurecodes/pbx_auth.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace hotdesk::featurecodes {

absl::StatusOr<std::string> PbxCaller::TenantFor(const std::string& asked,
                                                 const std::string& fallback) const {
  std::string tenant = asked;
  if (tenant.empty()) tenant = (!all_tenants && tenants.size() == 1) ? *tenants.begin() : fallback;
  if (!MayAccess(tenant))
    return absl::PermissionDeniedError(
        absl::StrCat("the credential does not grant tenant \"", tenant, "\""));
  return tenant;
}

absl::StatusOr<std::unique_ptr<PbxAuth>> PbxAuth::Create(const PbxAuthConfig& config) {
  auto a = std::make_unique<PbxAuth>();
  bool configured = !config.key_files.empty() || !config.credentials_file.empty();
  if (config.insecure_no_auth && configured)
    return absl::InvalidArgumentError(
        "--insecure_pbx_no_auth and --pbx_auth_keys/--pbx_credentials_file: choose one");
  if (!config.insecure_no_auth && !configured)
    return absl::InvalidArgumentError(
        "the PBX API needs authentication: give --pbx_auth_keys (token issuer's public keys) "
        "and/or --pbx_credentials_file (HTTP Basic), or --insecure_pbx_no_auth to run without");
  a->insecure_ = config.insecure_no_auth;
  if (!config.key_files.empty()) {
    auth::VerifierOptions o;
    o.key_files = config.key_files;
    auto v = auth::TokenVerifier::Create(o);
    if (!v.ok())
      return absl::InvalidArgumentError(absl::StrCat("--pbx_auth_keys: ", v.status().message()));
    a->verifier_ = std::move(*v);
  }
  if (!config.credentials_file.empty()) {
    auto c = CredentialsFile::Load(config.credentials_file, "--pbx_credentials_file");
    if (!c.ok()) return c.status();
    a->credentials_ = std::move(*c);
  }
  return a;
}

std::string PbxAuth::Challenge() const {
  std::vector<std::string> schemes;
  if (verifier_) schemes.push_back("Bearer realm=\"hotdesk-featurecodes\"");
  if (credentials_) schemes.push_back("Basic realm=\"hotdesk-featurecodes\", charset=\"UTF-8\"");
  return absl::StrJoin(schemes, ", ");
}

absl::StatusOr<PbxCaller> PbxAuth::Authenticate(const std::string& authorization) {
  PbxCaller caller;
  if (insecure_) {
    caller.principal = "anonymous";
    caller.all_tenants = true;
    return caller;
  }
  absl::string_view value = absl::StripAsciiWhitespace(authorization);
  size_t space = value.find(' ');
  absl::string_view scheme = value.substr(0, space);
  absl::string_view rest =
      space == absl::string_view::npos ? "" : absl::StripAsciiWhitespace(value.substr(space));
  if (value.empty())
    return absl::UnauthenticatedError("no credentials: send an Authorization header");
  if (absl::EqualsIgnoreCase(scheme, "bearer") && verifier_) {
    auto verified = verifier_->Verify(rest);
    if (!verified.ok()) return absl::UnauthenticatedError(verified.status().message());
    const auth::Caller& c = **verified;
    if (!auth::AtLeast(c.role, auth::Role::kAgent))
      return absl::PermissionDeniedError(
          absl::StrCat("the PBX API needs role agent; the token grants ", auth::RoleName(c.role)));
    caller.principal = c.principal;
    caller.all_tenants = c.all_tenants;
    caller.tenants = c.tenants;
    return caller;
  }
  if (absl::EqualsIgnoreCase(scheme, "basic") && credentials_) {
    auto basic = ParseBasicAuthorization(value);
    if (!basic.ok()) return basic.status();
    auto tenant = credentials_->Verify(basic->first, basic->second);
    if (!tenant.ok()) return tenant.status();
    caller.principal = absl::StrCat("basic:", basic->first);
    if (*tenant == "*")
      caller.all_tenants = true;
    else
      caller.tenants.insert(*tenant);
    return caller;
  }
  return absl::UnauthenticatedError(
      absl::StrCat("unsupported Authorization scheme; this server takes ", Challenge()));
}

}  // namespace hotdesk::featurecodes
