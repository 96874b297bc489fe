// The one Redis client of hotdesk: every component that talks to Redis (association store,
// directory, live event reader, expiry sweeper, XSP progress journal) goes through it.
//
// Three deployment modes, one code path: a single Redis, a primary found through Sentinel, or a
// Redis Cluster. Requests from any thread are queued, routed to the primary that owns their key
// (argv[1] for Command, the first key for Eval), written pipelined on a few connections per
// primary, and answered on the client's loop thread.
//
// Faults are ordinary here:
// - a connection whose handshake fails (LOADING, NOAUTH, a replica's ROLE, a timeout) is closed
//   and reopened with jittered backoff, like any lost connection;
// - READONLY / MASTERDOWN / LOADING answers retire that connection, make the client find the
//   primary again (Sentinel, CLUSTER SLOTS) and re-send the request, which Redis did not run;
// - MOVED updates the slot map and re-sends; ASK re-sends once with ASKING; TRYAGAIN and
//   CLUSTERDOWN wait briefly and re-send — all within the request's deadline;
// - a request whose connection is lost after it was sent fails UNAVAILABLE (its outcome is
//   unknown: callers retry with a request id);
// - Healthy() is true only while every primary the client needs has a ready connection.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <hiredis/hiredis.h>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/redis/cluster_slots.h"

struct ev_loop;

namespace hotdesk {

struct RedisConfig {
  enum class Mode { kSingle, kSentinel, kCluster };
  Mode mode = Mode::kSingle;
  // kSingle: the address (host/port when `nodes` is empty); kSentinel: the sentinels;
  // kCluster: seed nodes (any of them; the rest is discovered).
  std::string host = "127.0.0.1";
  int port = 6379;
  std::vector<RedisNodeAddr> nodes;
  std::string master_name;  // kSentinel

  std::string username;  // ACL user (empty: default user)
  std::string password;
  std::string sentinel_username;
  std::string sentinel_password;
  int db = 0;  // not in cluster mode

  int connections = 2;  // request connections per primary
  absl::Duration connect_timeout = absl::Seconds(1);
  // A connection whose oldest unanswered request (or keep-alive PING) is older than this is
  // considered stuck (e.g. Redis stopped with SIGSTOP) and is replaced.
  absl::Duration stall_timeout = absl::Seconds(3);
  // How long a request may wait for a primary to come (back) before failing UNAVAILABLE.
  absl::Duration failover_wait = absl::Seconds(1);
  // Durability option: after each mutation, WAIT for this many replicas (0: off). A mutation
  // that reaches fewer within `wait_timeout` fails UNAVAILABLE; its retry (same request id)
  // replays the stored result and waits again.
  int wait_replicas = 0;
  absl::Duration wait_timeout = absl::Milliseconds(500);
  std::string client_name = "hotdesk";

  // The configured addresses (host/port when `nodes` is empty).
  std::vector<RedisNodeAddr> Endpoints() const;
  std::string Describe() const;
};

// A Lua script with its SHA1, sent by EVALSHA and re-sent by EVAL on NOSCRIPT (per node).
class RedisScript {
 public:
  explicit RedisScript(std::string body);
  const std::string& body() const { return body_; }
  const std::string& sha() const { return sha_; }

 private:
  std::string body_;
  std::string sha_;
};

// Receives the messages of one sharded pub/sub channel (SSUBSCRIBE). Called on the client's
// loop thread; must not block.
class RedisSubscriber {
 public:
  virtual ~RedisSubscriber() = default;
  // Subscribed (again): messages flow from now on. Messages published while the subscription
  // was down are lost — read what you may have missed now.
  virtual void OnSubscribed() = 0;
  virtual void OnMessage(const std::string& payload) = 0;
  // The subscription is down (connection lost, slot moved); it is re-established by itself.
  virtual void OnInterrupted() = 0;
};

class RedisClient {
 public:
  // The reply is valid only during the callback. Error replies arrive as non-OK status:
  // UNAVAILABLE for LOADING/BUSY/READONLY/MASTERDOWN/CLUSTERDOWN/connection loss, INTERNAL
  // otherwise.
  using Callback = std::function<void(absl::StatusOr<const redisReply*>)>;
  enum class Write { kNo, kYes };

  explicit RedisClient(RedisConfig config);
  ~RedisClient();
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  void Start();
  void Stop();

  // Routed by argv[1] (the key) in cluster mode. `write` = kYes applies the WAIT durability
  // option to this command (mutations whose acknowledgement must survive a failover).
  void Command(std::vector<std::string> argv, absl::Time deadline, Callback cb,
               Write write = Write::kNo);
  // Routed by keys[0]; every key must share its hash slot.
  void Eval(const RedisScript& script, std::vector<std::string> keys,
            std::vector<std::string> args, absl::Time deadline, Callback cb,
            Write write = Write::kNo);

  // Sharded pub/sub on `channel` (routed by its slot), re-established across reconnects,
  // failovers and slot moves until Unsubscribe. One subscriber per channel.
  void Subscribe(const std::string& channel, std::shared_ptr<RedisSubscriber> subscriber);
  void Unsubscribe(const std::string& channel);
  // Runs `fn` on the loop thread after `delay` (dropped if the client stops first): retries of
  // work that lives on the loop, such as a subscriber's reads.
  void After(absl::Duration delay, std::function<void()> fn);

  bool Healthy() const { return healthy_.load(); }
  // Called on the loop thread when health flips.
  void SetHealthListener(std::function<void(bool)> listener);
  // Round-trip observer for metrics (seconds, ok).
  void SetObserver(std::function<void(double, bool)> observer);
  // When set (before Start), work that callbacks defer with RunOrDefer() during one loop
  // iteration is handed to `executor` as one batch when the iteration ends.
  void SetCompletionExecutor(std::function<void(std::function<void()>)> executor);

  // The primaries currently in use (for logs, metrics and the bench).
  std::vector<RedisNodeAddr> Primaries() const;
  const RedisConfig& config() const { return config_; }

 private:
  class Impl;
  RedisConfig config_;
  std::atomic<bool> healthy_{false};
  std::unique_ptr<Impl> impl_;
};

// Helpers to read replies.
std::string ReplyString(const redisReply* r);
bool ReplyIsNil(const redisReply* r);

}  // namespace hotdesk
