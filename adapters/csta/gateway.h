// The CSTA <-> hotdesk translation: client requests become Associations/Guests calls, and
// association events become CSTA events for every client monitoring the host or the guest.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/time/time.h"
#include "adapters/common/core_call.h"
#include "adapters/csta/config.h"
#include "adapters/csta/connection.h"
#include "adapters/csta/error_map.h"
#include "adapters/csta/monitors.h"
#include "hotdesk/v1/associations.grpc.pb.h"
#include "hotdesk/v1/guests.grpc.pb.h"

namespace hotdesk::csta {

class Metrics;

class Gateway : public FrameHandler {
 public:
  Gateway(const GatewayConfig& config, std::shared_ptr<grpc::Channel> channel, Metrics* metrics);

  void OnFrame(const std::shared_ptr<Connection>& conn, const Frame& frame) override;
  void OnClosed(Connection& conn) override;
  // An association event from WatchEvents (follower thread).
  void OnEvent(const v1::AssociationEvent& ev);
  // Ends every call to the core in flight or being retried (shutdown): the clients waiting get
  // resourceOutOfService at once.
  void CancelCalls() { canceller_.Cancel(); }

 private:
  struct Reply {
    std::string xml;
    bool ok = true;
  };
  Reply Error(const Namespaces& ns, const CstaError& e);
  Reply Handle(const std::shared_ptr<Connection>& conn, const Request& req, const Namespaces& ns,
               int invoke_id, bool* replied);
  // `request_id` identifies this client request in the core (mutations only).
  // `conn` says whether the client is trusted (--trusted_networks): only a trusted client may log
  // in without a verified PIN or use the private services.
  Reply SetAgentState(const Connection& conn, const Request& req, const Namespaces& ns,
                      const std::string& request_id);
  Reply EscapeService(const Connection& conn, const Request& req, const Namespaces& ns,
                      const std::string& request_id);
  Reply GetAgentState(const Request& req, const Namespaces& ns);
  Reply SnapshotDevice(const Request& req, const Namespaces& ns);
  // MonitorStart sends its own reply (followed by any replayed events) under dispatch_mu_.
  Reply MonitorStart(const std::shared_ptr<Connection>& conn, const Request& req,
                     const Namespaces& ns, int invoke_id, bool* replied);

  // Checks a SetAgentState password; true means proceed. `pin_verified`: the guest has a PIN and
  // the password was it (false for a guest without a PIN or unknown to the registry).
  bool CheckPassword(const std::string& guest, const std::string& password, CstaError* err,
                     bool* pin_verified);
  grpc::Status Establish(const std::string& host, const std::string& guest,
                         const std::string& request_id, v1::EstablishResponse* resp);
  grpc::Status Cancel(const std::string& host, const std::string& guest,
                      const std::string& request_id, v1::CancelResponse* resp);
  // GetAssociation by host or by guest; NOT_FOUND when none.
  grpc::Status Get(const std::string& host, const std::string& guest, v1::Association* out);
  // A read, retried like every call (adapters/common/core_call.h), and recorded in metrics.
  grpc::Status Read(const char* method,
                    const std::function<grpc::Status(grpc::ClientContext*)>& attempt);
  void Record(const char* method, const grpc::Status& st, absl::Time start);
  // Private block describing a device's association (deviceInfo), or false when none.
  bool DeviceInfo(const std::string& device, const v1::Association* as_host,
                  const v1::Association* as_guest, PrivateBlock* out) const;

  // Sends one association event to one monitor.
  void SendEvent(const MonitorTarget& t, const v1::AssociationEvent& ev);
  // Sends the replay window's events about `device` (restart replay), under dispatch_mu_.
  void ReplayBacklog(const MonitorTarget& t, const std::string& device);

  const GatewayConfig config_;
  std::unique_ptr<v1::Associations::Stub> assoc_;
  std::unique_ptr<v1::Guests::Stub> guests_;
  Metrics* metrics_;
  Monitors monitors_;
  const absl::Time start_time_;
  const adapters::CallPolicy policy_;
  adapters::CallCanceller canceller_;

  // Serialises event fan-out with monitor start (so a new monitor's replay and live events
  // neither overlap nor leave a gap).
  std::mutex dispatch_mu_;
  // Events that happened while the gateway was down, kept for the replay window.
  std::deque<v1::AssociationEvent> backlog_;
  // Monitors started but not answered yet (MonitorStart registers before it reads the state, so
  // that no event falls between the read and the registration): their events wait here.
  std::map<std::string, std::vector<v1::AssociationEvent>> pending_monitors_;
};

}  // namespace hotdesk::csta
