// Non-blocking Redis client: a few hiredis async connections driven by one libev loop thread.
// Requests from any thread are queued, written pipelined, and answered on the loop thread.
// Each request has a deadline (DEADLINE_EXCEEDED when it passes); a connection whose oldest
// request stalls is dropped and reconnected; while no connection is up requests fail at once
// with UNAVAILABLE.
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

struct ev_loop;
struct redisAsyncContext;

namespace hotdesk {

struct RedisConfig {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string password;
  int db = 0;
  int connections = 2;
  absl::Duration connect_timeout = absl::Seconds(1);
  // A connection whose oldest unanswered request is older than this is considered stuck.
  absl::Duration stall_timeout = absl::Seconds(3);
};

// A Lua script with its SHA1, sent by EVALSHA and re-sent by EVAL on NOSCRIPT.
class RedisScript {
 public:
  explicit RedisScript(std::string body);
  const std::string& body() const { return body_; }
  const std::string& sha() const { return sha_; }

 private:
  std::string body_;
  std::string sha_;
};

class RedisClient {
 public:
  // The reply is valid only during the callback. Error replies arrive as non-OK status:
  // UNAVAILABLE for LOADING/BUSY/READONLY/MASTERDOWN/connection loss, INTERNAL otherwise.
  using Callback = std::function<void(absl::StatusOr<const redisReply*>)>;

  explicit RedisClient(RedisConfig config);
  ~RedisClient();
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  void Start();
  void Stop();

  void Command(std::vector<std::string> argv, absl::Time deadline, Callback cb);
  void Eval(const RedisScript& script, std::vector<std::string> keys, std::vector<std::string> args,
            absl::Time deadline, Callback cb);

  bool Healthy() const { return ready_connections_.load() > 0; }
  int ReadyConnections() const { return ready_connections_.load(); }
  // Called on the loop thread when health flips.
  void SetHealthListener(std::function<void(bool)> listener);
  // Round-trip observer for metrics (seconds, ok).
  void SetObserver(std::function<void(double, bool)> observer);
  // When set (before Start), work that callbacks defer with RunOrDefer() during one loop
  // iteration is handed to `executor` as one batch when the iteration ends.
  void SetCompletionExecutor(std::function<void(std::function<void()>)> executor);

  const RedisConfig& config() const { return config_; }

 private:
  struct Request;
  struct Connection;

  void LoopMain();
  void Enqueue(Request* req);
  void Drain();
  void Dispatch(Request* req);
  void Connect(Connection* conn);
  void Drop(Connection* conn, const char* why);
  void OnTick();
  void SetReady(Connection* conn, bool ready);
  static void OnReply(::redisAsyncContext* ac, void* reply, void* privdata);
  static void OnConnect(const ::redisAsyncContext* ac, int status);
  static void OnDisconnect(const ::redisAsyncContext* ac, int status);
  void Complete(Request* req, absl::StatusOr<const redisReply*> result);

  RedisConfig config_;
  struct ev_loop* loop_ = nullptr;
  std::thread thread_;
  std::atomic<bool> running_{false};
  std::atomic<int> ready_connections_{0};

  std::mutex queue_mu_;
  std::vector<Request*> queue_;
  bool stopping_ = false;

  // Loop-thread state.
  std::vector<std::unique_ptr<Connection>> conns_;
  size_t next_conn_ = 0;
  std::function<void(bool)> health_listener_;
  std::function<void(double, bool)> observer_;
  struct Watchers;
  std::unique_ptr<Watchers> watchers_;
  std::function<void(std::function<void()>)> completion_executor_;
};

// Helpers to read replies.
std::string ReplyString(const redisReply* r);
bool ReplyIsNil(const redisReply* r);

}  // namespace hotdesk
