// hotdesk-csta: flags (or HOTDESK_* environment variables) -> GatewayConfig -> CstaServer.
#include <csignal>
#include <cstdio>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "adapters/common/core_flags.h"
#include "adapters/csta/namespaces.h"
#include "adapters/csta/server.h"
#include "services/common/env_flags.h"
#include "services/common/log.h"
#include "services/common/process.h"
#include "services/core/ids.h"

ABSL_FLAG(std::string, listen, "0.0.0.0:4722", "CSTA listen address host:port (port 0: any free)");
ABSL_FLAG(std::string, server, "127.0.0.1:50051", "hotdesk-server gRPC address");
ABSL_FLAG(std::string, tenant, "default", "tenant whose associations this gateway serves");
ABSL_FLAG(std::string, namespace, "ed3",
          "CSTA namespace for clients that have not used one yet: ed2..ed9 or a full URI");
ABSL_FLAG(std::string, private_namespace, "urn:hotdesk:csta:private:v1",
          "namespace of the private data block (Genesys-style private services and events)");
ABSL_FLAG(bool, setagentstate_hotdesk, true,
          "SetAgentState loggedOn/loggedOff means hot desking (device = host, agentID = guest)");
ABSL_FLAG(bool, check_password, true,
          "check the SetAgentState password against the guest's PIN (Guests/VerifyPin)");
ABSL_FLAG(bool, allow_unregistered_guests, true,
          "a guest unknown to the Guests registry (or no registry) counts as a guest without PIN");
ABSL_FLAG(std::string, on_host_busy, "reject",
          "login at a host that has another guest: reject (CSTA error) | replace");
ABSL_FLAG(std::string, on_guest_elsewhere, "move",
          "login of a guest associated elsewhere: move (roaming) | reject");
ABSL_FLAG(bool, private_already_associated_error, true,
          "private service Initiate hot-desking on an existing identical association answers an "
          "error (Genesys EventError); false answers success");
ABSL_FLAG(int, private_service_initiate, 1, "service number of Initiate hot-desking");
ABSL_FLAG(int, private_service_cancel, 2, "service number of Cancel hot-desking");
ABSL_FLAG(int, private_event_established, 1, "event number of Hot-desking established");
ABSL_FLAG(int, private_event_cancelled, 2,
          "event number of Hot-desking cancelled (not confirmed in Genesys documentation)");
ABSL_FLAG(std::string, host_dn_key, "HOST_DN", "private Extensions key carrying the host DN");
ABSL_FLAG(bool, report_host_dn, true,
          "report HOST_DN for an associated guest in MonitorStartResponse and SnapshotDevice");
ABSL_FLAG(bool, forwarding_events, true, "send ForwardingEvent (host -> guest) on changes");
ABSL_FLAG(bool, private_events, true, "send the private Hot-desking established/cancelled events");
ABSL_FLAG(std::string, allow_networks, "",
          "clients allowed to connect, e.g. 10.1.0.0/16,127.0.0.1; others are closed before any "
          "frame is read; empty: every client");
ABSL_FLAG(std::string, trusted_networks, "",
          "clients that may log in without a verified PIN and use the private services "
          "(Initiate/Cancel hot-desking), e.g. the T-Server's address; empty: none");
ABSL_FLAG(double, max_frames_per_second, 100,
          "frames a client may send per second after --max_frame_burst (more are answered "
          "resourceBusy); 0: no limit");
ABSL_FLAG(double, max_frame_burst, 2000, "frames a client may send at once (e.g. its MonitorStarts)");
ABSL_FLAG(std::string, tls_cert, "", "PEM certificate chain; with --tls_key enables TLS");
ABSL_FLAG(std::string, tls_key, "", "PEM private key");
ABSL_FLAG(std::string, tls_client_ca, "",
          "PEM CA certificate(s): clients must present a certificate they signed (mTLS)");
ABSL_FLAG(int, max_frame, 65535, "largest accepted frame in bytes, header included (9..65535)");
ABSL_FLAG(int, max_clients, 256, "concurrent client connections; more are refused");
ABSL_FLAG(int, max_monitors, 1000, "monitors per client");
ABSL_FLAG(int, max_queue_kb, 4096, "unsent data per client before it is dropped as too slow");
ABSL_FLAG(absl::Duration, idle_timeout, absl::Seconds(300),
          "close a client silent for this long (0: never)");
ABSL_FLAG(absl::Duration, heartbeat_interval, absl::Seconds(30),
          "send SystemStatus to each client this often (0: never)");
ABSL_FLAG(bool, status_on_connect, true, "send SystemStatus when a client connects");
ABSL_FLAG(absl::Duration, rpc_timeout, absl::Seconds(5),
          "deadline of each attempt of a call to hotdesk-server");
ABSL_FLAG(absl::Duration, rpc_retry_budget, absl::Seconds(20),
          "calls that find the core unavailable or slow are retried (changes with the same "
          "request id) until this long after the first attempt");
ABSL_FLAG(std::string, cursor_file, "",
          "file keeping the last event cursor, so a restarted gateway resumes where it stopped");
ABSL_FLAG(absl::Duration, restart_replay_window, absl::Seconds(30),
          "after a restart, replay changes made while down to monitors started within this time");
ABSL_FLAG(std::string, metrics_listen, "0.0.0.0:9465",
          "Prometheus /metrics address; empty disables");

namespace {

int Fail(const std::string& msg) {
  std::fprintf(stderr, "%s\n", msg.c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  hotdesk::InitProgram(argc, argv, "hotdesk-csta: CSTA XML (ECMA-323) gateway for hot desking.");

  hotdesk::csta::GatewayConfig c;
  c.listen = absl::GetFlag(FLAGS_listen);
  c.server = absl::GetFlag(FLAGS_server);
  auto core_auth = hotdesk::adapters::CoreAuthFromFlags();
  if (!core_auth.ok()) return Fail(std::string(core_auth.status().message()));
  c.core_auth = *core_auth;
  c.tenant = absl::GetFlag(FLAGS_tenant);
  if (auto p = hotdesk::TenantProblem(c.tenant); !p.empty()) return Fail("--tenant: " + p);
  std::string ns = absl::GetFlag(FLAGS_namespace);
  c.default_namespace = hotdesk::csta::NamespaceForEdition(ns);
  if (c.default_namespace.empty()) {
    if (!hotdesk::csta::IsCstaNamespace(ns))
      return Fail("--namespace: expected ed2..ed9 or an ECMA-323 CSTA namespace URI");
    c.default_namespace = ns;
  }
  c.private_namespace = absl::GetFlag(FLAGS_private_namespace);
  if (c.private_namespace.empty()) return Fail("--private_namespace: must not be empty");
  c.setagentstate_hotdesk = absl::GetFlag(FLAGS_setagentstate_hotdesk);
  c.check_password = absl::GetFlag(FLAGS_check_password);
  c.allow_unregistered_guests = absl::GetFlag(FLAGS_allow_unregistered_guests);
  std::string busy = absl::GetFlag(FLAGS_on_host_busy);
  if (busy != "reject" && busy != "replace") return Fail("--on_host_busy: expected reject|replace");
  c.reject_host_busy = busy == "reject";
  std::string elsewhere = absl::GetFlag(FLAGS_on_guest_elsewhere);
  if (elsewhere != "move" && elsewhere != "reject")
    return Fail("--on_guest_elsewhere: expected move|reject");
  c.reject_guest_elsewhere = elsewhere == "reject";
  c.private_already_associated_error = absl::GetFlag(FLAGS_private_already_associated_error);
  c.private_service_initiate = absl::GetFlag(FLAGS_private_service_initiate);
  c.private_service_cancel = absl::GetFlag(FLAGS_private_service_cancel);
  c.private_event_established = absl::GetFlag(FLAGS_private_event_established);
  c.private_event_cancelled = absl::GetFlag(FLAGS_private_event_cancelled);
  if (c.private_service_initiate == c.private_service_cancel)
    return Fail("--private_service_initiate and --private_service_cancel must differ");
  c.host_dn_key = absl::GetFlag(FLAGS_host_dn_key);
  if (c.host_dn_key.empty()) return Fail("--host_dn_key: must not be empty");
  c.report_host_dn = absl::GetFlag(FLAGS_report_host_dn);
  c.forwarding_events = absl::GetFlag(FLAGS_forwarding_events);
  c.private_events = absl::GetFlag(FLAGS_private_events);
  auto allow = hotdesk::adapters::NetworkList::Parse(absl::GetFlag(FLAGS_allow_networks),
                                                     "--allow_networks");
  if (!allow.ok()) return Fail(std::string(allow.status().message()));
  c.allow_networks = *allow;
  auto trusted = hotdesk::adapters::NetworkList::Parse(absl::GetFlag(FLAGS_trusted_networks),
                                                       "--trusted_networks");
  if (!trusted.ok()) return Fail(std::string(trusted.status().message()));
  c.trusted_networks = *trusted;
  c.max_frames_per_second = absl::GetFlag(FLAGS_max_frames_per_second);
  c.max_frame_burst = absl::GetFlag(FLAGS_max_frame_burst);
  if (c.max_frames_per_second < 0) return Fail("--max_frames_per_second: must not be negative");
  if (c.max_frame_burst < 1) return Fail("--max_frame_burst: at least 1");
  c.tls_cert = absl::GetFlag(FLAGS_tls_cert);
  c.tls_key = absl::GetFlag(FLAGS_tls_key);
  c.tls_client_ca = absl::GetFlag(FLAGS_tls_client_ca);
  int max_frame = absl::GetFlag(FLAGS_max_frame);
  if (max_frame < 9 || max_frame > 65535) return Fail("--max_frame: expected 9..65535");
  c.max_frame = static_cast<size_t>(max_frame);
  if (absl::GetFlag(FLAGS_max_clients) < 1) return Fail("--max_clients: must be positive");
  c.max_clients = static_cast<size_t>(absl::GetFlag(FLAGS_max_clients));
  if (absl::GetFlag(FLAGS_max_monitors) < 1) return Fail("--max_monitors: must be positive");
  c.max_monitors_per_client = static_cast<size_t>(absl::GetFlag(FLAGS_max_monitors));
  if (absl::GetFlag(FLAGS_max_queue_kb) < 64) return Fail("--max_queue_kb: at least 64");
  c.max_queue_bytes = static_cast<size_t>(absl::GetFlag(FLAGS_max_queue_kb)) * 1024;
  c.idle_timeout = absl::GetFlag(FLAGS_idle_timeout);
  c.heartbeat_interval = absl::GetFlag(FLAGS_heartbeat_interval);
  c.rpc_timeout = absl::GetFlag(FLAGS_rpc_timeout);
  c.rpc_retry_budget = absl::GetFlag(FLAGS_rpc_retry_budget);
  c.restart_replay_window = absl::GetFlag(FLAGS_restart_replay_window);
  if (c.idle_timeout < absl::ZeroDuration() || c.heartbeat_interval < absl::ZeroDuration() ||
      c.rpc_timeout <= absl::ZeroDuration() || c.restart_replay_window < absl::ZeroDuration() ||
      c.rpc_retry_budget < absl::ZeroDuration())
    return Fail(
        "--idle_timeout, --heartbeat_interval, --restart_replay_window, --rpc_retry_budget must "
        "not be negative; --rpc_timeout must be positive");
  c.status_on_connect = absl::GetFlag(FLAGS_status_on_connect);
  c.cursor_file = absl::GetFlag(FLAGS_cursor_file);
  c.metrics_listen = absl::GetFlag(FLAGS_metrics_listen);

  // Signals are taken synchronously by this thread, never in a handler.
  hotdesk::BlockTerminationSignals();

  hotdesk::csta::CstaServer server(c);
  if (absl::Status s = server.Start(); !s.ok()) {
    HD_LOG(kError, "cannot start").kv("error", s.message());
    return 1;
  }
  // Tests and scripts read the chosen port from this line on stdout.
  std::printf("listening on port %d\n", server.port());
  std::fflush(stdout);

  hotdesk::WaitForTermination();
  server.Shutdown();
  return 0;
}
