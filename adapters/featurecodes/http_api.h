// HTTP/JSON front end for PBX dialplans that can only make HTTP requests, and the provisioning
// server for the phones:
//   POST /v1/dial   {"tenant","device","digits"}   (JSON, form or query parameters)
//   POST /v1/pin    {"session_id","pin"}           (JSON or form)
//   GET  /provisioning/<mac>.cfg                   (the phone's Basic credentials, or an allowed
//                                                   network: ProvisioningAccess)
//   GET  /healthz
// The two PBX paths change state, so they take POST only (any other method: 405, Allow: POST)
// and need the PBX's credentials (PbxAuth: 401 with a challenge, 403 for a tenant the
// credential does not grant). Bodies are capped (413) and a client must send its request within
// the read timeout. Responses are the FeatureCodes messages as JSON, or with ?format=text one
// line "<ACTION> key=value ..." that a dialplan can cut apart.
#pragma once

#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "adapters/featurecodes/dial_service.h"
#include "adapters/featurecodes/pbx_auth.h"
#include "adapters/featurecodes/provisioning_access.h"
#include "adapters/featurecodes/reprovisioner.h"

namespace httplib {
class Server;
}

namespace hotdesk::featurecodes {

struct HttpLimits {
  size_t max_body_bytes = 16 * 1024;
  absl::Duration read_timeout = absl::Seconds(10);
};

class HttpApi {
 public:
  HttpApi(DialService* dial, Reprovisioner* reprovisioner, PbxAuth* pbx_auth,
          ProvisioningAccess* provisioning_access, std::string tenant, HttpLimits limits = {});
  ~HttpApi();
  // "host:port" (port 0 picks one). Returns the bound port.
  absl::StatusOr<int> Start(const std::string& listen);
  void Stop();

 private:
  DialService* dial_;
  Reprovisioner* reprovisioner_;
  PbxAuth* pbx_auth_;
  ProvisioningAccess* provisioning_access_;
  std::string tenant_;
  HttpLimits limits_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
};

}  // namespace hotdesk::featurecodes
