// hotdesk-web: the HTTP/JSON API and the admin console, as a gRPC client of hotdesk-server that
// forwards each caller's bearer token (authentication and authorization stay in the core).
#include <cstdio>

#include <prometheus/exposer.h>

#include "absl/flags/flag.h"
#include "adapters/common/core_flags.h"
#include "adapters/web/adapter_health.h"
#include "adapters/web/core_channel.h"
#include "adapters/web/metrics.h"
#include "adapters/web/web_server.h"
#include "services/common/log.h"
#include "services/common/metrics_exposer.h"
#include "services/common/process.h"

ABSL_FLAG(std::string, server, "127.0.0.1:50051", "hotdesk-server address");
ABSL_FLAG(std::string, server_tls_ca, "",
          "older name of --core_tls_ca: PEM CA of hotdesk-server's certificate");
ABSL_FLAG(std::string, listen, "0.0.0.0:8088", "HTTP listen address (port 0 picks one)");
ABSL_FLAG(std::string, tls_cert, "", "PEM certificate: serve HTTPS (cookies become Secure)");
ABSL_FLAG(std::string, tls_key, "", "PEM private key of --tls_cert");
ABSL_FLAG(std::string, metrics_listen, "0.0.0.0:9468", "Prometheus /metrics; empty disables");
ABSL_FLAG(absl::Duration, core_timeout, absl::Seconds(10), "deadline of each call to the server");
ABSL_FLAG(int64_t, max_body_bytes, 64 * 1024, "largest request body accepted (413 above)");
ABSL_FLAG(absl::Duration, read_timeout, absl::Seconds(10),
          "time a client may take to send its request");
ABSL_FLAG(absl::Duration, sse_heartbeat, absl::Seconds(15),
          "longest silence on an event stream (a comment keeps proxies from closing it)");
ABSL_FLAG(int32_t, http_threads, 64, "HTTP worker threads (each open event stream holds one)");
ABSL_FLAG(std::string, session_secret, "",
          "key sealing console session cookies; the same on every replica (prefer "
          "HOTDESK_SESSION_SECRET); empty: random, sessions stay with this process");
ABSL_FLAG(absl::Duration, session_ttl, absl::Hours(12),
          "longest console session (never beyond the token's own expiry)");
ABSL_FLAG(std::string, featurecodes_url, "",
          "http://host:port of hotdesk-featurecodes, for the provisioning profile preview");
ABSL_FLAG(std::string, adapters, "",
          "adapters whose health the console shows: name=http://host:port/path,...");

int main(int argc, char** argv) {
  using namespace hotdesk::web;
  hotdesk::InitProgram(argc, argv,
                       "hotdesk-web: HTTP/JSON API (with Server-Sent Events) and admin console "
                       "in front of hotdesk-server.");
  WebConfig config;
  config.listen = absl::GetFlag(FLAGS_listen);
  config.tls_cert = absl::GetFlag(FLAGS_tls_cert);
  config.tls_key = absl::GetFlag(FLAGS_tls_key);
  config.core_timeout = absl::GetFlag(FLAGS_core_timeout);
  config.read_timeout = absl::GetFlag(FLAGS_read_timeout);
  config.sse_heartbeat = absl::GetFlag(FLAGS_sse_heartbeat);
  config.http_threads = absl::GetFlag(FLAGS_http_threads);
  config.session_secret = absl::GetFlag(FLAGS_session_secret);
  config.session_ttl = absl::GetFlag(FLAGS_session_ttl);
  config.featurecodes_url = absl::GetFlag(FLAGS_featurecodes_url);
  int64_t max_body = absl::GetFlag(FLAGS_max_body_bytes);
  auto fail = [](const char* what) {
    std::fprintf(stderr, "%s\n", what);
    return 2;
  };
  if (max_body < 1) return fail("--max_body_bytes must be positive");
  config.max_body_bytes = static_cast<size_t>(max_body);
  if (config.core_timeout <= absl::ZeroDuration()) return fail("--core_timeout must be positive");
  if (config.read_timeout < absl::Seconds(1)) return fail("--read_timeout must be at least 1s");
  if (config.sse_heartbeat < absl::Milliseconds(100))
    return fail("--sse_heartbeat must be at least 100ms");
  if (config.http_threads < 2) return fail("--http_threads must be at least 2");
  if (config.session_ttl < absl::Minutes(1)) return fail("--session_ttl must be at least 1m");
  if (!config.featurecodes_url.empty() && config.featurecodes_url.rfind("http://", 0) != 0)
    return fail("--featurecodes_url: expected http://host:port");
  auto adapters = ParseAdapterTargets(absl::GetFlag(FLAGS_adapters));
  if (!adapters.ok()) return fail(std::string(adapters.status().message()).c_str());
  config.adapters = *adapters;
  if (config.session_secret.empty())
    HD_LOG(kInfo, "no --session_secret: console sessions work only with this process");

  hotdesk::BlockTerminationSignals();
  Metrics metrics;
  auto exposer = hotdesk::ServeMetrics(absl::GetFlag(FLAGS_metrics_listen), metrics.registry());
  if (!exposer.ok()) {
    HD_LOG(kError, "cannot serve metrics").kv("error", exposer.status().message());
    return 1;
  }

  // TLS towards the core as every adapter configures it; a token of its own makes no sense here:
  // each call carries the token of the user it serves, so the core judges that user.
  if (hotdesk::adapters::CoreTokenFlagsGiven())
    return fail("--core_token/--core_token_file: hotdesk-web forwards each signed-in user's "
                "token and has none of its own");
  auto core_auth = hotdesk::adapters::CoreAuthFromFlags();
  if (!core_auth.ok()) return fail(std::string(core_auth.status().message()).c_str());
  CoreChannelConfig core{absl::GetFlag(FLAGS_server), core_auth->tls};
  if (!absl::GetFlag(FLAGS_server_tls_ca).empty()) {
    if (!core.tls.ca_file.empty()) return fail("--server_tls_ca: give --core_tls_ca only");
    core.tls.enabled = true;
    core.tls.ca_file = absl::GetFlag(FLAGS_server_tls_ca);
  }
  auto channel = CreateCoreChannel(core);
  if (!channel.ok()) return fail(std::string(channel.status().message()).c_str());
  WebServer web(config, *channel, &metrics);
  auto port = web.Start();
  if (!port.ok()) {
    HD_LOG(kError, "cannot start").kv("error", port.status().message());
    return 1;
  }
  int metrics_port = *exposer ? static_cast<int>((*exposer)->GetListeningPorts().front()) : 0;
  HD_LOG(kInfo, "hotdesk-web listening")
      .kv("port", *port)
      .kv("metrics_port", metrics_port)
      .kv("server", absl::GetFlag(FLAGS_server))
      .kv("tls", config.tls_cert.empty() ? "off" : "on");
  std::printf("http listening on port %d\nmetrics listening on port %d\n", *port, metrics_port);
  std::fflush(stdout);

  hotdesk::WaitForTermination();
  web.Stop();
  HD_LOG(kInfo, "stopped");
  return 0;
}
