// Assembles hotdesk-server: store, event hub, gRPC services, health, metrics, expiry sweeper.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/grpcpp.h>

#include "absl/status/status.h"
#include "services/server/server_config.h"

namespace prometheus {
class Exposer;
}

namespace hotdesk {

namespace auth {
class Gatekeeper;
class TokenVerifier;
}  // namespace auth
class AssociationStore;
class DirectoryStore;
class PinHasher;
class EventHub;
class RedisClient;
class ServerMetrics;
class AssociationsService;

class HotdeskServer {
 public:
  explicit HotdeskServer(ServerConfig config);
  ~HotdeskServer();

  absl::Status Start();
  // Health NOT_SERVING, stop accepting, let in-flight calls finish within the grace period.
  void Shutdown();
  void Wait();

  int port() const { return port_; }
  int health_port() const { return health_port_; }

 private:
  void SetServing(bool serving);
  void BackgroundLoop();

  ServerConfig config_;
  std::unique_ptr<ServerMetrics> metrics_;
  // Every writer (services, sweeper) goes through it: logs and counts each committed change.
  std::unique_ptr<AssociationStore> effects_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  std::unique_ptr<RedisClient> redis_;
  std::unique_ptr<AssociationStore> store_;
  std::unique_ptr<DirectoryStore> directory_;
  std::unique_ptr<PinHasher> pin_hasher_;
  std::unique_ptr<EventHub> hub_;
  std::unique_ptr<auth::TokenVerifier> verifier_;
  std::unique_ptr<auth::Gatekeeper> gate_;
  std::vector<std::unique_ptr<grpc::Service>> services_;
  AssociationsService* associations_ = nullptr;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<grpc::CallbackGenericService> health_unimplemented_;
  std::unique_ptr<grpc::Server> health_server_;  // --health_listen
  int port_ = 0;
  int health_port_ = 0;
  std::atomic<bool> shutting_down_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_background_ = false;
  std::thread background_;
};

}  // namespace hotdesk
