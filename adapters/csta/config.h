// hotdesk-csta configuration, parsed from flags in main.cc and passed down.
#pragma once

#include <cstddef>
#include <string>

#include "absl/time/time.h"
#include "adapters/common/network_list.h"
#include "services/auth/client_channel.h"

namespace hotdesk::csta {

struct GatewayConfig {
  // CSTA side.
  std::string listen = "0.0.0.0:4722";
  std::string default_namespace;  // full URI; used when a client sent no (CSTA) namespace yet
  std::string private_namespace = "urn:hotdesk:csta:private:v1";
  // Clients from elsewhere are closed at accept, before any frame is read; empty: every client.
  adapters::NetworkList allow_networks;
  // Connections from these networks may log in without a verified PIN and use the private
  // services (e.g. a Genesys T-Server); empty: none.
  adapters::NetworkList trusted_networks;
  // Per connection: frames per second after a burst of max_frame_burst; 0: no limit.
  double max_frames_per_second = 100;
  double max_frame_burst = 2000;
  std::string tls_cert;  // both empty: plain TCP
  std::string tls_key;
  std::string tls_client_ca;  // clients must present a certificate from these CAs (mTLS)
  size_t max_frame = 65535;
  size_t max_clients = 256;
  size_t max_monitors_per_client = 1000;
  size_t max_queue_bytes = 4 << 20;  // per client; a client that lets more pile up is dropped
  absl::Duration idle_timeout = absl::Seconds(300);       // zero: never
  absl::Duration heartbeat_interval = absl::Seconds(30);  // zero: no SystemStatus heartbeat
  bool status_on_connect = true;  // send SystemStatus right after accept (some clients wait for it)

  // Semantics.
  bool setagentstate_hotdesk = true;  // SetAgentState loggedOn/loggedOff means hot desking
  bool check_password = true;         // verify SetAgentState password via Guests/VerifyPin
  // When VerifyPin cannot judge (guest unknown to the Guests registry, or Guests not served):
  // true = treat as a guest without a PIN; false = refuse with invalidAgentID.
  bool allow_unregistered_guests = true;
  bool reject_host_busy = true;         // Establish on_host_busy REJECT (Genesys: EventError)
  bool reject_guest_elsewhere = false;  // Establish on_guest_elsewhere REJECT
  // Genesys private service 1 on an already associated pair answers an error (Genesys semantics);
  // false answers success.
  bool private_already_associated_error = true;
  int private_service_initiate = 1;
  int private_service_cancel = 2;
  int private_event_established = 1;
  int private_event_cancelled = 2;  // [not confirmed] in Genesys documentation
  std::string host_dn_key = "HOST_DN";
  std::string guest_dn_key = "GUEST_DN";
  bool report_host_dn = true;  // HOST_DN in MonitorStartResponse / snapshots for associated guests
  bool forwarding_events = true;
  bool private_events = true;

  // Core side.
  std::string server = "127.0.0.1:50051";
  auth::ClientAuthOptions core_auth;  // this gateway's token and TLS towards the core
  std::string tenant = "default";
  absl::Duration rpc_timeout = absl::Seconds(5);  // each attempt of a call to the core
  // UNAVAILABLE / DEADLINE_EXCEEDED are retried (mutations with the same request id) until this
  // long after the first attempt.
  absl::Duration rpc_retry_budget = absl::Seconds(20);
  std::string cursor_file;  // empty: no persistence across restarts
  // After a restart, events that happened while the gateway was down are replayed to monitors
  // started within this window (clients reconnect and re-monitor). Zero disables.
  absl::Duration restart_replay_window = absl::Seconds(30);

  std::string metrics_listen = "0.0.0.0:9465";
};

}  // namespace hotdesk::csta
