// One TCP connection to one Redis node, driven by the client's libev loop (every method runs on
// the loop thread): a non-blocking connect, a handshake (AUTH, SELECT, ROLE must say "master"),
// then pipelined requests answered in order. A subscriber connection also takes the messages
// Redis pushes (sharded and plain pub/sub).
//
// Any failure closes the connection — a handshake error (LOADING, NOAUTH, a replica, a timeout)
// exactly like a lost socket — and the owner reopens it later with backoff. Closing fails every
// request still waiting for its reply.
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <hiredis/hiredis.h>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "services/redis/cluster_slots.h"

struct ev_loop;

namespace hotdesk {

struct RedisConnectionOptions {
  std::string username;  // ACL user; empty: the default user
  std::string password;  // empty: no AUTH
  int db = 0;            // SELECT when non-zero (never in cluster mode)
  // Require ROLE to answer "master": a demoted primary must not take writes. Off for sentinels.
  bool require_primary = true;
  std::string client_name;  // CLIENT SETNAME, so operators can tell connections apart
  bool subscriber = false;  // takes pushed messages
};

struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

class RedisConnection {
 public:
  // The reply, or null with a non-OK status when the connection closed first. The callee may
  // keep the reply by moving it out.
  using ReplyFn = std::function<void(ReplyPtr& reply, const absl::Status& closed)>;
  struct Hooks {
    std::function<void()> ready;                       // the handshake succeeded
    std::function<void(const absl::Status&)> closed;   // after the pending requests failed
    std::function<void(const redisReply*)> push;       // subscriber: a pushed message
  };
  enum class State { kIdle, kConnecting, kHandshake, kReady };

  RedisConnection(struct ev_loop* loop, RedisNodeAddr addr, RedisConnectionOptions options,
                  Hooks hooks);
  ~RedisConnection();
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  // Starts connecting (from kIdle). Failures arrive through `closed`.
  void Open();
  // Back to kIdle; fails pending requests with `why` and calls `closed` (once per Open).
  void Close(const absl::Status& why);
  // Queues a request; requires kHandshake or kReady. `fn` may be empty: the reply is dropped.
  void Send(const std::vector<std::string>& argv, ReplyFn fn);
  // A subscriber command whose answers arrive as pushed messages (SUNSUBSCRIBE).
  void SendNoReply(const std::vector<std::string>& argv);

  State state() const { return state_; }
  bool ready() const { return state_ == State::kReady; }
  const RedisNodeAddr& addr() const { return addr_; }
  size_t pending() const { return pending_.size(); }
  // When the oldest unanswered request was sent (InfiniteFuture when none).
  absl::Time oldest_sent() const;
  // When Open() was last called.
  absl::Time opened_at() const { return opened_at_; }
  absl::Time last_reply() const { return last_reply_; }

 private:
  struct Pending {
    ReplyFn fn;
    absl::Time sent;
  };
  struct Io;

  void StartHandshake();
  void OnConnected();
  void OnReadable();
  void OnWritable();
  void Flush();
  void Deliver(ReplyPtr reply);
  bool IsPush(const redisReply* reply) const;

  struct ev_loop* loop_;
  RedisNodeAddr addr_;
  RedisConnectionOptions options_;
  Hooks hooks_;
  State state_ = State::kIdle;
  int fd_ = -1;
  uint64_t generation_ = 0;  // bumped by Close: callbacks of an older life stop at once
  std::unique_ptr<Io> io_;
  redisReader* reader_ = nullptr;
  std::string out_;
  std::deque<Pending> pending_;
  absl::Time opened_at_ = absl::InfinitePast();
  absl::Time last_reply_ = absl::InfinitePast();
};

// Encodes argv as one RESP request.
void AppendRespCommand(const std::vector<std::string>& argv, std::string* out);

}  // namespace hotdesk
