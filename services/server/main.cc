// hotdesk-server: flags (or HOTDESK_* environment variables) -> ServerConfig -> HotdeskServer.
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/numbers.h"
#include "absl/synchronization/mutex.h"
#include "services/common/env_flags.h"
#include "services/common/log.h"
#include "services/common/process.h"
#include "services/redis/redis_flags.h"
#include "services/server/server.h"

ABSL_FLAG(std::string, listen, "0.0.0.0:50051", "gRPC listen address (port 0 picks a free port)");
ABSL_FLAG(std::string, metrics_listen, "0.0.0.0:9464",
          "Prometheus /metrics listen address; empty disables");
ABSL_FLAG(std::string, health_listen, "",
          "plaintext address serving only grpc.health.v1, for probes that cannot use TLS (port 0 "
          "picks one); empty: none");
ABSL_FLAG(std::string, store, "redis", "redis | memory (memory: demos only, not shared)");
ABSL_FLAG(std::string, key_prefix, "hotdesk", "prefix of every Redis key");
ABSL_FLAG(int64_t, stream_retention, 100000, "events kept per tenant stream (approximate)");
ABSL_FLAG(absl::Duration, request_id_ttl, absl::Hours(24), "how long request_ids are remembered");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(20),
          "on SIGTERM, time for in-flight calls to finish");
ABSL_FLAG(absl::Duration, sweep_interval, absl::Seconds(1), "expiry sweep period");
ABSL_FLAG(absl::Duration, expiry_reconcile_interval, absl::Minutes(5),
          "how often a replica rebuilds the expiry work list from every tenant's expiries (so a "
          "lost write or a crashed sweeper delays an expiry by at most this)");
ABSL_FLAG(absl::Duration, min_association_limit, absl::Hours(1),
          "shortest association limit accepted (tests lower it)");
ABSL_FLAG(int, watch_ring_size, 4096,
          "live events kept in memory per watched tenant; watchers further behind read Redis");
ABSL_FLAG(int, max_watchers_per_caller, hotdesk::WatchLimitsConfig{}.per_caller,
          "open WatchEvents streams allowed per caller (peer address) on this replica");
ABSL_FLAG(int, max_watchers_per_tenant, hotdesk::WatchLimitsConfig{}.per_tenant,
          "open WatchEvents streams allowed per tenant on this replica");
ABSL_FLAG(bool, enable_bench_service, false, "serve hotdesk.v1.Bench/Ping for hotdesk-bench");
ABSL_FLAG(int, pin_max_attempts, 3, "consecutive wrong PINs before a guest is locked");
ABSL_FLAG(absl::Duration, pin_lockout, absl::Minutes(15),
          "how long a locked guest stays locked the first time; doubled at each further lockout "
          "until a correct PIN");
ABSL_FLAG(absl::Duration, pin_max_lockout, absl::Hours(24), "longest lockout");
ABSL_FLAG(int, pin_budget_per_source, 30,
          "wrong PINs (or unknown guests) one caller (and origin) may try per --pin_budget_window "
          "in a tenant; 0: no limit");
ABSL_FLAG(int, pin_budget_per_tenant, 100,
          "wrong PINs all callers together may try per --pin_budget_window in a tenant; 0: no "
          "limit");
ABSL_FLAG(absl::Duration, pin_budget_window, absl::Minutes(1), "window of the PIN budgets");
ABSL_FLAG(int, pin_hash_queue, 64, "PIN hashes/checks that may wait for a worker; more are refused");
ABSL_FLAG(std::string, pin_hash_cost, "interactive",
          "PIN hash (Argon2id) cost: interactive | moderate | min");
ABSL_FLAG(int, pin_hash_threads, 2, "threads that hash and check PINs");
ABSL_FLAG(bool, insecure_no_auth, false,
          "serve without authentication: anyone who reaches the port may do anything (local "
          "development only; logged as a warning at every start)");
ABSL_FLAG(std::vector<std::string>, auth_keys, {},
          "comma-separated PEM (public keys or certificates) or JWKS files of the token "
          "issuer's keys; re-read when they change");
ABSL_FLAG(std::string, auth_audience, "", "required token audience (aud), if set");
ABSL_FLAG(std::string, auth_issuer, "", "required token issuer (iss), if set");
ABSL_FLAG(int, auth_cache_size, 4096, "verified tokens remembered (LRU)");
ABSL_FLAG(std::string, tls_cert, "", "PEM certificate chain of this server; enables TLS");
ABSL_FLAG(std::string, tls_key, "", "PEM private key of --tls_cert");
ABSL_FLAG(std::string, tls_client_ca, "",
          "PEM CA certificate(s): require clients to present a certificate they signed (mTLS)");
ABSL_FLAG(bool, enable_reflection, false,
          "serve gRPC server reflection (lists every service; for development)");
ABSL_FLAG(absl::Duration, testonly_clock_offset, absl::ZeroDuration(),
          "tests only: run this replica's clock this far from the machine's");

int main(int argc, char** argv) {
  hotdesk::InitProgram(argc, argv,
                       "hotdesk-server: host/guest associations in Redis with an event stream.");
  // gRPC locks absl::Mutex on every call; Debian's abseil tracks lock order for deadlock
  // detection by default, which costs measurable CPU per request.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);

  hotdesk::ServerConfig config;
  config.listen = absl::GetFlag(FLAGS_listen);
  config.metrics_listen = absl::GetFlag(FLAGS_metrics_listen);
  config.health_listen = absl::GetFlag(FLAGS_health_listen);
  config.store = absl::GetFlag(FLAGS_store);
  if (config.store != "redis" && config.store != "memory") {
    std::fprintf(stderr, "--store: expected redis|memory\n");
    return 2;
  }
  auto redis = hotdesk::RedisConfigFromFlags();
  if (!redis.ok()) {
    std::fprintf(stderr, "%s\n", std::string(redis.status().message()).c_str());
    return 2;
  }
  config.redis = *redis;
  config.redis.client_name = "hotdesk-server";
  config.redis_store.prefix = absl::GetFlag(FLAGS_key_prefix);
  config.redis_store.stream_retention = absl::GetFlag(FLAGS_stream_retention);
  config.redis_store.request_id_ttl = absl::GetFlag(FLAGS_request_id_ttl);
  config.shutdown_grace = absl::GetFlag(FLAGS_shutdown_grace);
  config.sweep_interval = absl::GetFlag(FLAGS_sweep_interval);
  config.redis_store.expiry.reconcile_interval = absl::GetFlag(FLAGS_expiry_reconcile_interval);
  config.limits.min_duration = absl::GetFlag(FLAGS_min_association_limit);
  config.enable_bench_service = absl::GetFlag(FLAGS_enable_bench_service);
  if (absl::GetFlag(FLAGS_watch_ring_size) < 1) {
    std::fprintf(stderr, "--watch_ring_size must be positive\n");
    return 2;
  }
  config.ring_size = static_cast<size_t>(absl::GetFlag(FLAGS_watch_ring_size));
  config.watch_limits.per_caller = absl::GetFlag(FLAGS_max_watchers_per_caller);
  config.watch_limits.per_tenant = absl::GetFlag(FLAGS_max_watchers_per_tenant);
  if (config.watch_limits.per_caller < 1 || config.watch_limits.per_tenant < 1) {
    std::fprintf(stderr, "--max_watchers_per_caller and --max_watchers_per_tenant must be positive\n");
    return 2;
  }
  config.pin_limits.max_attempts = absl::GetFlag(FLAGS_pin_max_attempts);
  config.pin_limits.lockout = absl::GetFlag(FLAGS_pin_lockout);
  config.pin_limits.max_lockout = absl::GetFlag(FLAGS_pin_max_lockout);
  config.pin_limits.per_source = absl::GetFlag(FLAGS_pin_budget_per_source);
  config.pin_limits.per_tenant = absl::GetFlag(FLAGS_pin_budget_per_tenant);
  config.pin_limits.window = absl::GetFlag(FLAGS_pin_budget_window);
  config.pin_hash_cost = absl::GetFlag(FLAGS_pin_hash_cost);
  config.pin_hash_threads = absl::GetFlag(FLAGS_pin_hash_threads);
  config.testonly_clock_offset = absl::GetFlag(FLAGS_testonly_clock_offset);
  if (config.pin_limits.max_attempts < 1 || config.pin_limits.lockout <= absl::ZeroDuration() ||
      config.pin_limits.max_lockout < config.pin_limits.lockout || config.pin_hash_threads < 1 ||
      absl::GetFlag(FLAGS_pin_hash_queue) < 1 ||
      config.pin_limits.window <= absl::ZeroDuration() || config.pin_limits.per_source < 0 ||
      config.pin_limits.per_tenant < 0) {
    std::fprintf(stderr,
                 "--pin_max_attempts, --pin_lockout, --pin_hash_threads, --pin_hash_queue and "
                 "--pin_budget_window must be positive, --pin_max_lockout at least --pin_lockout, "
                 "the budgets not negative\n");
    return 2;
  }
  config.pin_hash_queue = static_cast<size_t>(absl::GetFlag(FLAGS_pin_hash_queue));
  if (config.redis_store.stream_retention < 1 || config.sweep_interval <= absl::ZeroDuration() ||
      config.redis_store.expiry.reconcile_interval <= absl::ZeroDuration()) {
    std::fprintf(stderr,
                 "--stream_retention, --sweep_interval and --expiry_reconcile_interval must be "
                 "positive\n");
    return 2;
  }

  config.insecure_no_auth = absl::GetFlag(FLAGS_insecure_no_auth);
  for (const auto& f : absl::GetFlag(FLAGS_auth_keys)) {
    if (!f.empty()) config.auth.key_files.push_back(f);
  }
  config.auth.audience = absl::GetFlag(FLAGS_auth_audience);
  config.auth.issuer = absl::GetFlag(FLAGS_auth_issuer);
  if (absl::GetFlag(FLAGS_auth_cache_size) < 1) {
    std::fprintf(stderr, "--auth_cache_size must be positive\n");
    return 2;
  }
  config.auth.cache_size = static_cast<size_t>(absl::GetFlag(FLAGS_auth_cache_size));
  config.tls.cert_file = absl::GetFlag(FLAGS_tls_cert);
  config.tls.key_file = absl::GetFlag(FLAGS_tls_key);
  config.tls.client_ca_file = absl::GetFlag(FLAGS_tls_client_ca);
  config.enable_reflection = absl::GetFlag(FLAGS_enable_reflection);

  // Signals are taken synchronously by a waiting thread, never in a handler.
  hotdesk::BlockTerminationSignals();

  hotdesk::HotdeskServer server(config);
  if (absl::Status s = server.Start(); !s.ok()) {
    HD_LOG(kError, "cannot start").kv("error", s.message());
    return s.code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
  }
  // Tests and scripts read the chosen port from this line on stdout.
  std::printf("listening on port %d\n", server.port());
  if (server.health_port() != 0) std::printf("health only on port %d\n", server.health_port());
  std::fflush(stdout);

  hotdesk::WaitForTermination();
  server.Shutdown();
  server.Wait();
  HD_LOG(kInfo, "stopped");
  // Everything is stopped and flushed; skip the library teardown at exit (gRPC's can take
  // seconds) so that a rolling update or a test moves on at once.
  std::fflush(stdout);
  std::fflush(stderr);
  _exit(0);
}
