#include "services/redis/redis_flags.h"

#include "services/common/secret.h"

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

ABSL_FLAG(std::string, redis_addr, "127.0.0.1:6379",
          "one Redis: host:port (ignored with --redis_sentinels or --redis_cluster_nodes)");
ABSL_FLAG(std::string, redis_sentinels, "",
          "Sentinel mode: comma-separated sentinel host:port list (needs --redis_master_name)");
ABSL_FLAG(std::string, redis_master_name, "", "Sentinel mode: the monitored primary's name");
ABSL_FLAG(std::string, redis_cluster_nodes, "",
          "Cluster mode: comma-separated host:port of any cluster nodes (the rest is discovered)");
ABSL_FLAG(std::string, redis_username, "", "Redis ACL user (empty: the default user)");
ABSL_FLAG(std::string, redis_password_file, "",
          "file holding the Redis password (else HOTDESK_REDIS_PASSWORD; never on a command line, "
          "where every user of the machine can read it)");
ABSL_FLAG(std::string, redis_sentinel_username, "", "Sentinel ACL user");
ABSL_FLAG(std::string, redis_sentinel_password_file, "",
          "file holding the Sentinel password (else HOTDESK_REDIS_SENTINEL_PASSWORD)");
ABSL_FLAG(int, redis_db, 0, "Redis database number (not in cluster mode)");
ABSL_FLAG(int, redis_connections, 2, "Redis request connections per primary (pipelined)");
ABSL_FLAG(int, redis_wait_replicas, 0,
          "durability option: acknowledge a change only once this many replicas have it "
          "(WAIT after each mutation); 0 = off");
ABSL_FLAG(absl::Duration, redis_wait_timeout, absl::Milliseconds(500),
          "how long a mutation waits for --redis_wait_replicas before failing UNAVAILABLE");
ABSL_FLAG(absl::Duration, redis_failover_wait, absl::Seconds(1),
          "how long a request waits for a primary to come (back) before failing UNAVAILABLE");

namespace hotdesk {
namespace {

absl::Status Bad(const char* flag, const std::string& why) {
  return absl::InvalidArgumentError(absl::StrCat("--", flag, ": ", why));
}

absl::StatusOr<std::vector<RedisNodeAddr>> ParseList(const char* flag, const std::string& text) {
  std::vector<RedisNodeAddr> out;
  for (absl::string_view part : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    auto addr = ParseNodeAddr(absl::StripAsciiWhitespace(part));
    if (!addr) return Bad(flag, absl::StrCat("expected host:port, got '", part, "'"));
    out.push_back(*addr);
  }
  if (out.empty()) return Bad(flag, "expected at least one host:port");
  return out;
}

}  // namespace

absl::StatusOr<RedisConfig> RedisConfigFromFlags() {
  RedisConfig c;
  std::string sentinels = absl::GetFlag(FLAGS_redis_sentinels);
  std::string cluster = absl::GetFlag(FLAGS_redis_cluster_nodes);
  if (!sentinels.empty() && !cluster.empty())
    return Bad("redis_sentinels", "cannot be combined with --redis_cluster_nodes");
  if (!sentinels.empty()) {
    c.mode = RedisConfig::Mode::kSentinel;
    auto list = ParseList("redis_sentinels", sentinels);
    if (!list.ok()) return list.status();
    c.nodes = *list;
    c.master_name = absl::GetFlag(FLAGS_redis_master_name);
    if (c.master_name.empty()) return Bad("redis_master_name", "required with --redis_sentinels");
  } else if (!cluster.empty()) {
    c.mode = RedisConfig::Mode::kCluster;
    auto list = ParseList("redis_cluster_nodes", cluster);
    if (!list.ok()) return list.status();
    c.nodes = *list;
  } else {
    auto addr = ParseNodeAddr(absl::GetFlag(FLAGS_redis_addr));
    if (!addr) return Bad("redis_addr", "expected host:port");
    c.host = addr->host;
    c.port = addr->port;
  }
  c.username = absl::GetFlag(FLAGS_redis_username);
  auto password = ReadSecret(absl::GetFlag(FLAGS_redis_password_file), "--redis_password_file",
                             "HOTDESK_REDIS_PASSWORD");
  if (!password.ok()) return password.status();
  c.password = *password;
  c.sentinel_username = absl::GetFlag(FLAGS_redis_sentinel_username);
  auto sentinel_password =
      ReadSecret(absl::GetFlag(FLAGS_redis_sentinel_password_file),
                 "--redis_sentinel_password_file", "HOTDESK_REDIS_SENTINEL_PASSWORD");
  if (!sentinel_password.ok()) return sentinel_password.status();
  c.sentinel_password = *sentinel_password;
  c.db = absl::GetFlag(FLAGS_redis_db);
  if (c.db != 0 && c.mode == RedisConfig::Mode::kCluster)
    return Bad("redis_db", "Redis Cluster has only database 0");
  c.connections = absl::GetFlag(FLAGS_redis_connections);
  if (c.connections < 1) return Bad("redis_connections", "must be positive");
  c.wait_replicas = absl::GetFlag(FLAGS_redis_wait_replicas);
  if (c.wait_replicas < 0) return Bad("redis_wait_replicas", "must not be negative");
  c.wait_timeout = absl::GetFlag(FLAGS_redis_wait_timeout);
  if (c.wait_timeout <= absl::ZeroDuration()) return Bad("redis_wait_timeout", "must be positive");
  c.failover_wait = absl::GetFlag(FLAGS_redis_failover_wait);
  if (c.failover_wait < absl::ZeroDuration())
    return Bad("redis_failover_wait", "must not be negative");
  return c;
}

}  // namespace hotdesk
