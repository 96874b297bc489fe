// hotdesk-csta: the TCP (optionally TLS) listener, one thread per client (bounded by
// --max_clients), the gateway and the event follower, started and stopped together.
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "adapters/csta/config.h"

namespace prometheus {
class Exposer;
}

namespace hotdesk::csta {

class Connection;
class EventFollower;
class Gateway;
class Metrics;
class TlsServer;

class CstaServer {
 public:
  explicit CstaServer(GatewayConfig config);
  ~CstaServer();

  absl::Status Start();
  int port() const { return port_; }
  // Stops accepting, ends every client connection and the event follower; persists the cursor.
  void Shutdown();

 private:
  void AcceptLoop();
  void Serve(int fd, std::string peer, uint64_t id);

  GatewayConfig config_;
  std::unique_ptr<Metrics> metrics_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  std::unique_ptr<TlsServer> tls_;
  std::unique_ptr<Gateway> gateway_;
  std::unique_ptr<EventFollower> follower_;
  int listen_fd_ = -1;
  int wake_fd_ = -1;
  int port_ = 0;
  std::thread accept_thread_;
  std::atomic<bool> stopping_{false};

  std::mutex mu_;
  std::condition_variable cv_;
  std::map<uint64_t, std::shared_ptr<Connection>> clients_;
  size_t serving_ = 0;  // threads in Serve (handshake included)
  uint64_t next_id_ = 1;
};

}  // namespace hotdesk::csta
