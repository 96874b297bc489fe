// hotdesk-web's HTTP server: the API routes (routes.h) forwarded to hotdesk-server with the
// caller's token, the event stream as SSE, browser sessions, and the embedded console.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "adapters/web/adapter_health.h"
#include "adapters/web/metrics.h"
#include "adapters/web/rpc_gateway.h"
#include "adapters/web/session_cookie.h"
#include "hotdesk/v1/associations.grpc.pb.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace hotdesk::web {

class WatchCall;
struct RouteMatch;

struct WebConfig {
  std::string listen = "0.0.0.0:8088";
  std::string tls_cert;  // PEM files; both set: HTTPS (and Secure cookies)
  std::string tls_key;
  absl::Duration core_timeout = absl::Seconds(10);
  size_t max_body_bytes = 64 * 1024;
  absl::Duration read_timeout = absl::Seconds(10);
  absl::Duration sse_heartbeat = absl::Seconds(15);
  size_t sse_max_queued = 1024;
  int http_threads = 64;
  std::string session_secret;
  absl::Duration session_ttl = absl::Hours(12);
  std::string featurecodes_url;  // http://host:port of hotdesk-featurecodes (profile preview)
  std::vector<AdapterTarget> adapters;
};

class WebServer {
 public:
  WebServer(WebConfig config, std::shared_ptr<grpc::Channel> core, Metrics* metrics);
  ~WebServer();
  // Binds and serves in the background; returns the bound port.
  absl::StatusOr<int> Start();
  // Ends open event streams, stops accepting, waits for the serving thread.
  void Stop();

 private:
  struct Caller {
    std::string token;
    bool from_cookie = false;
  };
  void HandleApi(const httplib::Request& req, httplib::Response& res);
  void HandleAsset(const httplib::Request& req, httplib::Response& res);
  int Dispatch(const httplib::Request& req, httplib::Response& res, const RouteMatch& m,
               const Caller& caller);
  int HandleEvents(const httplib::Request& req, httplib::Response& res, const RouteMatch& m,
                   const Caller& caller);
  int HandleSession(const httplib::Request& req, httplib::Response& res, const Caller& caller);
  int HandleProfile(const httplib::Request& req, httplib::Response& res, const RouteMatch& m,
                    const Caller& caller);
  int HandleHealth(httplib::Response& res);
  bool Secure(const httplib::Request& req) const;

  WebConfig config_;
  Metrics* metrics_;
  RpcGateway gateway_;
  std::unique_ptr<v1::Associations::Stub> associations_;
  SessionSealer sealer_;
  AdapterHealth adapter_health_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;

  std::atomic<bool> stopping_{false};
  std::mutex streams_mu_;
  std::set<WatchCall*> streams_;  // open event streams, woken at Stop()
};

}  // namespace hotdesk::web
