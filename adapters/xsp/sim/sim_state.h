// The simulated BroadWorks platform: users with their Hoteling/CFA/CallCenter services, event
// channels and subscriptions, the request journal and the injected faults. Thread-safe; the
// HTTP layer (sim_server) only translates requests into calls on this.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "adapters/xsp/xml/xsi_xml.h"
#include "services/common/json_escape.h"

namespace hotdesk::xsp::sim {

struct SimConfig {
  std::string user = "admin";
  std::string password = "secret";
  // When set, only user ids ending in "@<domain>" exist.
  std::string domain;
  // Users that exist from the start; others are created on first use when auto_users.
  std::vector<std::string> users;
  bool auto_users = true;
  // Group whose members are all users (for group subscriptions).
  std::string group = "group1";
  // Longest channel/subscription expiry granted; a longer request gets this (G.1: the server may
  // grant a different expiry than asked).
  int max_expires = 3600;
  // A channel without a heartbeat for this long is torn down.
  absl::Duration event_timeout = absl::Seconds(30);
  // When set, the users' services are kept in this file (sim_store.h) and loaded at start.
  std::string state_file;
};

struct SimUser {
  HotelingGuestDoc guest;
  HotelingHostDoc host;
  CallForwardingAlwaysDoc cfa;
  std::string agent_state = "Sign-Out";
};

struct JournalEntry {
  int64_t seq = 0;
  std::string api;  // "actions" or "events"
  std::string method;
  std::string path;  // with query string
  std::string body;
  int status = 0;
};

struct Fault {
  std::string method;  // empty = any
  std::string match;   // substring of the path; empty = any Xsi path
  int status = 0;      // 0 = no status fault (delay only)
  int delay_ms = 0;
  // The delay comes after the request was carried out (the change is made, the answer is late),
  // instead of before it.
  bool after = false;
  int remaining = 1;
};

struct SimChannel {
  std::string id;
  std::string set_id;
  int expires = 0;
  absl::Time opened;
  absl::Time expires_at;
  absl::Time last_heartbeat;
  std::deque<std::string> outbox;
  bool terminate = false;  // write ChannelTerminatedEvent and end the stream
  bool drop = false;       // abort the connection without a word (fault injection)
  bool closed = false;     // the stream has ended
  std::string terminate_reason;
  int64_t delivered = 0;
  int64_t heartbeats = 0;
};

struct SimSubscription {
  std::string id;
  std::string target_type;  // User | Group
  std::string target;
  std::string event;
  std::string set_id;
  std::string application_id;
  int expires = 0;
  int64_t next_seq = 1;
};

// Result of an Xsi request handled by the state: HTTP status, body, content type.
struct Reply {
  int status = 200;
  std::string body;
};

class SimState {
 public:
  explicit SimState(SimConfig config);

  const SimConfig& config() const { return config_; }
  // Loads --state_file when it exists; fails naming the file and line it cannot read.
  absl::Status LoadState();

  // ---- journal and faults ----
  int64_t Record(absl::string_view api, absl::string_view method, absl::string_view path,
                 absl::string_view body);
  void SetStatus(int64_t seq, int status);
  std::vector<JournalEntry> Journal(absl::string_view api, int64_t since) const;
  void ClearJournal();
  void AddFault(Fault f);
  void ClearFaults();
  // The first matching fault (consumed), if any.
  std::optional<Fault> TakeFault(absl::string_view method, absl::string_view path);

  // ---- Xsi-Actions ----
  Reply GetService(const std::string& user, const std::string& service);
  Reply PutService(const std::string& user, const std::string& service, const std::string& body);

  // ---- Xsi-Events ----
  // Opens a channel; returns its id (empty + error reply on bad input).
  Reply OpenChannel(const std::string& body, std::string* channel_id);
  Reply ModifyChannel(const std::string& channel_id, const std::string& body);
  Reply DeleteChannel(const std::string& channel_id);
  Reply Heartbeat(const std::string& channel_id);
  Reply EventResponse(const std::string& body);
  Reply Subscribe(const std::string& target_type, const std::string& target,
                  const std::string& body);
  Reply ModifySubscription(const std::string& id, const std::string& body);
  Reply DeleteSubscription(const std::string& id);
  Reply ListSubscriptions();

  // Blocks up to `wait` for output on the channel. Returns false when the stream must be
  // aborted (dropped or unknown); sets *done when it must end normally after `out`.
  bool NextChunks(const std::string& channel_id, absl::Duration wait, std::vector<std::string>* out,
                  bool* done);
  void ChannelClosed(const std::string& channel_id);

  // ---- platform-side actions (portal, voice portal, admin) ----
  Reply PlatformAssociate(const std::string& guest, const std::string& host, int limit_hours);
  Reply PlatformRelease(const std::string& host);       // force release by the host's admin
  Reply PlatformGuestLogout(const std::string& guest);  // guest clears it (voice portal)
  Reply PlatformAgentState(const std::string& user, const std::string& state);
  // Writes `raw` as one chunk on every open channel (malformed-input tests).
  int InjectRaw(const std::string& raw);
  int DropChannels();

  // ---- views (JSON) ----
  std::string UserJson(const std::string& user);
  std::string ChannelsJson();

 private:
  bool UserExistsLocked(const std::string& user);
  SimUser* UserLocked(const std::string& user);
  void EmitLocked(const std::string& user, const std::string& package);
  std::string BuildEventLocked(const std::string& user, const std::string& package,
                               SimSubscription& sub, SimChannel& ch, std::string* event_id);
  SimChannel* ChannelForSetLocked(const std::string& set_id);
  void ReleaseGuestOfHostLocked(const std::string& host);
  Reply PutServiceLocked(const std::string& user, const std::string& service,
                         const std::string& body);
  Reply PlatformAssociateLocked(const std::string& guest, const std::string& host,
                                int limit_hours);
  Reply PlatformReleaseLocked(const std::string& host);
  Reply PlatformGuestLogoutLocked(const std::string& guest);
  // Saves the users to config_.state_file after a successful change; a 500 when it cannot.
  Reply SavedLocked(Reply reply);
  std::string NewId();

  SimConfig config_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, SimUser> users_;
  std::map<std::string, SimChannel> channels_;
  std::map<std::string, SimSubscription> subscriptions_;
  std::map<std::string, std::string> unacked_;  // eventID -> channelId
  int64_t acked_ = 0;
  int64_t rejected_acks_ = 0;
  std::vector<JournalEntry> journal_;
  std::vector<Fault> faults_;
  int64_t next_seq_ = 1;
  uint64_t id_counter_ = 0;
};

using ::hotdesk::JsonEscape;

}  // namespace hotdesk::xsp::sim
