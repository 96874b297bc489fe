// Configuration of hotdesk-xsp, parsed from flags in main.cc and passed down.
#pragma once

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "services/redis/redis_client.h"

namespace hotdesk::xsp {

struct XsiEndpoint {
  // Base URL, e.g. "http://127.0.0.1:8080" or "https://xsp1.example.com".
  std::string base_url;
  std::string user;
  std::string password;
  // Verify the server certificate for https (turn off only for lab XSPs).
  bool tls_verify = true;
};

struct OutboundConfig {
  absl::Duration step_timeout = absl::Seconds(5);
  // Extra attempts after the first for a step that failed with 5xx, 401, a timeout or a
  // connection error (4xx other than 401/408/429 is final at once).
  int step_retries = 3;
  absl::Duration backoff_initial = absl::Milliseconds(200);
  absl::Duration backoff_max = absl::Seconds(5);
  // Run the CallCenter steps (host agent sign-out, guest Unavailable / Sign-Out). Off for
  // platforms whose users have no call-centre service.
  bool agent_steps = true;
  // Agent state the guest is put in after an establish (B.3 step 4).
  std::string guest_agent_state = "Unavailable";
  // A sequence whose step still fails after its retries is parked and tried again after this
  // delay, doubling (jittered) with each failure up to park_backoff_max, until it succeeds or an
  // operator drops it.
  absl::Duration park_backoff = absl::Seconds(5);
  absl::Duration park_backoff_max = absl::Minutes(5);
};

struct InboundConfig {
  bool enabled = true;
  std::string channel_set_id;  // default "hotdesk-xsp-<tenant>"
  std::string application_id = "hotdesk-xsp";
  int channel_expires = 3600;
  int subscription_expires = 3600;
  absl::Duration event_timeout = absl::Seconds(30);  // heartbeat every event_timeout/2
  std::vector<std::string> subscribe_users;          // BroadWorks user ids
  // "<serviceProviderId>/<groupId>" for a group subscription (no initial events).
  std::string subscribe_group;
  std::vector<std::string> packages = {"Hoteling Guest", "Call Forwarding Always",
                                       "Call Center Agent"};
  // Treat the initial event after a subscription (sequenceNumber 1) as a change. Off by default:
  // it reports state, and applying it at start-up could undo changes hotdesk has not yet pushed.
  bool apply_initial_events = false;
  // How long an own change is remembered to recognise its HotelingGuestEvent (echo suppression).
  absl::Duration echo_window = absl::Seconds(60);
  // A platform change that could not be applied to hotdesk (core unavailable) is not
  // acknowledged, and is tried again after this delay, doubling up to apply_backoff_max.
  absl::Duration apply_backoff = absl::Milliseconds(500);
  absl::Duration apply_backoff_max = absl::Seconds(30);
  absl::Duration reopen_backoff_max = absl::Seconds(30);
};

struct BridgeConfig {
  std::string server = "127.0.0.1:50051";
  absl::Duration core_timeout = absl::Seconds(5);        // each attempt of a call to the core
  absl::Duration core_retry_budget = absl::Seconds(10);  // retries of an unavailable/slow core
  std::string tenant;
  XsiEndpoint actions;
  XsiEndpoint events;
  RedisConfig redis;  // the core's Redis, in any of its modes (services/redis/redis_flags.h)
  std::string key_prefix = "hotdesk";
  std::string metrics_listen = "0.0.0.0:9466";
  OutboundConfig outbound;
  InboundConfig inbound;
};

}  // namespace hotdesk::xsp
