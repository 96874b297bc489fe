// hotdesk-xsp: the BroadWorks XSP bridge of one tenant. Flags (or HOTDESK_* environment
// variables) -> BridgeConfig -> Outbound (hotdesk -> Xsi-Actions) + Inbound (Xsi-Events ->
// hotdesk) + the ops HTTP port. Run one active instance per tenant: it owns the event channel;
// failover is a restart elsewhere, which resumes from the cursor in Redis.
#include <csignal>
#include <cstdio>

#include <grpcpp/grpcpp.h>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "adapters/common/core_channel.h"
#include "adapters/common/core_flags.h"
#include "adapters/xsp/bridge/inbound.h"
#include "adapters/xsp/bridge/ops_server.h"
#include "adapters/xsp/bridge/outbound.h"
#include "services/common/env_flags.h"
#include "services/common/json_escape.h"
#include "services/common/log.h"
#include "services/common/process.h"
#include "services/core/ids.h"
#include "services/redis/redis_flags.h"

ABSL_FLAG(std::string, server, "127.0.0.1:50051", "hotdesk-server gRPC address");
ABSL_FLAG(std::string, tenant, "", "tenant this bridge serves (required)");
ABSL_FLAG(std::string, xsp_url, "",
          "Xsi-Actions base URL, e.g. https://xsp.example.com (required)");
ABSL_FLAG(std::string, xsp_events_url, "", "Xsi-Events base URL (default: --xsp_url)");
ABSL_FLAG(std::string, xsp_user, "", "Xsi user for Basic auth");
ABSL_FLAG(std::string, xsp_password, "", "Xsi password (prefer HOTDESK_XSP_PASSWORD)");
ABSL_FLAG(bool, xsp_tls_verify, true, "verify the XSP's TLS certificate");
ABSL_FLAG(std::string, user_domain, "",
          "BroadWorks user id = <hotdesk id>@<user_domain> unless the id map says otherwise");
ABSL_FLAG(std::string, id_map_file, "",
          "file of 'hotdesk_id bw_user_id' lines for this tenant (wins over --user_domain)");
ABSL_FLAG(std::string, subscribe_users, "", "comma list of BroadWorks user ids to subscribe to");
ABSL_FLAG(std::string, subscribe_group, "",
          "<serviceProviderId>/<groupId> to subscribe to as a group");
ABSL_FLAG(bool, inbound, true, "open the Xsi-Events channel (platform changes -> hotdesk)");
ABSL_FLAG(std::string, channel_set_id, "", "channel set id (default hotdesk-xsp-<tenant>)");
ABSL_FLAG(int, channel_expires, 3600, "requested channel expiry, seconds");
ABSL_FLAG(int, subscription_expires, 3600, "requested subscription expiry, seconds");
ABSL_FLAG(absl::Duration, event_timeout, absl::Seconds(30),
          "XSP eventTimeout; a heartbeat is sent every event_timeout/2");
ABSL_FLAG(bool, apply_initial_events, false,
          "treat the initial event after subscribing as a platform change");
ABSL_FLAG(absl::Duration, echo_window, absl::Seconds(60),
          "how long own HotelingGuest changes are remembered for echo suppression");
ABSL_FLAG(absl::Duration, step_timeout, absl::Seconds(5), "timeout of one Xsi-Actions request");
ABSL_FLAG(int, step_retries, 3, "retries of a step after 5xx/401/timeout");
ABSL_FLAG(absl::Duration, step_backoff, absl::Milliseconds(200),
          "first retry delay (doubles up to 5 s)");
ABSL_FLAG(absl::Duration, park_backoff, absl::Seconds(5),
          "a sequence whose step still fails is parked and tried again after this delay, "
          "doubling with each failure up to --park_backoff_max, until it succeeds or is dropped");
ABSL_FLAG(absl::Duration, park_backoff_max, absl::Minutes(5), "longest delay of a parked sequence");
ABSL_FLAG(absl::Duration, core_timeout, absl::Seconds(5),
          "deadline of each attempt of a call to hotdesk-server");
ABSL_FLAG(absl::Duration, core_retry_budget, absl::Seconds(10),
          "a call that finds hotdesk-server unavailable or slow is retried (changes with the same "
          "request id) until this long after its first attempt");
ABSL_FLAG(bool, agent_steps, true,
          "run the CallCenter steps (host agent sign-out, guest Unavailable/Sign-Out)");
ABSL_FLAG(std::string, key_prefix, "hotdesk", "prefix of every Redis key");
ABSL_FLAG(std::string, metrics_listen, "0.0.0.0:9466",
          "HTTP address for /metrics, /healthz, /status (port 0 = any)");

namespace {

int Fail(const std::string& msg) {
  std::fprintf(stderr, "%s\n", msg.c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  hotdesk::InitProgram(
      argc, argv,
      "hotdesk-xsp: applies hotdesk associations to BroadWorks (Xsi-Actions) and platform "
      "hoteling changes to hotdesk (Xsi-Events).");

  hotdesk::xsp::BridgeConfig cfg;
  cfg.server = absl::GetFlag(FLAGS_server);
  auto core_auth = hotdesk::adapters::CoreAuthFromFlags();
  if (!core_auth.ok()) return Fail(std::string(core_auth.status().message()));
  cfg.tenant = absl::GetFlag(FLAGS_tenant);
  if (cfg.tenant.empty()) return Fail("--tenant: required");
  cfg.actions.base_url = absl::GetFlag(FLAGS_xsp_url);
  if (cfg.actions.base_url.empty()) return Fail("--xsp_url: required (e.g. http://127.0.0.1:8080)");
  if (cfg.actions.base_url.rfind("http://", 0) != 0 &&
      cfg.actions.base_url.rfind("https://", 0) != 0) {
    return Fail("--xsp_url: must start with http:// or https://");
  }
  while (!cfg.actions.base_url.empty() && cfg.actions.base_url.back() == '/')
    cfg.actions.base_url.pop_back();
  cfg.actions.user = absl::GetFlag(FLAGS_xsp_user);
  cfg.actions.password = absl::GetFlag(FLAGS_xsp_password);
  cfg.actions.tls_verify = absl::GetFlag(FLAGS_xsp_tls_verify);
  cfg.events = cfg.actions;
  if (!absl::GetFlag(FLAGS_xsp_events_url).empty()) {
    cfg.events.base_url = absl::GetFlag(FLAGS_xsp_events_url);
    while (!cfg.events.base_url.empty() && cfg.events.base_url.back() == '/')
      cfg.events.base_url.pop_back();
  }
  // The core's Redis in any mode (--redis_addr, --redis_sentinels, --redis_cluster_nodes).
  auto redis_config = hotdesk::RedisConfigFromFlags();
  if (!redis_config.ok()) return Fail(std::string(redis_config.status().message()));
  cfg.redis = *redis_config;
  cfg.redis.client_name = "hotdesk-xsp";
  cfg.key_prefix = absl::GetFlag(FLAGS_key_prefix);
  cfg.metrics_listen = absl::GetFlag(FLAGS_metrics_listen);

  auto& ob = cfg.outbound;
  ob.step_timeout = absl::GetFlag(FLAGS_step_timeout);
  ob.step_retries = absl::GetFlag(FLAGS_step_retries);
  ob.backoff_initial = absl::GetFlag(FLAGS_step_backoff);
  ob.agent_steps = absl::GetFlag(FLAGS_agent_steps);
  if (ob.step_retries < 0 || ob.step_retries > 20) return Fail("--step_retries: must be 0-20");
  if (ob.step_timeout <= absl::ZeroDuration()) return Fail("--step_timeout: must be positive");
  ob.park_backoff = absl::GetFlag(FLAGS_park_backoff);
  ob.park_backoff_max = absl::GetFlag(FLAGS_park_backoff_max);
  if (ob.park_backoff <= absl::ZeroDuration() || ob.park_backoff_max < ob.park_backoff) {
    return Fail("--park_backoff: must be positive; --park_backoff_max: at least --park_backoff");
  }
  cfg.core_timeout = absl::GetFlag(FLAGS_core_timeout);
  cfg.core_retry_budget = absl::GetFlag(FLAGS_core_retry_budget);
  if (cfg.core_timeout <= absl::ZeroDuration() || cfg.core_retry_budget < absl::ZeroDuration()) {
    return Fail("--core_timeout: must be positive; --core_retry_budget: not negative");
  }

  auto& ib = cfg.inbound;
  ib.enabled = absl::GetFlag(FLAGS_inbound);
  ib.channel_set_id = absl::GetFlag(FLAGS_channel_set_id);
  ib.channel_expires = absl::GetFlag(FLAGS_channel_expires);
  ib.subscription_expires = absl::GetFlag(FLAGS_subscription_expires);
  ib.event_timeout = absl::GetFlag(FLAGS_event_timeout);
  ib.apply_initial_events = absl::GetFlag(FLAGS_apply_initial_events);
  ib.echo_window = absl::GetFlag(FLAGS_echo_window);
  for (absl::string_view u :
       absl::StrSplit(absl::GetFlag(FLAGS_subscribe_users), ',', absl::SkipEmpty())) {
    ib.subscribe_users.emplace_back(u);
  }
  ib.subscribe_group = absl::GetFlag(FLAGS_subscribe_group);
  if (ib.event_timeout < absl::Seconds(1)) return Fail("--event_timeout: at least 1s");
  if (ib.channel_expires < 1 || ib.subscription_expires < 1) {
    return Fail("--channel_expires/--subscription_expires: must be positive");
  }
  if (ib.enabled && ib.subscribe_users.empty() && ib.subscribe_group.empty()) {
    // Outbound still works; say loudly why platform changes will not reach hotdesk.
    HD_LOG(kWarn, "xsp: no --subscribe_users or --subscribe_group; inbound (Xsi-Events) disabled");
    ib.enabled = false;
  }

  hotdesk::xsp::IdMapper ids(absl::GetFlag(FLAGS_user_domain));
  if (!absl::GetFlag(FLAGS_id_map_file).empty()) {
    if (absl::Status s = ids.LoadFile(absl::GetFlag(FLAGS_id_map_file)); !s.ok()) {
      return Fail(absl::StrCat("--id_map_file: ", s.message()));
    }
  }

  // Signals are taken synchronously below; every thread started from here inherits the mask.
  hotdesk::BlockTerminationSignals();

  hotdesk::xsp::XsiGlobalInit();
  auto redis = std::make_shared<hotdesk::RedisClient>(cfg.redis);
  redis->Start();
  hotdesk::xsp::ProgressStore store(redis, cfg.key_prefix, cfg.tenant);
  hotdesk::xsp::BridgeMetrics metrics;
  auto core_channel = hotdesk::adapters::CreateCoreChannel({cfg.server, *core_auth});
  if (!core_channel.ok()) return Fail(std::string(core_channel.status().message()));
  std::shared_ptr<grpc::Channel> channel = *core_channel;
  HD_LOG(kInfo, "core channel")
      .kv("server", cfg.server)
      .kv("auth", hotdesk::adapters::DescribeCoreAuth(*core_auth));

  hotdesk::xsp::Outbound outbound(cfg, channel, &ids, &store, &metrics);
  hotdesk::xsp::Inbound inbound(cfg, channel, &ids, &store, &metrics);

  auto status_json = [&](int limit) {
    hotdesk::xsp::ChannelStatus ch = inbound.Status();
    absl::StatusOr<int64_t> echoes = store.EchoCount();
    std::string out = absl::StrCat(
        "{\"tenant\":", hotdesk::JsonQuote(cfg.tenant),
        ",\"cursor\":", hotdesk::JsonQuote(outbound.cursor()),
        ",\"watching\":", outbound.watching() ? "true" : "false",
        ",\"channel\":{\"enabled\":", ib.enabled ? "true" : "false",
        ",\"up\":", ch.up ? "true" : "false", ",\"channelId\":", hotdesk::JsonQuote(ch.channel_id),
        ",\"expires\":", ch.expires, ",\"subscriptions\":", ch.subscriptions,
        ",\"opens\":", ch.opens, "},\"echoPending\":", echoes.ok() ? *echoes : -1,
        ",\"pending\":[");
    std::vector<hotdesk::xsp::SeqRecord> pending = outbound.Pending();
    for (size_t i = 0; i < pending.size(); ++i) {
      absl::StrAppend(&out, i ? ",\n" : "\n", hotdesk::xsp::SeqRecordJson(pending[i]));
    }
    absl::StrAppend(&out, "],\"sequences\":[");
    absl::StatusOr<std::vector<hotdesk::xsp::SeqRecord>> recent = store.Recent(limit);
    if (recent.ok()) {
      for (size_t i = 0; i < recent->size(); ++i) {
        absl::StrAppend(&out, i ? ",\n" : "\n", hotdesk::xsp::SeqRecordJson((*recent)[i]));
      }
    }
    absl::StrAppend(&out, "]", recent.ok() ? "" : ",\"error\":\"redis unavailable\"", "}\n");
    return out;
  };
  auto drop = [&](const std::string& key) {
    absl::Status s = outbound.Drop(key);
    if (s.ok())
      return hotdesk::xsp::OpsServer::Answer{200,
                                             "{\"dropped\":" + hotdesk::JsonQuote(key) + "}\n"};
    int code = absl::IsNotFound(s) ? 404 : absl::IsFailedPrecondition(s) ? 409 : 500;
    return hotdesk::xsp::OpsServer::Answer{
        code, "{\"error\":" + hotdesk::JsonQuote(std::string(s.message())) + "}\n"};
  };
  hotdesk::xsp::OpsServer ops(metrics.registry(), status_json, drop);
  int port = ops.Start(cfg.metrics_listen);
  if (port <= 0) return Fail("--metrics_listen: cannot bind " + cfg.metrics_listen);

  outbound.Start();
  if (ib.enabled) inbound.Start();
  std::printf("listening on port %d\n", port);
  std::fflush(stdout);
  HD_LOG(kInfo, "hotdesk-xsp started")
      .kv("tenant", cfg.tenant)
      .kv("xsp", cfg.actions.base_url)
      .kv("server", cfg.server)
      .kv("ops_port", port);

  hotdesk::WaitForTermination();
  HD_LOG(kInfo, "hotdesk-xsp stopping");
  if (ib.enabled) inbound.Stop();
  outbound.Stop();
  ops.Stop();
  redis->Stop();
  HD_LOG(kInfo, "hotdesk-xsp stopped");
  return 0;
}
