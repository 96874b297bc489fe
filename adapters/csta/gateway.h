// The CSTA <-> hotdesk translation: client requests become Associations/Guests calls, and
// association events become CSTA events for every client monitoring the host or the guest.
#pragma once

#include <deque>
#include <memory>
#include <mutex>
#include <string>

#include <grpcpp/grpcpp.h>

#include "absl/time/time.h"
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

 private:
  struct Reply {
    std::string xml;
    bool ok = true;
  };
  Reply Error(const Namespaces& ns, const CstaError& e);
  Reply Handle(const std::shared_ptr<Connection>& conn, const Request& req, const Namespaces& ns,
               int invoke_id, bool* replied);
  Reply SetAgentState(const Request& req, const Namespaces& ns);
  Reply EscapeService(const Request& req, const Namespaces& ns);
  Reply GetAgentState(const Request& req, const Namespaces& ns);
  Reply SnapshotDevice(const Request& req, const Namespaces& ns);
  // MonitorStart sends its own reply (followed by any replayed events) under dispatch_mu_.
  Reply MonitorStart(const std::shared_ptr<Connection>& conn, const Request& req,
                     const Namespaces& ns, int invoke_id, bool* replied);

  // Checks a SetAgentState password; nullopt-like: ok() true means proceed.
  bool CheckPassword(const std::string& guest, const std::string& password, CstaError* err);
  grpc::Status Establish(const std::string& host, const std::string& guest,
                         v1::EstablishResponse* resp);
  grpc::Status Cancel(const std::string& host, const std::string& guest, v1::CancelResponse* resp);
  // GetAssociation by host or by guest; NOT_FOUND when none.
  grpc::Status Get(const std::string& host, const std::string& guest, v1::Association* out);
  void Record(const char* method, const grpc::Status& st, absl::Time start);
  std::unique_ptr<grpc::ClientContext> Context() const;
  // Private block describing a device's association (deviceInfo), or false when none.
  bool DeviceInfo(const std::string& device, const v1::Association* as_host,
                  const v1::Association* as_guest, PrivateBlock* out) const;

  // Sends one association event to one monitor.
  void SendEvent(const MonitorTarget& t, const v1::AssociationEvent& ev);

  const GatewayConfig config_;
  std::unique_ptr<v1::Associations::Stub> assoc_;
  std::unique_ptr<v1::Guests::Stub> guests_;
  Metrics* metrics_;
  Monitors monitors_;
  const absl::Time start_time_;

  // Serialises event fan-out with monitor start (so a new monitor's replay and live events
  // neither overlap nor leave a gap).
  std::mutex dispatch_mu_;
  // Events that happened while the gateway was down, kept for the replay window.
  std::deque<v1::AssociationEvent> backlog_;
};

}  // namespace hotdesk::csta
