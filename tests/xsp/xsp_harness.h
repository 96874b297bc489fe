// Real processes for the XSP tests: redis-server, hotdesk-server, hotdesk-xsp-sim and
// hotdesk-xsp on free loopback ports, with helpers to drive and observe each of them.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "hotdesk/v1/associations.grpc.pb.h"
#include "tests/support/processes.h"
#include "tests/xsp/json_lite.h"

namespace hotdesk::xsp::testing {

inline constexpr char kTenant[] = "acme";

struct Request {
  std::string method, path, body;
  int status = 0;
  int64_t seq = 0;
  bool operator==(const Request& o) const {
    return method == o.method && path == o.path && body == o.body;
  }
};
std::ostream& operator<<(std::ostream& os, const Request& r);

std::string ActionsPath(const std::string& user, const std::string& service);

// The journal the bridge must produce for an establish (host, guest ids without domain).
std::vector<Request> ExpectedEstablish(const std::string& host, const std::string& guest,
                                       int limit_hours, bool host_agent_signed_in);
std::vector<Request> ExpectedCancel(const std::string& host, const std::string& guest);

// Plain HTTP helpers (no auth unless given).
int HttpCall(const std::string& method, int port, const std::string& path, const std::string& body,
             std::string* out, const std::string& auth_user = "", const std::string& auth_pass = "",
             std::string* www_authenticate = nullptr);

class XspEnv {
 public:
  ~XspEnv();
  // Starts redis, the server, the simulator and the bridge; seeds the bridge's cursor so it
  // resumes after a known event.
  bool Start(const std::vector<std::string>& bridge_flags = {},
             const std::vector<std::string>& sim_flags = {});
  bool StartBridge(const std::vector<std::string>& extra = {});
  int StopBridge(int sig = 15);
  // kill -9 of the simulator, started again on its port with its flags: channels and
  // subscriptions are gone (its users' services too, without --state_file).
  bool RestartSim();
  // Stops hotdesk-server and starts it again on the same port (a fresh process: nothing of the
  // tenant kept in memory).
  bool RestartServer();
  // Stops hotdesk-server (RestartServer brings it back).
  void StopServer();

  // Simulator.
  int SimPost(const std::string& path_and_query, const std::string& body = "",
              std::string* out = nullptr);
  std::string SimGet(const std::string& path);
  // Xsi-Actions journal after `since` (challenged 401 attempts excluded).
  std::vector<Request> Actions(int64_t since = 0);
  // Every journal entry (actions and events).
  std::vector<Request> AllRequests(int64_t since = 0);
  int64_t LastSeq();
  Json SimChannels();
  // Events delivered on open channels and not acknowledged yet.
  int64_t UnackedOnOpenChannels();

  // Bridge ops port.
  Json Status();
  std::string Metrics();
  // Value of one sample line, e.g.
  // Metric("hotdesk_xsp_steps_total{outcome=\"retry\",step=\"host_cfa_on\"}").
  double Metric(const std::string& sample);
  std::string BridgeLog() { return bridge.Stderr(); }

  // hotdesk-server.
  v1::EstablishResponse Establish(const std::string& host, const std::string& guest,
                                  int limit_hours = 0);
  v1::CancelResponse Cancel(const std::string& host);
  absl::StatusOr<v1::Association> GetByGuest(const std::string& guest);
  // Events after `after` (catch-up read until quiet).
  std::vector<v1::AssociationEvent> Events(const std::string& after);

  static bool WaitFor(const std::function<bool()>& pred, absl::Duration timeout);
  // Until the bridge shows the channel up with all subscriptions made.
  bool WaitBridgeReady(absl::Duration timeout = absl::Seconds(15));

  hotdesk::testing::RedisServer redis;
  hotdesk::testing::HotdeskServerProcess server;
  hotdesk::testing::ChildProcess sim;
  hotdesk::testing::ChildProcess bridge;
  int sim_port = 0;
  std::vector<std::string> sim_argv;
  int bridge_port = 0;
  std::string seed_cursor;
  std::vector<std::string> bridge_flags;
  std::vector<std::string> server_flags;  // extra flags of hotdesk-server (set before Start)
  std::unique_ptr<v1::Associations::Stub> stub;
  int expected_subscriptions = 0;
  // Subscribe to the simulator's group instead of single users.
  bool group_mode = false;
};

}  // namespace hotdesk::xsp::testing
