// Who may fetch a phone's provisioning profile (GET /provisioning/<mac>.cfg), which tells where
// everyone sits: a phone with its own HTTP Basic credentials (user = its MAC, in any spelling;
// "<mac> <tenant> <argon2 hash>" lines, --provisioning_credentials_file), which Polycom, Yealink
// and Cisco phones send to their provisioning server, and/or clients from listed networks
// (--provisioning_allow_networks: the phones' VLAN, the console). Without either only an explicit
// --insecure_provisioning_open serves everyone.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "adapters/common/network_list.h"
#include "adapters/featurecodes/credentials_file.h"

namespace hotdesk::featurecodes {

struct ProvisioningAccessConfig {
  std::string credentials_file;
  std::string allow_networks;
  bool open = false;
};

class ProvisioningAccess {
 public:
  // `tenant`: the tenant whose profiles are served; a credential for another tenant is refused.
  static absl::StatusOr<std::unique_ptr<ProvisioningAccess>> Create(
      const ProvisioningAccessConfig& config, const std::string& tenant);

  // OK when the client at `peer` (an IP address) with the "Authorization" value `authorization`
  // ("" when none) may fetch the profile of `mac` (normalised). UNAUTHENTICATED: credentials
  // needed, missing or wrong; PERMISSION_DENIED: a credential for another device, or no
  // credentials configured and `peer` not in the networks.
  absl::Status Admit(const std::string& mac, const std::string& peer,
                     const std::string& authorization);
  std::string Challenge() const { return "Basic realm=\"hotdesk provisioning\", charset=\"UTF-8\""; }
  bool open() const { return open_; }

 private:
  bool open_ = false;
  std::string tenant_;
  adapters::NetworkList networks_;
  std::unique_ptr<CredentialsFile> credentials_;
};

}  // namespace hotdesk::featurecodes
