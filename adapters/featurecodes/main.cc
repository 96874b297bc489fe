// hotdesk-featurecodes: dial sessions for a PBX (gRPC + HTTP/JSON) and provisioning profiles for
// hot-desk phones, as a client of hotdesk-server.
#include <csignal>
#include <cstdio>
#include <iostream>

#include <grpcpp/grpcpp.h>
#include <prometheus/exposer.h>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "adapters/common/core_channel.h"
#include "adapters/common/core_flags.h"
#include "adapters/common/cursor_store.h"
#include "adapters/common/event_follower.h"
#include "adapters/featurecodes/core_client.h"
#include "adapters/featurecodes/credentials_file.h"
#include "adapters/featurecodes/dial_plan.h"
#include "adapters/featurecodes/dial_service.h"
#include "adapters/featurecodes/http_api.h"
#include "adapters/featurecodes/metrics.h"
#include "adapters/featurecodes/pbx_auth.h"
#include "adapters/featurecodes/provisioning.h"
#include "adapters/featurecodes/provisioning_access.h"
#include "adapters/featurecodes/reprovisioner.h"
#include "adapters/featurecodes/session_table.h"
#include "services/common/env_flags.h"
#include "services/common/log.h"
#include "services/common/metrics_exposer.h"
#include "services/common/process.h"
#include "services/core/ids.h"

ABSL_FLAG(std::string, server, "127.0.0.1:50051", "hotdesk-server address");
ABSL_FLAG(std::string, tenant, "default", "tenant served (Dial may name another)");
ABSL_FLAG(std::string, listen, "0.0.0.0:50061", "gRPC listen address (port 0 picks one)");
ABSL_FLAG(std::string, http_listen, "0.0.0.0:8080",
          "HTTP listen address for /v1/dial, /v1/pin, /provisioning (port 0 picks one)");
ABSL_FLAG(std::string, metrics_listen, "0.0.0.0:9467", "Prometheus /metrics; empty disables");
ABSL_FLAG(std::string, dialplan, "3cx", "3cx | portsip | path of a dial plan file");
ABSL_FLAG(std::vector<std::string>, emergency_numbers, std::vector<std::string>({"112", "911"}),
          "numbers an idle device may dial (added to the plan's own)");
ABSL_FLAG(absl::Duration, session_ttl, absl::Seconds(60), "how long a login waits for its PIN");
ABSL_FLAG(std::string, session_secret, "",
          "key that signs dial-session ids; the same on every replica (prefer "
          "HOTDESK_SESSION_SECRET); empty: random, sessions stay with this process");
ABSL_FLAG(std::string, notify_command, "",
          "program run on every profile change: <program> <mac> <shown ext> <idle|guest> <tenant>");
ABSL_FLAG(absl::Duration, notify_timeout, absl::Seconds(10), "the notify program's time limit");
ABSL_FLAG(std::string, template_dir, "", "folder of <model>.tmpl provisioning templates");
ABSL_FLAG(std::string, sip_server, "", "SIP server written into provisioning profiles");
ABSL_FLAG(std::vector<std::string>, pbx_auth_keys, {},
          "PEM or JWKS files of the token issuer's public keys: the PBX sends "
          "\"Authorization: Bearer <JWT>\" (role agent or above) to /v1/dial and /v1/pin");
ABSL_FLAG(std::string, pbx_credentials_file, "",
          "file of \"<user> <tenant> <argon2 hash>\" lines: the PBX may use HTTP Basic "
          "(hashes from --hash_secret; re-read when it changes)");
ABSL_FLAG(bool, insecure_pbx_no_auth, false,
          "let anyone who reaches the HTTP port use /v1/dial and /v1/pin (development only)");
ABSL_FLAG(std::string, provisioning_credentials_file, "",
          "file of \"<mac> <tenant> <argon2 hash>\" lines: each phone fetches its own profile "
          "with HTTP Basic (user = its MAC); re-read when it changes");
ABSL_FLAG(std::string, provisioning_allow_networks, "",
          "clients that may fetch any profile without credentials, e.g. 10.20.0.0/16 (the phones' "
          "VLAN) or the console's address");
ABSL_FLAG(bool, insecure_provisioning_open, false,
          "serve every provisioning profile to anyone who reaches the HTTP port (development only)");
ABSL_FLAG(int64_t, http_max_body_bytes, 16 * 1024, "largest HTTP request body (413 above)");
ABSL_FLAG(absl::Duration, http_read_timeout, absl::Seconds(10),
          "time an HTTP client may take to send its request");
ABSL_FLAG(bool, hash_secret, false,
          "read a secret from standard input, print its Argon2id hash for a credentials file, exit");
ABSL_FLAG(absl::Duration, core_timeout, absl::Seconds(5),
          "deadline of each attempt of a call to the server");
ABSL_FLAG(absl::Duration, core_retry_budget, absl::Seconds(10),
          "calls that find the server unavailable or slow are retried (changes with the same "
          "request id) until this long after the first attempt");

int main(int argc, char** argv) {
  using namespace hotdesk::featurecodes;
  hotdesk::InitProgram(
      argc, argv,
      "hotdesk-featurecodes: PBX feature codes (login/logout by dialling), dial sessions over "
      "gRPC and HTTP, provisioning profiles.");
  if (absl::GetFlag(FLAGS_hash_secret)) {
    std::string secret;
    std::getline(std::cin, secret);
    if (secret.empty()) {
      std::fprintf(stderr, "--hash_secret: no secret on standard input\n");
      return 2;
    }
    auto hash = CredentialsFile::Hash(secret);
    if (!hash.ok()) {
      std::fprintf(stderr, "--hash_secret: %s\n", std::string(hash.status().message()).c_str());
      return 1;
    }
    std::printf("%s\n", hash->c_str());
    return 0;
  }
  std::string tenant = absl::GetFlag(FLAGS_tenant);
  if (auto p = hotdesk::TenantProblem(tenant); !p.empty()) {
    std::fprintf(stderr, "--tenant: %s\n", p.c_str());
    return 2;
  }
  if (absl::GetFlag(FLAGS_session_ttl) <= absl::ZeroDuration()) {
    std::fprintf(stderr, "--session_ttl must be positive\n");
    return 2;
  }

  std::vector<std::string> emergency;
  for (const auto& n : absl::GetFlag(FLAGS_emergency_numbers))
    if (!n.empty()) emergency.push_back(n);
  auto plan = LoadDialPlan(absl::GetFlag(FLAGS_dialplan), emergency);
  if (!plan.ok()) {
    std::fprintf(stderr, "--dialplan: %s\n", std::string(plan.status().message()).c_str());
    return 2;
  }
  HD_LOG(kInfo, "dial plan loaded")
      .kv("plan", plan->name)
      .kv("login", DialPlan::Display(plan->login))
      .kv("logout", DialPlan::Display(plan->logout))
      .kv("emergency", absl::StrJoin(plan->emergency_numbers, ","));

  PbxAuthConfig pbx_config;
  pbx_config.key_files = absl::GetFlag(FLAGS_pbx_auth_keys);
  pbx_config.credentials_file = absl::GetFlag(FLAGS_pbx_credentials_file);
  pbx_config.insecure_no_auth = absl::GetFlag(FLAGS_insecure_pbx_no_auth);
  auto pbx_auth = PbxAuth::Create(pbx_config);
  if (!pbx_auth.ok()) {
    std::fprintf(stderr, "%s\n", std::string(pbx_auth.status().message()).c_str());
    return 2;
  }
  if (!(*pbx_auth)->enabled()) {
    HD_LOG(kWarn, "--insecure_pbx_no_auth: ANYONE who reaches the HTTP port may log desks in and "
                  "out in any tenant; development only");
  }
  ProvisioningAccessConfig provisioning_config;
  provisioning_config.credentials_file = absl::GetFlag(FLAGS_provisioning_credentials_file);
  provisioning_config.allow_networks = absl::GetFlag(FLAGS_provisioning_allow_networks);
  provisioning_config.open = absl::GetFlag(FLAGS_insecure_provisioning_open);
  auto provisioning_access = ProvisioningAccess::Create(provisioning_config, tenant);
  if (!provisioning_access.ok()) {
    std::fprintf(stderr, "%s\n", std::string(provisioning_access.status().message()).c_str());
    return 2;
  }
  if ((*provisioning_access)->open()) {
    HD_LOG(kWarn, "--insecure_provisioning_open: ANYONE who reaches the HTTP port may read every "
                  "phone's profile; development only");
  }
  HttpLimits http_limits;
  if (absl::GetFlag(FLAGS_http_max_body_bytes) < 256) {
    std::fprintf(stderr, "--http_max_body_bytes: at least 256\n");
    return 2;
  }
  http_limits.max_body_bytes = static_cast<size_t>(absl::GetFlag(FLAGS_http_max_body_bytes));
  http_limits.read_timeout = absl::GetFlag(FLAGS_http_read_timeout);
  if (http_limits.read_timeout < absl::Milliseconds(100)) {
    std::fprintf(stderr, "--http_read_timeout: at least 100ms\n");
    return 2;
  }

  hotdesk::BlockTerminationSignals();

  Metrics metrics;
  auto exposer = hotdesk::ServeMetrics(absl::GetFlag(FLAGS_metrics_listen), metrics.registry());
  if (!exposer.ok()) {
    HD_LOG(kError, "cannot serve metrics").kv("error", exposer.status().message());
    return 1;
  }

  if (absl::GetFlag(FLAGS_core_timeout) <= absl::ZeroDuration() ||
      absl::GetFlag(FLAGS_core_retry_budget) < absl::ZeroDuration()) {
    std::fprintf(stderr, "--core_timeout must be positive, --core_retry_budget not negative\n");
    return 2;
  }
  auto core_auth = hotdesk::adapters::CoreAuthFromFlags();
  if (!core_auth.ok()) {
    std::fprintf(stderr, "%s\n", std::string(core_auth.status().message()).c_str());
    return 2;
  }
  auto core_channel = hotdesk::adapters::CreateCoreChannel({absl::GetFlag(FLAGS_server), *core_auth});
  if (!core_channel.ok()) {
    std::fprintf(stderr, "%s\n", std::string(core_channel.status().message()).c_str());
    return 2;
  }
  std::shared_ptr<grpc::Channel> channel = *core_channel;
  HD_LOG(kInfo, "core channel")
      .kv("server", absl::GetFlag(FLAGS_server))
      .kv("auth", hotdesk::adapters::DescribeCoreAuth(*core_auth));
  CoreClient core(channel,
                  {absl::GetFlag(FLAGS_core_timeout), absl::GetFlag(FLAGS_core_retry_budget)});
  SessionTable sessions(absl::GetFlag(FLAGS_session_ttl), absl::GetFlag(FLAGS_session_secret));
  ProfileRenderer renderer(absl::GetFlag(FLAGS_template_dir), absl::GetFlag(FLAGS_sip_server));
  Reprovisioner reprovisioner(&core, &renderer, &metrics, absl::GetFlag(FLAGS_notify_command),
                              absl::GetFlag(FLAGS_notify_timeout));
  DialService dial(&core, *plan, &sessions, &metrics, tenant);
  // Every change re-renders its device's profile; the current associations at start only prime
  // the profiles (no notices). Profiles are rendered from the core on request, so a restart needs
  // no stored cursor.
  hotdesk::adapters::NullCursorStore cursor_store;
  hotdesk::adapters::FollowerCallbacks follow;
  follow.on_baseline = [&](const std::vector<hotdesk::v1::Association>& all, const std::string&) {
    for (const auto& a : all) reprovisioner.OnChange(tenant, a.host(), /*prime=*/true);
    HD_LOG(kInfo, "following association events").kv("tenant", tenant);
  };
  follow.on_event = [&](const hotdesk::adapters::Delivery& d) {
    metrics.events().Increment();
    reprovisioner.OnChange(tenant, d.event.association().host(), /*prime=*/false);
    return absl::OkStatus();
  };
  hotdesk::adapters::FollowerOptions follow_options;
  follow_options.tenant = tenant;
  hotdesk::adapters::EventFollower follower(channel, &cursor_store, follow_options, follow);
  follower.Start();

  FeatureCodesGrpc grpc_service(&dial, pbx_auth->get(), tenant);
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  int grpc_port = 0;
  builder.AddListeningPort(absl::GetFlag(FLAGS_listen), grpc::InsecureServerCredentials(),
                           &grpc_port);
  builder.RegisterService(&grpc_service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server || grpc_port == 0) {
    HD_LOG(kError, "cannot listen").kv("addr", absl::GetFlag(FLAGS_listen));
    return 1;
  }
  HttpApi http(&dial, &reprovisioner, pbx_auth->get(), provisioning_access->get(), tenant,
               http_limits);
  auto http_port = http.Start(absl::GetFlag(FLAGS_http_listen));
  if (!http_port.ok()) {
    HD_LOG(kError, "cannot start HTTP").kv("error", http_port.status().message());
    return 1;
  }
  // Changes made right after start-up should already be seen: wait (briefly) for the watch.
  if (!follower.WaitSynced(absl::Seconds(5))) {
    HD_LOG(kWarn, "event stream not ready yet; re-provision notices start when it is");
  }

  std::thread sweeper;
  std::mutex stop_mu;
  std::condition_variable stop_cv;
  bool stopping = false;
  sweeper = std::thread([&] {
    std::unique_lock<std::mutex> lock(stop_mu);
    while (!stop_cv.wait_for(lock, std::chrono::seconds(1), [&] { return stopping; })) {
      if (int n = sessions.Sweep(); n > 0) {
        HD_LOG(kDebug, "dial sessions expired").kv("count", n);
      }
      metrics.sessions().Set(static_cast<double>(sessions.size()));
    }
  });

  HD_LOG(kInfo, "hotdesk-featurecodes listening")
      .kv("grpc_port", grpc_port)
      .kv("http_port", *http_port)
      .kv("server", absl::GetFlag(FLAGS_server))
      .kv("tenant", tenant);
  std::printf("listening on port %d\nhttp listening on port %d\n", grpc_port, *http_port);
  std::fflush(stdout);

  hotdesk::WaitForTermination();
  {
    std::lock_guard<std::mutex> lock(stop_mu);
    stopping = true;
  }
  stop_cv.notify_all();
  sweeper.join();
  core.CancelCalls();
  follower.Stop();
  http.Stop();
  // Calls here are short; one second is plenty for any in flight.
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
  HD_LOG(kInfo, "stopped");
  return 0;
}
