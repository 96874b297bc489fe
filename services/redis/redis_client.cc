#include "services/redis/redis_client.h"

#include <ev.h>
#include <hiredis/adapters/libev.h>
#include <hiredis/async.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cstdio>
#include <deque>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/completion_batch.h"
#include "services/common/log.h"

namespace hotdesk {

RedisScript::RedisScript(std::string body) : body_(std::move(body)) {
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(body_.data()), body_.size(), digest);
  char hex[SHA_DIGEST_LENGTH * 2 + 1];
  for (int i = 0; i < SHA_DIGEST_LENGTH; ++i) std::snprintf(hex + 2 * i, 3, "%02x", digest[i]);
  sha_ = hex;
}

struct RedisClient::Request {
  std::vector<std::string> argv;
  Callback cb;
  absl::Time deadline;
  absl::Time sent;
  const RedisScript* script = nullptr;  // set for EVALSHA, to re-send as EVAL on NOSCRIPT
  bool done = false;
};

struct RedisClient::Connection {
  RedisClient* owner = nullptr;
  redisAsyncContext* ac = nullptr;
  bool ready = false;
  absl::Time connect_started;
  absl::Time next_attempt;
  absl::Duration backoff = absl::Milliseconds(100);
  std::deque<Request*> inflight;
};

struct RedisClient::Watchers {
  ev_async wake;
  ev_timer tick;
  ev_prepare flush;  // runs when an iteration's callbacks are done, before the loop blocks
  std::unique_ptr<CompletionBatch> batch;
};

RedisClient::RedisClient(RedisConfig config) : config_(std::move(config)) {
  if (config_.connections < 1) config_.connections = 1;
}

RedisClient::~RedisClient() { Stop(); }

void RedisClient::SetHealthListener(std::function<void(bool)> listener) {
  health_listener_ = std::move(listener);
}
void RedisClient::SetObserver(std::function<void(double, bool)> observer) {
  observer_ = std::move(observer);
}
void RedisClient::SetCompletionExecutor(std::function<void(std::function<void()>)> executor) {
  completion_executor_ = std::move(executor);
}

void RedisClient::Start() {
  if (running_.exchange(true)) return;
  loop_ = ev_loop_new(EVFLAG_AUTO);
  watchers_ = std::make_unique<Watchers>();
  ev_async_init(&watchers_->wake, [](struct ev_loop*, ev_async* w, int) {
    static_cast<RedisClient*>(w->data)->Drain();
  });
  watchers_->wake.data = this;
  ev_async_start(loop_, &watchers_->wake);
  ev_timer_init(
      &watchers_->tick,
      [](struct ev_loop*, ev_timer* w, int) { static_cast<RedisClient*>(w->data)->OnTick(); }, 0.0,
      0.005);
  watchers_->tick.data = this;
  ev_timer_start(loop_, &watchers_->tick);
  if (completion_executor_) {
    watchers_->batch = std::make_unique<CompletionBatch>(completion_executor_);
    ev_prepare_init(&watchers_->flush, [](struct ev_loop*, ev_prepare* w, int) {
      static_cast<CompletionBatch*>(w->data)->Flush();
    });
    watchers_->flush.data = watchers_->batch.get();
    ev_prepare_start(loop_, &watchers_->flush);
  }
  for (int i = 0; i < config_.connections; ++i) {
    auto c = std::make_unique<Connection>();
    c->owner = this;
    conns_.push_back(std::move(c));
  }
  for (auto& c : conns_) Connect(c.get());
  thread_ = std::thread([this] { LoopMain(); });
}

void RedisClient::Stop() {
  if (!running_.exchange(false)) return;
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    stopping_ = true;
  }
  ev_async_send(loop_, &watchers_->wake);
  thread_.join();
  ev_loop_destroy(loop_);
  loop_ = nullptr;
}

void RedisClient::LoopMain() {
  CompletionBatch::SetCurrent(watchers_->batch.get());
  ev_run(loop_, 0);
  // Stopped: drop connections (their requests fail) and fail whatever is still queued.
  for (auto& c : conns_) Drop(c.get(), "client stopping");
  std::vector<Request*> rest;
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    rest.swap(queue_);
  }
  for (Request* r : rest) {
    Complete(r, absl::UnavailableError("redis client stopped"));
    delete r;
  }
  if (watchers_->batch) watchers_->batch->Flush();
  CompletionBatch::SetCurrent(nullptr);
}

void RedisClient::Command(std::vector<std::string> argv, absl::Time deadline, Callback cb) {
  Enqueue(new Request{std::move(argv), std::move(cb), deadline, absl::InfinitePast()});
}

void RedisClient::Eval(const RedisScript& script, std::vector<std::string> keys,
                       std::vector<std::string> args, absl::Time deadline, Callback cb) {
  std::vector<std::string> argv;
  argv.reserve(3 + keys.size() + args.size());
  argv.push_back("EVALSHA");
  argv.push_back(script.sha());
  argv.push_back(std::to_string(keys.size()));
  for (auto& k : keys) argv.push_back(std::move(k));
  for (auto& a : args) argv.push_back(std::move(a));
  Enqueue(new Request{std::move(argv), std::move(cb), deadline, absl::InfinitePast(), &script});
}

void RedisClient::Enqueue(Request* req) {
  bool wake;
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    if (stopping_ || !running_) {
      wake = false;
    } else {
      wake = queue_.empty();  // one wake-up per batch: the loop drains the whole queue
      queue_.push_back(req);
      req = nullptr;
    }
  }
  if (req != nullptr) {
    req->cb(absl::UnavailableError("redis client stopped"));
    delete req;
    return;
  }
  if (wake) ev_async_send(loop_, &watchers_->wake);
}

void RedisClient::Drain() {
  std::vector<Request*> batch;
  bool stop;
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    batch.swap(queue_);
    stop = stopping_;
  }
  for (Request* r : batch) Dispatch(r);
  if (stop) ev_break(loop_, EVBREAK_ALL);
}

void RedisClient::Dispatch(Request* req) {
  absl::Time now = absl::Now();
  if (now >= req->deadline) {
    Complete(req, absl::DeadlineExceededError("deadline passed before the redis request was sent"));
    delete req;
    return;
  }
  Connection* conn = nullptr;
  for (size_t i = 0; i < conns_.size(); ++i) {
    Connection* c = conns_[(next_conn_ + i) % conns_.size()].get();
    if (c->ready) {
      conn = c;
      next_conn_ = (next_conn_ + i + 1) % conns_.size();
      break;
    }
  }
  if (conn == nullptr) {
    Complete(req, absl::UnavailableError("redis is not reachable"));
    delete req;
    return;
  }
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  argv.reserve(req->argv.size());
  lens.reserve(req->argv.size());
  for (const auto& a : req->argv) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  req->sent = now;
  if (redisAsyncCommandArgv(conn->ac, &RedisClient::OnReply, req, static_cast<int>(argv.size()),
                            argv.data(), lens.data()) != REDIS_OK) {
    Complete(req, absl::UnavailableError("redis connection is closing"));
    delete req;
    return;
  }
  conn->inflight.push_back(req);
}

void RedisClient::Complete(Request* req, absl::StatusOr<const redisReply*> result) {
  if (req->done) return;
  req->done = true;
  if (observer_ && req->sent != absl::InfinitePast()) {
    observer_(absl::ToDoubleSeconds(absl::Now() - req->sent), result.ok());
  }
  if (req->cb) req->cb(std::move(result));
}

namespace {
absl::Status ErrorReplyStatus(const redisReply* r) {
  std::string msg(r->str, r->len);
  if (absl::StartsWith(msg, "LOADING") || absl::StartsWith(msg, "BUSY") ||
      absl::StartsWith(msg, "READONLY") || absl::StartsWith(msg, "MASTERDOWN") ||
      absl::StartsWith(msg, "TRYAGAIN") || absl::StartsWith(msg, "CLUSTERDOWN")) {
    return absl::UnavailableError(absl::StrCat("redis: ", msg));
  }
  return absl::InternalError(absl::StrCat("redis: ", msg));
}
}  // namespace

void RedisClient::OnReply(redisAsyncContext* ac, void* r, void* privdata) {
  auto* conn = static_cast<Connection*>(ac->data);
  auto* req = static_cast<Request*>(privdata);
  RedisClient* self = conn->owner;
  auto it = std::find(conn->inflight.begin(), conn->inflight.end(), req);
  if (it != conn->inflight.end()) conn->inflight.erase(it);
  auto* reply = static_cast<redisReply*>(r);
  if (reply == nullptr) {
    self->Complete(req, absl::UnavailableError("redis connection lost"));
    delete req;
    return;
  }
  if (reply->type == REDIS_REPLY_ERROR) {
    std::string msg(reply->str, reply->len);
    if (req->script != nullptr && absl::StartsWith(msg, "NOSCRIPT") && !req->done) {
      // The server lost its script cache (restart, SCRIPT FLUSH): send the body once.
      req->argv[0] = "EVAL";
      req->argv[1] = req->script->body();
      req->script = nullptr;
      self->Dispatch(req);
      return;
    }
    self->Complete(req, ErrorReplyStatus(reply));
    delete req;
    return;
  }
  self->Complete(req, static_cast<const redisReply*>(reply));
  delete req;
}

void RedisClient::Connect(Connection* conn) {
  conn->connect_started = absl::Now();
  redisAsyncContext* ac = redisAsyncConnect(config_.host.c_str(), config_.port);
  if (ac == nullptr || ac->err) {
    HD_LOG(kWarn, "redis connect failed")
        .kv("addr", absl::StrCat(config_.host, ":", config_.port))
        .kv("error", ac ? ac->errstr : "alloc");
    if (ac) redisAsyncFree(ac);
    conn->next_attempt = absl::Now() + conn->backoff;
    conn->backoff = std::min(conn->backoff * 2, absl::Seconds(1));
    return;
  }
  ac->data = conn;
  conn->ac = ac;
  redisLibevAttach(loop_, ac);
  redisAsyncSetConnectCallback(ac, &RedisClient::OnConnect);
  redisAsyncSetDisconnectCallback(ac, &RedisClient::OnDisconnect);
  // Handshake, pipelined; the connection serves requests once PING answers.
  auto handshake = [this, conn](std::vector<std::string> argv, bool last) {
    auto* req = new Request{std::move(argv), nullptr, absl::InfiniteFuture(), absl::Now()};
    req->cb = [this, conn, last, cmd = req->argv[0]](absl::StatusOr<const redisReply*> r) {
      if (!r.ok()) {
        if (!absl::IsUnavailable(r.status())) {
          HD_LOG(kError, "redis handshake failed")
              .kv("command", cmd)
              .kv("error", r.status().message());
        }
        return;
      }
      if (last && conn->ac != nullptr) SetReady(conn, true);
    };
    std::vector<const char*> argv_p;
    std::vector<size_t> lens;
    for (const auto& a : req->argv) {
      argv_p.push_back(a.data());
      lens.push_back(a.size());
    }
    redisAsyncCommandArgv(conn->ac, &RedisClient::OnReply, req, static_cast<int>(argv_p.size()),
                          argv_p.data(), lens.data());
    conn->inflight.push_back(req);
  };
  if (!config_.password.empty()) handshake({"AUTH", config_.password}, false);
  if (config_.db != 0) handshake({"SELECT", std::to_string(config_.db)}, false);
  handshake({"PING"}, true);
}

void RedisClient::OnConnect(const redisAsyncContext* ac, int status) {
  auto* conn = static_cast<Connection*>(ac->data);
  if (status != REDIS_OK) {
    // hiredis frees the context after this callback.
    if (conn->ac == ac) {
      conn->ac = nullptr;
      conn->next_attempt = absl::Now() + conn->backoff;
      conn->backoff = std::min(conn->backoff * 2, absl::Seconds(1));
    }
  }
}

void RedisClient::OnDisconnect(const redisAsyncContext* ac, int status) {
  auto* conn = static_cast<Connection*>(ac->data);
  if (conn->ac == ac) {
    conn->ac = nullptr;
    conn->owner->SetReady(conn, false);
    conn->next_attempt = absl::Now() + conn->backoff;
    HD_LOG(kWarn, "redis connection lost").kv("error", ac->errstr);
  }
}

void RedisClient::Drop(Connection* conn, const char* why) {
  redisAsyncContext* ac = conn->ac;
  if (ac == nullptr) return;
  HD_LOG(kWarn, "redis connection dropped").kv("reason", why);
  conn->ac = nullptr;
  SetReady(conn, false);
  conn->next_attempt = absl::Now() + conn->backoff;
  conn->backoff = std::min(conn->backoff * 2, absl::Seconds(1));
  redisAsyncFree(ac);  // answers every pending request with a NULL reply -> UNAVAILABLE
}

void RedisClient::SetReady(Connection* conn, bool ready) {
  if (conn->ready == ready) return;
  conn->ready = ready;
  int before = ready ? ready_connections_.fetch_add(1) : ready_connections_.fetch_sub(1);
  int after = ready ? before + 1 : before - 1;
  if (ready) {
    conn->backoff = absl::Milliseconds(100);
    HD_LOG(kInfo, "redis connected").kv("addr", absl::StrCat(config_.host, ":", config_.port));
  }
  if ((before == 0) != (after == 0) && health_listener_) health_listener_(after > 0);
}

void RedisClient::OnTick() {
  absl::Time now = absl::Now();
  for (auto& c : conns_) {
    Connection* conn = c.get();
    for (Request* r : conn->inflight) {
      if (!r->done && now >= r->deadline) {
        Complete(r, absl::DeadlineExceededError("redis did not answer within the deadline"));
      }
    }
    if (conn->ac != nullptr && !conn->inflight.empty() &&
        now - conn->inflight.front()->sent > config_.stall_timeout) {
      Drop(conn, "request stalled");
      continue;
    }
    if (conn->ac != nullptr && !conn->ready &&
        now - conn->connect_started > config_.connect_timeout && !conn->inflight.empty() &&
        now - conn->inflight.front()->sent > config_.connect_timeout) {
      Drop(conn, "connect timeout");
      continue;
    }
    if (conn->ac == nullptr && now >= conn->next_attempt) Connect(conn);
  }
}

std::string ReplyString(const redisReply* r) {
  if (r == nullptr) return "";
  if (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS ||
      r->type == REDIS_REPLY_ERROR)
    return std::string(r->str, r->len);
  if (r->type == REDIS_REPLY_INTEGER) return std::to_string(r->integer);
  return "";
}

bool ReplyIsNil(const redisReply* r) { return r == nullptr || r->type == REDIS_REPLY_NIL; }

}  // namespace hotdesk
