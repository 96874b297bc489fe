#include "adapters/featurecodes/provisioning_access.h"

#include "absl/strings/str_cat.h"
#include "services/directory/mac_address.h"

namespace hotdesk::featurecodes {

absl::StatusOr<std::unique_ptr<ProvisioningAccess>> ProvisioningAccess::Create(
    const ProvisioningAccessConfig& config, const std::string& tenant) {
  auto a = std::make_unique<ProvisioningAccess>();
  bool configured = !config.credentials_file.empty() || !config.allow_networks.empty();
  if (config.open && configured)
    return absl::InvalidArgumentError(
        "--insecure_provisioning_open and --provisioning_credentials_file/"
        "--provisioning_allow_networks: choose one");
  if (!config.open && !configured)
    return absl::InvalidArgumentError(
        "provisioning profiles show who sits where: give --provisioning_credentials_file "
        "(HTTP Basic per phone) and/or --provisioning_allow_networks, or "
        "--insecure_provisioning_open to serve them to anyone");
  a->open_ = config.open;
  a->tenant_ = tenant;
  auto networks = adapters::NetworkList::Parse(config.allow_networks, "--provisioning_allow_networks");
  if (!networks.ok()) return networks.status();
  a->networks_ = *networks;
  if (!config.credentials_file.empty()) {
    auto c = CredentialsFile::Load(
        config.credentials_file, "--provisioning_credentials_file",
        [](absl::string_view name) { return NormalizeMac(name); });
    if (!c.ok()) return c.status();
    a->credentials_ = std::move(*c);
  }
  return a;
}

absl::Status ProvisioningAccess::Admit(const std::string& mac, const std::string& peer,
                                       const std::string& authorization) {
  if (open_ || networks_.Contains(peer)) return absl::OkStatus();
  if (!credentials_)
    return absl::PermissionDeniedError("this client is not in --provisioning_allow_networks");
  if (authorization.empty())
    return absl::UnauthenticatedError("the phone's credentials are required");
  auto basic = ParseBasicAuthorization(authorization);
  if (!basic.ok()) return basic.status();
  auto tenant = credentials_->Verify(basic->first, basic->second);
  if (!tenant.ok()) return tenant.status();
  if (*tenant != tenant_) return absl::UnauthenticatedError("unknown user or wrong password");
  auto user = NormalizeMac(basic->first);
  if (!user || *user != mac)
    return absl::PermissionDeniedError("these credentials are for another device");
  return absl::OkStatus();
}

}  // namespace hotdesk::featurecodes
