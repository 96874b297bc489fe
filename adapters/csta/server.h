// hotdesk-csta: the TCP (optionally TLS) listener, one thread per client (bounded by
// --max_clients, joined on shutdown), the gateway and the event follower, started and stopped
// together.
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "adapters/csta/config.h"

namespace prometheus {
class Exposer;
}

namespace hotdesk::adapters {
class CursorStore;
class EventFollower;
}  // namespace hotdesk::adapters

namespace hotdesk::csta {

class Connection;
class Gateway;
class Metrics;
class TlsServer;

class CstaServer {
 public:
  explicit CstaServer(GatewayConfig config);
  ~CstaServer();

  absl::Status Start();
  int port() const { return port_; }
  // Stops accepting, ends every client connection (and handshake, and call to the core) and the
  // event follower, and joins their threads; the cursor is already stored.
  void Shutdown();

 private:
  void AcceptLoop();
  // accept() failed for want of descriptors: shed the waiting connection and pause, instead of
  // polling a listener that stays readable in a hot loop.
  void ShedAndPause(int err);
  void Serve(int fd, std::string peer, uint64_t id, bool trusted);
  // Joins the threads of clients that have left (accept thread).
  void ReapFinished();

  GatewayConfig config_;
  std::unique_ptr<Metrics> metrics_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  std::unique_ptr<TlsServer> tls_;
  std::unique_ptr<Gateway> gateway_;
  std::unique_ptr<adapters::CursorStore> cursor_store_;
  std::unique_ptr<adapters::EventFollower> follower_;
  int listen_fd_ = -1;
  int wake_fd_ = -1;
  int spare_fd_ = -1;  // kept open to be given up when descriptors run out
  int port_ = 0;
  std::thread accept_thread_;
  std::atomic<bool> stopping_{false};

  std::mutex mu_;
  std::condition_variable cv_;
  std::map<uint64_t, std::shared_ptr<Connection>> clients_;
  std::map<uint64_t, std::thread> threads_;  // one per client, until joined
  std::vector<uint64_t> finished_;           // threads that left Serve, to join
  std::map<uint64_t, int> handshaking_;      // TLS handshakes in progress: id -> socket
  size_t serving_ = 0;                       // threads in Serve (handshake included)
  uint64_t next_id_ = 1;
};

}  // namespace hotdesk::csta
