// The simulator's HTTP face: Xsi-Actions and Xsi-Events paths (reference/protocols.md C.1-C.6,
// G.1) with Basic auth, plus the /sim/* control API for tests and demos (platform actions,
// journal, faults). Runs cpp-httplib on its own thread pool; the event channel is a chunked
// response that stays open and is fed from SimState.
#pragma once

#include <memory>
#include <string>

#include "adapters/xsp/sim/sim_state.h"

namespace httplib {
class Server;
}

namespace hotdesk::xsp::sim {

class SimServer {
 public:
  explicit SimServer(SimConfig config);
  ~SimServer();

  // Binds host:port (port 0 = any); returns the bound port or -1.
  int Bind(const std::string& host, int port);
  // Serves until Stop(); blocks.
  void Serve();
  void Stop();
  SimState& state() { return *state_; }

 private:
  void Routes();
  std::shared_ptr<SimState> state_;
  std::unique_ptr<httplib::Server> http_;
  std::string expected_auth_;
};

}  // namespace hotdesk::xsp::sim
