// The operator's HTTP port: /metrics (Prometheus text), /healthz, /status (JSON: cursor, channel,
// pending and parked sequences, recent sequences with per-step outcome, newest first), and
// POST /sequences/drop?cursor=<key> (give up on a parked sequence).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include <prometheus/registry.h>

namespace httplib {
class Server;
}

namespace hotdesk::xsp {

class OpsServer {
 public:
  // What an operator action answers: HTTP status and a JSON body.
  struct Answer {
    int status = 200;
    std::string json;
  };
  OpsServer(std::shared_ptr<prometheus::Registry> registry,
            std::function<std::string(int limit)> status_json,
            std::function<Answer(const std::string& key)> drop);
  ~OpsServer();
  // host:port (port 0 = any); returns the bound port or -1.
  int Start(const std::string& listen);
  void Stop();

 private:
  std::unique_ptr<httplib::Server> http_;
  std::thread thread_;
};

}  // namespace hotdesk::xsp
