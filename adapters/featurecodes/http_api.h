// HTTP/JSON front end for PBX dialplans that can only make HTTP requests, and the provisioning
// server for the phones:
//   POST /v1/dial   {"tenant","device","digits"}   (JSON, form or query parameters; GET too)
//   POST /v1/pin    {"session_id","pin"}           (JSON or form; POST only)
//   GET  /provisioning/<mac>.cfg
//   GET  /healthz
// Responses are the FeatureCodes messages as JSON, or with ?format=text one line
// "<ACTION> key=value ..." that a dialplan can cut apart.
#pragma once

#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "adapters/featurecodes/dial_service.h"
#include "adapters/featurecodes/reprovisioner.h"

namespace httplib {
class Server;
}

namespace hotdesk::featurecodes {

class HttpApi {
 public:
  HttpApi(DialService* dial, Reprovisioner* reprovisioner, std::string tenant);
  ~HttpApi();
  // "host:port" (port 0 picks one). Returns the bound port.
  absl::StatusOr<int> Start(const std::string& listen);
  void Stop();

 private:
  DialService* dial_;
  Reprovisioner* reprovisioner_;
  std::string tenant_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
};

}  // namespace hotdesk::featurecodes
