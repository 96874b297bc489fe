// hotdesk-server configuration, parsed from flags in main and passed down.
#pragma once

#include <string>

#include "absl/time/time.h"
#include "services/auth/tls.h"
#include "services/auth/token_verifier.h"
#include "services/core/commands.h"
#include "services/directory/directory_store.h"
#include "services/redis/redis_client.h"
#include "services/server/watch_limits.h"
#include "services/store/redis/redis_store.h"

namespace hotdesk {

struct ServerConfig {
  std::string listen = "0.0.0.0:50051";
  std::string metrics_listen = "0.0.0.0:9464";  // empty: no metrics endpoint
  // Plaintext port serving only grpc.health.v1 (kubelet probes cannot speak TLS or present a
  // client certificate); empty: none.
  std::string health_listen;
  std::string store = "redis";                  // redis | memory
  RedisConfig redis;
  RedisStoreOptions redis_store;
  LimitRules limits;
  absl::Duration shutdown_grace = absl::Seconds(20);
  absl::Duration sweep_interval = absl::Seconds(1);
  size_t ring_size = 4096;  // live events kept in memory per watched tenant
  WatchLimitsConfig watch_limits;
  bool enable_bench_service = false;
  // Authentication: tokens are verified with `auth` (its key_files), unless insecure_no_auth,
  // which lets every caller do everything (development only; logged loudly at every start).
  bool insecure_no_auth = false;
  auth::VerifierOptions auth;
  auth::ServerTlsOptions tls;  // no cert_file: plaintext
  // gRPC server reflection (lists every service and message): for development.
  bool enable_reflection = false;
  // Guests: PIN lockout and the budgets of wrong PINs per caller and per tenant.
  PinLimits pin_limits;
  // Guests: PIN hashing (libsodium Argon2id): interactive | moderate | min, on this many threads.
  std::string pin_hash_cost = "interactive";
  int pin_hash_threads = 2;
  size_t pin_hash_queue = 64;  // PIN hashes waiting for a worker; more are refused
  // Tests only: this replica's clock runs this far from the machine's (a replica whose clock
  // disagrees with Redis).
  absl::Duration testonly_clock_offset;
};

}  // namespace hotdesk
