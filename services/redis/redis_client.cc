#include "services/redis/redis_client.h"

#include <ev.h>
#include <openssl/sha.h>

#include <cstdio>
#include <deque>
#include <map>
#include <random>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "services/common/completion_batch.h"
#include "services/common/log.h"
#include "services/redis/connection.h"

namespace hotdesk {

RedisScript::RedisScript(std::string body) : body_(std::move(body)) {
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(body_.data()), body_.size(), digest);
  char hex[SHA_DIGEST_LENGTH * 2 + 1];
  for (int i = 0; i < SHA_DIGEST_LENGTH; ++i) std::snprintf(hex + 2 * i, 3, "%02x", digest[i]);
  sha_ = hex;
}

std::vector<RedisNodeAddr> RedisConfig::Endpoints() const {
  if (!nodes.empty()) return nodes;
  return {RedisNodeAddr{host, port}};
}

std::string RedisConfig::Describe() const {
  std::vector<std::string> addrs;
  for (const auto& n : Endpoints()) addrs.push_back(n.ToString());
  switch (mode) {
    case Mode::kSingle:
      return absl::StrCat("redis ", absl::StrJoin(addrs, ","));
    case Mode::kSentinel:
      return absl::StrCat("sentinel ", absl::StrJoin(addrs, ","), " master ", master_name);
    case Mode::kCluster:
      return absl::StrCat("cluster ", absl::StrJoin(addrs, ","));
  }
  return "";
}

namespace {

constexpr double kTickSeconds = 0.01;
constexpr int kMaxAttempts = 16;
constexpr absl::Duration kKeepAlive = absl::Seconds(1);
constexpr absl::Duration kMaxBackoff = absl::Seconds(1);
constexpr absl::Duration kRetryLater = absl::Milliseconds(25);  // TRYAGAIN, CLUSTERDOWN
constexpr absl::Duration kSentinelPoll = absl::Seconds(5);
constexpr absl::Duration kClusterPoll = absl::Seconds(5);
constexpr absl::Duration kRefreshMinGap = absl::Milliseconds(100);

std::string Text(const redisReply* r) {
  if (r == nullptr) return "";
  if (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS ||
      r->type == REDIS_REPLY_ERROR)
    return std::string(r->str, r->len);
  return "";
}

absl::Status ErrorReplyStatus(const std::string& msg) {
  for (const char* transient :
       {"LOADING", "BUSY", "READONLY", "MASTERDOWN", "TRYAGAIN", "CLUSTERDOWN", "MOVED", "ASK"}) {
    if (absl::StartsWith(msg, transient)) return absl::UnavailableError(absl::StrCat("redis: ", msg));
  }
  return absl::InternalError(absl::StrCat("redis: ", msg));
}

// Answers Redis gives without running the command, after which the primary has to be found
// again: safe to re-send elsewhere.
bool NotAPrimaryAnswer(const std::string& msg) {
  return absl::StartsWith(msg, "READONLY") || absl::StartsWith(msg, "MASTERDOWN") ||
         absl::StartsWith(msg, "LOADING");
}

}  // namespace

class RedisClient::Impl {
 public:
  Impl(RedisClient* owner, RedisConfig config)
      : owner_(owner), config_(std::move(config)), rng_(std::random_device{}()) {}

  ~Impl() { Stop(); }

  void Start();
  void Stop();
  void Submit(std::vector<std::string> argv, std::string route_key, const RedisScript* script,
              bool write, absl::Time deadline, Callback cb);
  // Loop thread: runs `fn` on the loop thread at `when` (checked every tick).
  void At(absl::Time when, std::function<void()> fn) { timers_.emplace(when, std::move(fn)); }
  void Post(std::function<void()> op);

  std::function<void(bool)> health_listener;
  std::function<void(double, bool)> observer;
  std::function<void(std::function<void()>)> completion_executor;

  std::vector<RedisNodeAddr> Primaries() {
    std::lock_guard<std::mutex> lock(primaries_mu_);
    return primaries_;
  }

  // Loop thread: subscriptions.
  void DoSubscribe(const std::string& channel, std::shared_ptr<RedisSubscriber> sub);
  void DoUnsubscribe(const std::string& channel);

 private:
  struct Request {
    std::vector<std::string> argv;
    std::string route_key;
    const RedisScript* script = nullptr;  // set while EVALSHA: re-sent as EVAL on NOSCRIPT
    bool write = false;
    absl::Time deadline;
    Callback cb;
    absl::Time sent = absl::InfinitePast();
    absl::Time park_until = absl::InfinitePast();
    absl::Time retry_at = absl::InfinitePast();
    int attempts = 0;
    bool asking = false;  // next send goes to ask_to with ASKING first
    RedisNodeAddr ask_to;
    bool done = false;
    ReplyPtr held;  // the command's reply while its WAIT is outstanding
    std::string last_error;
  };
  using RequestPtr = std::shared_ptr<Request>;

  struct Slot {
    std::unique_ptr<RedisConnection> conn;
    absl::Time next_attempt = absl::InfinitePast();
    absl::Duration backoff = absl::Milliseconds(50);
    bool draining = false;  // retired: no new requests; closed once its replies are in
    bool was_ready = false;
    std::string last_error;
    std::deque<RequestPtr> inflight;
  };

  struct Node {
    RedisNodeAddr addr;
    bool wanted = false;
    std::vector<std::unique_ptr<Slot>> slots;  // request connections
    std::unique_ptr<Slot> sub;                 // subscriber connection (opened on demand)
    size_t next = 0;
    bool AnyReady() const {
      for (const auto& s : slots)
        if (s->conn->ready() && !s->draining) return true;
      return false;
    }
  };

  struct Channel {
    std::shared_ptr<RedisSubscriber> sub;
    Node* node = nullptr;
    enum State { kNone, kPending, kActive } state = kNone;
    absl::Time retry_at = absl::InfinitePast();
    uint64_t epoch = 0;
  };

  void LoopMain();
  void Drain();
  void OnTick();
  void Dispatch(const RequestPtr& req);
  void Park(const RequestPtr& req, const std::string& why);
  void DispatchParked();
  void OnReply(Node* node, Slot* slot, const RequestPtr& req, ReplyPtr& reply,
               const absl::Status& closed);
  void Complete(const RequestPtr& req, absl::StatusOr<const redisReply*> result);
  void Retry(const RequestPtr& req, const std::string& why);

  Node* EnsureNode(const RedisNodeAddr& addr);
  Node* Route(const std::string& key);
  Slot* PickReady(Node* node);
  std::unique_ptr<Slot> MakeSlot(Node* node, bool subscriber);
  void OnSlotReady(Node* node, Slot* slot);
  void OnSlotClosed(Node* node, Slot* slot, const absl::Status& why);
  void Retire(Node* node, const std::string& why);
  void SetWanted(const std::vector<RedisNodeAddr>& primaries);
  void MaintainSlot(Node* node, Slot* slot, absl::Time now);
  void UpdateHealth();
  void TopologyChanged();

  // Sentinel.
  void ResolvePrimary();
  void SetPrimary(const RedisNodeAddr& addr);
  void OnSentinelPush(const redisReply* r);
  void NextSentinel(const std::string& why);
  // Cluster.
  void RefreshSlots();
  void ApplySlotMap(SlotMap map);
  void NextControl(const std::string& why);
  // Both: "find the primaries again, soon".
  void Rediscover();

  // Subscriptions.
  void AssignChannels(absl::Time now);
  void OnSubPush(Node* node, const redisReply* r);
  void DropChannelsOf(Node* node);

  absl::Duration Jitter(absl::Duration d) {
    return d * std::uniform_real_distribution<double>(0.8, 1.2)(rng_);
  }
  RedisConnectionOptions DataOptions(bool subscriber) const;
  RedisConnectionOptions ControlOptions(bool subscriber) const;

  RedisClient* owner_;
  RedisConfig config_;
  std::mt19937 rng_;
  struct ev_loop* loop_ = nullptr;
  std::thread thread_;
  bool started_ = false;  // under queue_mu_

  struct Watchers {
    ev_async wake;
    ev_timer tick;
    ev_prepare flush;  // runs when an iteration's callbacks are done, before the loop blocks
    std::unique_ptr<CompletionBatch> batch;
  };
  std::unique_ptr<Watchers> watchers_;

  std::mutex queue_mu_;
  std::vector<RequestPtr> queue_;
  std::vector<std::function<void()>> ops_;
  bool stopping_ = false;

  // Loop-thread state.
  std::map<RedisNodeAddr, std::unique_ptr<Node>> nodes_;
  std::deque<RequestPtr> parked_;
  std::map<std::string, Channel> channels_;
  uint64_t channel_epoch_ = 0;
  bool healthy_ = false;
  std::multimap<absl::Time, std::function<void()>> timers_;

  // Sentinel: a query connection and a +switch-master subscription, to one sentinel at a time.
  std::optional<RedisNodeAddr> primary_;
  size_t sentinel_index_ = 0;
  std::unique_ptr<RedisConnection> sentinel_query_;
  std::unique_ptr<RedisConnection> sentinel_watch_;
  absl::Time sentinel_next_ = absl::InfinitePast();
  absl::Duration sentinel_backoff_ = absl::Milliseconds(50);
  bool sentinel_asking_ = false;
  bool sentinel_retarget_ = false;

  // Cluster: the slot map and a control connection for CLUSTER SLOTS.
  SlotMap slots_;
  bool have_slots_ = false;
  std::unique_ptr<RedisConnection> control_;
  bool control_retarget_ = false;
  size_t control_index_ = 0;
  bool refresh_asked_ = false;
  bool refresh_inflight_ = false;
  absl::Time refresh_next_ = absl::InfinitePast();
  absl::Time refresh_last_ = absl::InfinitePast();
  absl::Duration control_backoff_ = absl::Milliseconds(50);

  std::mutex primaries_mu_;
  std::vector<RedisNodeAddr> primaries_;
};

// ---- threads and queues ----

void RedisClient::Impl::Start() {
  loop_ = ev_loop_new(EVFLAG_AUTO);
  watchers_ = std::make_unique<Watchers>();
  ev_async_init(&watchers_->wake, [](struct ev_loop*, ev_async* w, int) {
    static_cast<Impl*>(w->data)->Drain();
  });
  watchers_->wake.data = this;
  ev_async_start(loop_, &watchers_->wake);
  ev_timer_init(&watchers_->tick, [](struct ev_loop*, ev_timer* w, int) {
    static_cast<Impl*>(w->data)->OnTick();
  }, 0.0, kTickSeconds);
  watchers_->tick.data = this;
  ev_timer_start(loop_, &watchers_->tick);
  if (completion_executor) {
    watchers_->batch = std::make_unique<CompletionBatch>(completion_executor);
    ev_prepare_init(&watchers_->flush, [](struct ev_loop*, ev_prepare* w, int) {
      static_cast<CompletionBatch*>(w->data)->Flush();
    });
    watchers_->flush.data = watchers_->batch.get();
    ev_prepare_start(loop_, &watchers_->flush);
  }
  if (config_.mode == RedisConfig::Mode::kSingle) {
    SetWanted({config_.Endpoints().front()});
  } else if (config_.mode == RedisConfig::Mode::kSentinel) {
    ResolvePrimary();
  } else {
    RefreshSlots();
  }
  {
    std::lock_guard<std::mutex> lock(queue_mu_);  // Submit reads it from callers' threads
    started_ = true;
  }
  thread_ = std::thread([this] { LoopMain(); });
}

void RedisClient::Impl::Stop() {
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    if (!started_) return;
    started_ = false;
    stopping_ = true;
  }
  ev_async_send(loop_, &watchers_->wake);
  thread_.join();
  ev_loop_destroy(loop_);
  loop_ = nullptr;
}

void RedisClient::Impl::LoopMain() {
  CompletionBatch::SetCurrent(watchers_->batch.get());
  ev_run(loop_, 0);
  // Stopped: no subscriber hears from us again; every request still here fails.
  channels_.clear();
  timers_.clear();
  sentinel_query_.reset();
  sentinel_watch_.reset();
  control_.reset();
  for (auto& [addr, node] : nodes_) {
    node->wanted = false;
    for (auto& s : node->slots) s->conn->Close(absl::UnavailableError("redis client stopped"));
    if (node->sub) node->sub->conn->Close(absl::UnavailableError("redis client stopped"));
  }
  std::vector<RequestPtr> rest;
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    rest.swap(queue_);
    ops_.clear();
  }
  for (auto& r : parked_) rest.push_back(r);
  parked_.clear();
  for (auto& r : rest) Complete(r, absl::UnavailableError("redis client stopped"));
  if (watchers_->batch) watchers_->batch->Flush();
  CompletionBatch::SetCurrent(nullptr);
  nodes_.clear();
}

void RedisClient::Impl::Submit(std::vector<std::string> argv, std::string route_key,
                               const RedisScript* script, bool write, absl::Time deadline,
                               Callback cb) {
  auto req = std::make_shared<Request>();
  req->argv = std::move(argv);
  req->route_key = std::move(route_key);
  req->script = script;
  req->write = write && config_.wait_replicas > 0;
  req->deadline = deadline;
  req->cb = std::move(cb);
  bool refused = false;
  {
    // The wake-up is sent under the lock: Stop takes it before it destroys the loop.
    std::lock_guard<std::mutex> lock(queue_mu_);
    if (stopping_ || !started_) {
      refused = true;
    } else {
      bool wake = queue_.empty() && ops_.empty();  // one per batch: the loop drains it all
      queue_.push_back(req);
      if (wake) ev_async_send(loop_, &watchers_->wake);
    }
  }
  if (refused) req->cb(absl::UnavailableError("redis client stopped"));
}

void RedisClient::Impl::Post(std::function<void()> op) {
  std::lock_guard<std::mutex> lock(queue_mu_);
  if (stopping_ || !started_) return;
  bool wake = queue_.empty() && ops_.empty();
  ops_.push_back(std::move(op));
  if (wake) ev_async_send(loop_, &watchers_->wake);
}

void RedisClient::Impl::Drain() {
  std::vector<RequestPtr> batch;
  std::vector<std::function<void()>> ops;
  bool stop;
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    batch.swap(queue_);
    ops.swap(ops_);
    stop = stopping_;
  }
  for (auto& op : ops) op();
  for (auto& r : batch) Dispatch(r);
  if (stop) ev_break(loop_, EVBREAK_ALL);
}

// ---- requests ----

void RedisClient::Impl::Complete(const RequestPtr& req, absl::StatusOr<const redisReply*> result) {
  if (req->done) return;
  req->done = true;
  if (observer && req->sent != absl::InfinitePast())
    observer(absl::ToDoubleSeconds(absl::Now() - req->sent), result.ok());
  Callback cb = std::move(req->cb);
  if (cb) cb(std::move(result));
}

void RedisClient::Impl::Park(const RequestPtr& req, const std::string& why) {
  absl::Time now = absl::Now();
  if (req->park_until == absl::InfinitePast())
    req->park_until = std::min(req->deadline, now + config_.failover_wait);
  req->last_error = why;
  if (now >= req->park_until) {
    if (now >= req->deadline)
      return Complete(req, absl::DeadlineExceededError(absl::StrCat(
                               "redis did not answer within the deadline (", why, ")")));
    return Complete(req, absl::UnavailableError(why));
  }
  parked_.push_back(req);
}

void RedisClient::Impl::DispatchParked() {
  if (parked_.empty()) return;
  std::deque<RequestPtr> again;
  again.swap(parked_);
  absl::Time now = absl::Now();
  for (auto& r : again) {
    if (r->done) continue;
    if (r->retry_at > now) {
      parked_.push_back(r);
      continue;
    }
    Dispatch(r);
  }
}

void RedisClient::Impl::Retry(const RequestPtr& req, const std::string& why) {
  if (++req->attempts > kMaxAttempts)
    return Complete(req, absl::UnavailableError(absl::StrCat("redis: gave up after ",
                                                             kMaxAttempts, " tries: ", why)));
  req->last_error = why;
  Dispatch(req);
}

void RedisClient::Impl::Dispatch(const RequestPtr& req) {
  if (req->done) return;
  absl::Time now = absl::Now();
  if (now >= req->deadline) {
    return Complete(req, absl::DeadlineExceededError(
                             req->last_error.empty()
                                 ? "deadline passed before the redis request was sent"
                                 : absl::StrCat("deadline passed (", req->last_error, ")")));
  }
  Node* node = req->asking ? EnsureNode(req->ask_to) : Route(req->route_key);
  Slot* slot = node ? PickReady(node) : nullptr;
  if (slot == nullptr) {
    if (req->asking) node->wanted = true;  // an ASK target outside the map: connect to it
    std::string why = node == nullptr
                          ? std::string("no redis primary known for this key yet")
                          : absl::StrCat("redis ", node->addr.ToString(), " is not reachable");
    if (node != nullptr)
      for (auto& s : node->slots)
        if (!s->last_error.empty()) why = s->last_error;
    return Park(req, why);
  }
  req->park_until = absl::InfinitePast();
  req->sent = now;
  RedisConnection* conn = slot->conn.get();
  if (req->asking) {
    conn->Send({"ASKING"}, nullptr);
    req->asking = false;
  }
  slot->inflight.push_back(req);
  conn->Send(req->argv, [this, node, slot, req](ReplyPtr& reply, const absl::Status& closed) {
    OnReply(node, slot, req, reply, closed);
  });
  if (req->write) {
    conn->Send({"WAIT", std::to_string(config_.wait_replicas),
                std::to_string(absl::ToInt64Milliseconds(config_.wait_timeout))},
               [this, req, n = config_.wait_replicas](ReplyPtr& reply, const absl::Status& closed) {
                 if (req->done || !req->held) return;  // the command failed: already answered
                 if (!closed.ok())
                   return Complete(req, absl::UnavailableError(absl::StrCat(
                                            "redis connection lost while waiting for replicas: ",
                                            closed.message())));
                 if (reply->type != REDIS_REPLY_INTEGER || reply->integer < n) {
                   return Complete(
                       req, absl::UnavailableError(absl::StrCat(
                                "written on the primary but confirmed by ",
                                reply->type == REDIS_REPLY_INTEGER ? reply->integer : 0, " of ", n,
                                " replicas in time; retry with the same request id")));
                 }
                 ReplyPtr held = std::move(req->held);
                 Complete(req, static_cast<const redisReply*>(held.get()));
               });
  }
}

void RedisClient::Impl::OnReply(Node* node, Slot* slot, const RequestPtr& req, ReplyPtr& reply,
                                const absl::Status& closed) {
  for (auto it = slot->inflight.begin(); it != slot->inflight.end(); ++it) {
    if (*it == req) {
      slot->inflight.erase(it);
      break;
    }
  }
  auto finish_draining = [&] {
    if (slot->draining && slot->conn->pending() == 0)
      slot->conn->Close(absl::UnavailableError("retired: not a primary"));
  };
  if (!closed.ok()) {
    // Sent, then the connection went: whether Redis ran it is unknown.
    return Complete(req, absl::UnavailableError(
                             absl::StrCat("redis connection lost: ", closed.message())));
  }
  if (reply->type == REDIS_REPLY_ERROR) {
    std::string msg = Text(reply.get());
    if (req->script != nullptr && absl::StartsWith(msg, "NOSCRIPT")) {
      // This node lost (or never had) the script: send its body once.
      req->argv[0] = "EVAL";
      req->argv[1] = req->script->body();
      req->script = nullptr;
      Retry(req, msg);
      return finish_draining();
    }
    if (auto redirect = ParseRedirect(msg)) {
      if (redirect->to.host.empty()) redirect->to.host = node->addr.host;
      if (redirect->kind == Redirect::kMoved) {
        if (config_.mode == RedisConfig::Mode::kCluster) {
          slots_.Assign(redirect->slot, redirect->to);
          EnsureNode(redirect->to)->wanted = true;
          Rediscover();
        }
      } else {
        req->asking = true;
        req->ask_to = redirect->to;
      }
      Retry(req, msg);
      return finish_draining();
    }
    if (NotAPrimaryAnswer(msg)) {
      // Redis did not run it; the primary is elsewhere (or not ready): find it and re-send.
      Retire(node, msg);
      Retry(req, msg);
      return finish_draining();
    }
    if (absl::StartsWith(msg, "TRYAGAIN") || absl::StartsWith(msg, "CLUSTERDOWN")) {
      if (absl::StartsWith(msg, "CLUSTERDOWN")) Rediscover();
      req->retry_at = absl::Now() + kRetryLater;
      if (++req->attempts > kMaxAttempts) {
        Complete(req, ErrorReplyStatus(msg));
      } else {
        Park(req, msg);
      }
      return finish_draining();
    }
    Complete(req, ErrorReplyStatus(msg));
    return finish_draining();
  }
  if (req->write) {
    req->held = std::move(reply);  // answered when WAIT confirms the replicas
    return finish_draining();
  }
  Complete(req, static_cast<const redisReply*>(reply.get()));
  finish_draining();
}

// ---- nodes and connections ----

RedisConnectionOptions RedisClient::Impl::DataOptions(bool subscriber) const {
  RedisConnectionOptions o;
  o.username = config_.username;
  o.password = config_.password;
  o.db = config_.mode == RedisConfig::Mode::kCluster ? 0 : config_.db;
  o.require_primary = true;
  o.client_name = config_.client_name;
  o.subscriber = subscriber;
  return o;
}

RedisConnectionOptions RedisClient::Impl::ControlOptions(bool subscriber) const {
  RedisConnectionOptions o;
  if (config_.mode == RedisConfig::Mode::kSentinel) {
    o.username = config_.sentinel_username;
    o.password = config_.sentinel_password;
  } else {
    o.username = config_.username;
    o.password = config_.password;
  }
  o.require_primary = false;
  o.client_name = config_.client_name;
  o.subscriber = subscriber;
  return o;
}

std::unique_ptr<RedisClient::Impl::Slot> RedisClient::Impl::MakeSlot(Node* node, bool subscriber) {
  auto slot = std::make_unique<Slot>();
  Slot* s = slot.get();
  RedisConnection::Hooks hooks;
  hooks.ready = [this, node, s] { OnSlotReady(node, s); };
  hooks.closed = [this, node, s](const absl::Status& why) { OnSlotClosed(node, s, why); };
  if (subscriber) hooks.push = [this, node](const redisReply* r) { OnSubPush(node, r); };
  slot->conn = std::make_unique<RedisConnection>(loop_, node->addr, DataOptions(subscriber),
                                                 std::move(hooks));
  return slot;
}

RedisClient::Impl::Node* RedisClient::Impl::EnsureNode(const RedisNodeAddr& addr) {
  auto& n = nodes_[addr];
  if (!n) {
    n = std::make_unique<Node>();
    n->addr = addr;
    for (int i = 0; i < config_.connections; ++i) n->slots.push_back(MakeSlot(n.get(), false));
  }
  return n.get();
}

RedisClient::Impl::Node* RedisClient::Impl::Route(const std::string& key) {
  switch (config_.mode) {
    case RedisConfig::Mode::kSingle:
      return EnsureNode(config_.Endpoints().front());
    case RedisConfig::Mode::kSentinel:
      return primary_ ? EnsureNode(*primary_) : nullptr;
    case RedisConfig::Mode::kCluster: {
      const RedisNodeAddr* p = slots_.Primary(HashSlot(key));
      return p ? EnsureNode(*p) : nullptr;
    }
  }
  return nullptr;
}

RedisClient::Impl::Slot* RedisClient::Impl::PickReady(Node* node) {
  size_t n = node->slots.size();
  for (size_t i = 0; i < n; ++i) {
    Slot* s = node->slots[(node->next + i) % n].get();
    if (s->conn->ready() && !s->draining) {
      node->next = (node->next + i + 1) % n;
      return s;
    }
  }
  return nullptr;
}

void RedisClient::Impl::OnSlotReady(Node* node, Slot* slot) {
  slot->backoff = absl::Milliseconds(50);
  if (!slot->last_error.empty() || !slot->was_ready) {
    HD_LOG(kInfo, "redis connected").kv("addr", node->addr.ToString());
  }
  slot->last_error.clear();
  slot->was_ready = true;
  if (!node->wanted) {
    slot->conn->Close(absl::UnavailableError("not a primary in use"));
    return;
  }
  UpdateHealth();
  DispatchParked();
  AssignChannels(absl::Now());
}

void RedisClient::Impl::OnSlotClosed(Node* node, Slot* slot, const absl::Status& why) {
  slot->draining = false;
  slot->inflight.clear();
  slot->next_attempt = absl::Now() + Jitter(slot->backoff);
  slot->backoff = std::min(slot->backoff * 2, kMaxBackoff);
  std::string msg(why.message());
  if (node->wanted && msg != slot->last_error) {
    HD_LOG(kWarn, slot->was_ready ? "redis connection lost" : "redis connect failed")
        .kv("addr", node->addr.ToString())
        .kv("error", msg);
  }
  slot->was_ready = false;
  slot->last_error = msg;
  if (node->sub && slot == node->sub.get()) DropChannelsOf(node);
  UpdateHealth();
  // Wherever a primary's connection fails, Sentinel or the cluster may know better.
  if (node->wanted) Rediscover();
}

void RedisClient::Impl::Retire(Node* node, const std::string& why) {
  bool any = false;
  for (auto& s : node->slots) {
    if (s->conn->ready() && !s->draining) {
      s->draining = true;
      any = true;
      if (s->conn->pending() == 0) s->conn->Close(absl::UnavailableError(why));
    }
  }
  if (any) HD_LOG(kWarn, "redis node stopped serving writes").kv("addr", node->addr.ToString())
               .kv("answer", why);
  UpdateHealth();
  Rediscover();
}

void RedisClient::Impl::SetWanted(const std::vector<RedisNodeAddr>& primaries) {
  for (auto& [addr, node] : nodes_) node->wanted = false;
  for (const auto& p : primaries) EnsureNode(p)->wanted = true;
  for (auto& [addr, node] : nodes_) {
    if (node->wanted) continue;
    for (auto& s : node->slots) {
      if (s->conn->state() == RedisConnection::State::kIdle) continue;
      s->draining = true;
      if (s->conn->pending() == 0) s->conn->Close(absl::UnavailableError("not a primary in use"));
    }
    if (node->sub) node->sub->conn->Close(absl::UnavailableError("not a primary in use"));
  }
  {
    std::lock_guard<std::mutex> lock(primaries_mu_);
    primaries_ = primaries;
  }
  TopologyChanged();
}

void RedisClient::Impl::TopologyChanged() {
  // Subscriptions whose channel is now served elsewhere move.
  for (auto& [name, ch] : channels_) {
    if (ch.state == Channel::kNone) continue;
    Node* owner = Route(name);
    if (owner == ch.node) continue;
    if (ch.node && ch.node->sub && ch.node->sub->conn->ready())
      ch.node->sub->conn->SendNoReply({"SUNSUBSCRIBE", name});
    bool was_active = ch.state == Channel::kActive;
    ch.state = Channel::kNone;
    ch.node = nullptr;
    ++ch.epoch;
    if (was_active) ch.sub->OnInterrupted();
  }
  UpdateHealth();
  DispatchParked();
  AssignChannels(absl::Now());
}

void RedisClient::Impl::MaintainSlot(Node* node, Slot* slot, absl::Time now) {
  RedisConnection* c = slot->conn.get();
  switch (c->state()) {
    case RedisConnection::State::kIdle:
      if (node->wanted && now >= slot->next_attempt) {
        bool needed = slot != node->sub.get() ||
                      std::any_of(channels_.begin(), channels_.end(), [&](const auto& kv) {
                        return Route(kv.first) == node;
                      });
        if (needed) c->Open();
      }
      return;
    case RedisConnection::State::kConnecting:
    case RedisConnection::State::kHandshake:
      if (now - c->opened_at() > config_.connect_timeout)
        c->Close(absl::DeadlineExceededError(absl::StrCat(
            "redis ", node->addr.ToString(), " did not answer the handshake within ",
            absl::FormatDuration(config_.connect_timeout))));
      return;
    case RedisConnection::State::kReady:
      break;
  }
  for (auto& r : slot->inflight) {
    if (!r->done && now >= r->deadline)
      Complete(r, absl::DeadlineExceededError("redis did not answer within the deadline"));
  }
  if (c->pending() > 0 && now - c->oldest_sent() > config_.stall_timeout) {
    c->Close(absl::DeadlineExceededError(
        absl::StrCat("redis ", node->addr.ToString(), " stalled: no answer for ",
                     absl::FormatDuration(config_.stall_timeout))));
    return;
  }
  // An idle connection is probed so that a stalled, vanished or demoted Redis is noticed (and
  // health drops) before a request has to find out. Data connections ask ROLE: a primary that
  // became a replica still answers PING. Subscriber connections may only PING.
  if (c->pending() > 0 || now - std::max(c->last_reply(), c->opened_at()) <= kKeepAlive ||
      slot->draining)
    return;
  if (node->sub && slot == node->sub.get()) {
    c->Send({"PING"}, nullptr);
    return;
  }
  c->Send({"ROLE"}, [this, node, slot](ReplyPtr& r, const absl::Status& closed) {
    if (!closed.ok() || !node->wanted) return;
    std::string role = r->type == REDIS_REPLY_ARRAY && r->elements > 0 ? Text(r->element[0])
                                                                      : Text(r.get());
    if (role != "master") Retire(node, absl::StrCat("ROLE answered ", role));
    if (slot->draining && slot->conn->pending() == 0)
      slot->conn->Close(absl::UnavailableError("retired: not a primary"));
  });
}

void RedisClient::Impl::UpdateHealth() {
  bool healthy = false;
  switch (config_.mode) {
    case RedisConfig::Mode::kSingle:
    case RedisConfig::Mode::kSentinel: {
      Node* n = Route("");
      healthy = n != nullptr && n->AnyReady();
      break;
    }
    case RedisConfig::Mode::kCluster: {
      healthy = have_slots_ && slots_.Complete();
      if (healthy) {
        for (const auto& p : slots_.Primaries()) {
          auto it = nodes_.find(p);
          if (it == nodes_.end() || !it->second->AnyReady()) {
            healthy = false;
            break;
          }
        }
      }
      break;
    }
  }
  if (healthy == healthy_) return;
  healthy_ = healthy;
  owner_->healthy_ = healthy;
  if (health_listener) health_listener(healthy);
}

void RedisClient::Impl::OnTick() {
  absl::Time now = absl::Now();
  while (!timers_.empty() && timers_.begin()->first <= now) {
    auto fn = std::move(timers_.begin()->second);
    timers_.erase(timers_.begin());
    fn();
  }
  // Parked requests whose time is up fail; the others wait for a ready connection.
  if (!parked_.empty()) {
    std::deque<RequestPtr> keep;
    for (auto& r : parked_) {
      if (r->done) continue;
      if (now >= r->park_until || now >= r->deadline) {
        if (now >= r->deadline) {
          Complete(r, absl::DeadlineExceededError(absl::StrCat(
                          "redis did not answer within the deadline (", r->last_error, ")")));
        } else {
          Complete(r, absl::UnavailableError(r->last_error));
        }
      } else {
        keep.push_back(r);
      }
    }
    parked_.swap(keep);
    DispatchParked();
  }
  for (auto& [addr, node] : nodes_) {
    for (auto& s : node->slots) MaintainSlot(node.get(), s.get(), now);
    if (node->sub) MaintainSlot(node.get(), node->sub.get(), now);
  }
  if (config_.mode == RedisConfig::Mode::kSentinel) {
    if (now >= sentinel_next_ && !sentinel_asking_) ResolvePrimary();
    for (auto* c : {sentinel_query_.get(), sentinel_watch_.get()}) {
      if (c && (c->state() == RedisConnection::State::kConnecting ||
                c->state() == RedisConnection::State::kHandshake) &&
          now - c->opened_at() > config_.connect_timeout)
        c->Close(absl::DeadlineExceededError("sentinel did not answer in time"));
      if (c && c->ready() && c->pending() > 0 && now - c->oldest_sent() > config_.stall_timeout)
        c->Close(absl::DeadlineExceededError("sentinel stalled"));
    }
  }
  if (config_.mode == RedisConfig::Mode::kCluster) {
    if (control_ && (control_->state() == RedisConnection::State::kConnecting ||
                     control_->state() == RedisConnection::State::kHandshake) &&
        now - control_->opened_at() > config_.connect_timeout)
      control_->Close(absl::DeadlineExceededError("cluster node did not answer in time"));
    if (control_ && control_->ready() && control_->pending() > 0 &&
        now - control_->oldest_sent() > config_.stall_timeout)
      control_->Close(absl::DeadlineExceededError("cluster node stalled"));
    if (!refresh_inflight_ && now >= refresh_next_ &&
        (refresh_asked_ || now - refresh_last_ > (healthy_ ? kClusterPoll : kRefreshMinGap * 2)))
      RefreshSlots();
  }
  AssignChannels(now);
}

// ---- sentinel ----

void RedisClient::Impl::Rediscover() {
  if (config_.mode == RedisConfig::Mode::kSentinel) {
    sentinel_next_ = std::min(sentinel_next_, absl::Now() + kRefreshMinGap);
  } else if (config_.mode == RedisConfig::Mode::kCluster) {
    refresh_asked_ = true;
  }
}

void RedisClient::Impl::NextSentinel(const std::string& why) {
  auto sentinels = config_.Endpoints();
  HD_LOG(kWarn, "redis sentinel unusable")
      .kv("sentinel", sentinels[sentinel_index_ % sentinels.size()].ToString())
      .kv("error", why);
  sentinel_index_ = (sentinel_index_ + 1) % sentinels.size();
  sentinel_asking_ = false;
  sentinel_next_ = absl::Now() + Jitter(sentinel_backoff_);
  sentinel_backoff_ = std::min(sentinel_backoff_ * 2, kMaxBackoff);
  // Both connections follow the sentinel in use; they are replaced by the next query (not
  // here: this may run inside one of their own callbacks).
  if (sentinel_query_) sentinel_query_->Close(absl::UnavailableError(why));
  if (sentinel_watch_) sentinel_watch_->Close(absl::UnavailableError(why));
  sentinel_retarget_ = true;
}

void RedisClient::Impl::ResolvePrimary() {
  if (sentinel_asking_) return;
  auto sentinels = config_.Endpoints();
  RedisNodeAddr at = sentinels[sentinel_index_ % sentinels.size()];
  if (sentinel_retarget_) {
    sentinel_retarget_ = false;
    sentinel_query_.reset();
    sentinel_watch_.reset();
  }
  if (!sentinel_query_) {
    RedisConnection::Hooks hooks;
    hooks.ready = [this] { sentinel_asking_ = false; ResolvePrimary(); };
    hooks.closed = [this](const absl::Status& why) {
      if (sentinel_asking_) NextSentinel(std::string(why.message()));
    };
    sentinel_query_ =
        std::make_unique<RedisConnection>(loop_, at, ControlOptions(false), std::move(hooks));
  }
  if (!sentinel_watch_) {
    RedisConnection::Hooks hooks;
    hooks.ready = [this] {
      sentinel_watch_->Send({"SUBSCRIBE", "+switch-master"}, nullptr);
    };
    hooks.push = [this](const redisReply* r) { OnSentinelPush(r); };
    hooks.closed = [this](const absl::Status&) {
      // Re-subscribed with the next query; a missed switch is caught by the periodic query.
      sentinel_next_ = std::min(sentinel_next_, absl::Now() + kRefreshMinGap);
    };
    sentinel_watch_ =
        std::make_unique<RedisConnection>(loop_, at, ControlOptions(true), std::move(hooks));
  }
  if (sentinel_watch_->state() == RedisConnection::State::kIdle) sentinel_watch_->Open();
  if (sentinel_query_->state() == RedisConnection::State::kIdle) {
    sentinel_asking_ = true;  // the ready hook asks
    sentinel_query_->Open();
    return;
  }
  if (!sentinel_query_->ready()) return;
  sentinel_asking_ = true;
  sentinel_query_->Send(
      {"SENTINEL", "GET-MASTER-ADDR-BY-NAME", config_.master_name},
      [this](ReplyPtr& r, const absl::Status& closed) {
        if (!closed.ok()) return;  // the closed hook moves on
        sentinel_asking_ = false;
        if (r->type != REDIS_REPLY_ARRAY || r->elements != 2) {
          return NextSentinel(r->type == REDIS_REPLY_ERROR
                                  ? Text(r.get())
                                  : absl::StrCat("sentinel does not know master '",
                                                 config_.master_name, "'"));
        }
        int port = 0;
        if (!absl::SimpleAtoi(Text(r->element[1]), &port))
          return NextSentinel("sentinel answered a bad port");
        sentinel_backoff_ = absl::Milliseconds(50);
        sentinel_next_ = absl::Now() + kSentinelPoll;
        SetPrimary(RedisNodeAddr{Text(r->element[0]), port});
      });
}

void RedisClient::Impl::OnSentinelPush(const redisReply* r) {
  // ["message", "+switch-master", "<name> <old-ip> <old-port> <new-ip> <new-port>"]
  if (r->elements < 3 || Text(r->element[1]) != "+switch-master") return;
  std::vector<std::string> parts = absl::StrSplit(Text(r->element[2]), ' ', absl::SkipEmpty());
  int port = 0;
  if (parts.size() != 5 || parts[0] != config_.master_name || !absl::SimpleAtoi(parts[4], &port))
    return;
  HD_LOG(kInfo, "redis sentinel announced a failover")
      .kv("master", parts[0])
      .kv("from", absl::StrCat(parts[1], ":", parts[2]))
      .kv("to", absl::StrCat(parts[3], ":", parts[4]));
  SetPrimary(RedisNodeAddr{parts[3], port});
}

void RedisClient::Impl::SetPrimary(const RedisNodeAddr& addr) {
  if (primary_ && *primary_ == addr) {
    // Same primary: make sure we are connecting to it (it may have refused us while loading).
    return;
  }
  HD_LOG(kInfo, "redis primary").kv("addr", addr.ToString()).kv("was",
      primary_ ? primary_->ToString() : std::string("none"));
  primary_ = addr;
  Node* n = EnsureNode(addr);
  for (auto& s : n->slots) s->next_attempt = absl::InfinitePast();
  SetWanted({addr});
}

// ---- cluster ----

void RedisClient::Impl::NextControl(const std::string& why) {
  HD_LOG(kWarn, "redis cluster node unusable for discovery").kv("error", why);
  ++control_index_;
  refresh_inflight_ = false;
  refresh_asked_ = true;
  refresh_next_ = absl::Now() + Jitter(control_backoff_);
  control_backoff_ = std::min(control_backoff_ * 2, kMaxBackoff);
  if (control_) control_->Close(absl::UnavailableError(why));
  control_retarget_ = true;  // replaced by the next refresh, outside its own callbacks
}

void RedisClient::Impl::RefreshSlots() {
  if (refresh_inflight_) {
    refresh_asked_ = true;
    return;
  }
  refresh_asked_ = false;
  refresh_inflight_ = true;
  refresh_last_ = absl::Now();
  refresh_next_ = refresh_last_ + kRefreshMinGap;
  if (control_retarget_ ||
      (control_ && control_->state() == RedisConnection::State::kIdle)) {
    control_retarget_ = false;
    control_.reset();
  }
  if (!control_) {
    // Ask the known primaries first, then the seeds.
    std::vector<RedisNodeAddr> candidates = have_slots_ ? slots_.Primaries()
                                                        : std::vector<RedisNodeAddr>{};
    for (const auto& seed : config_.Endpoints()) candidates.push_back(seed);
    RedisNodeAddr at = candidates[control_index_ % candidates.size()];
    RedisConnection::Hooks hooks;
    hooks.ready = [this] {
      refresh_inflight_ = false;
      RefreshSlots();
    };
    hooks.closed = [this](const absl::Status& why) {
      if (refresh_inflight_) NextControl(std::string(why.message()));
    };
    control_ = std::make_unique<RedisConnection>(loop_, at, ControlOptions(false), std::move(hooks));
    control_->Open();
    return;
  }
  if (!control_->ready()) return;
  std::string asked = control_->addr().host;
  control_->Send({"CLUSTER", "SLOTS"}, [this, asked](ReplyPtr& r, const absl::Status& closed) {
    if (!closed.ok()) return;
    refresh_inflight_ = false;
    if (r->type == REDIS_REPLY_ERROR) return NextControl(Text(r.get()));
    auto map = SlotMap::FromClusterSlots(r.get(), asked);
    if (!map.ok()) return NextControl(std::string(map.status().message()));
    if (!map->Complete() && have_slots_ && slots_.Complete()) {
      // A node that lost its view (restarting, partitioned) — ask another one.
      return NextControl("its slot map is incomplete");
    }
    control_backoff_ = absl::Milliseconds(50);
    ApplySlotMap(std::move(*map));
  });
}

void RedisClient::Impl::ApplySlotMap(SlotMap map) {
  std::vector<RedisNodeAddr> before = have_slots_ ? slots_.Primaries() : std::vector<RedisNodeAddr>{};
  std::vector<RedisNodeAddr> after = map.Primaries();
  slots_ = std::move(map);
  have_slots_ = true;
  if (before != after) {
    std::vector<std::string> names;
    for (const auto& p : after) names.push_back(p.ToString());
    HD_LOG(kInfo, "redis cluster primaries").kv("nodes", absl::StrJoin(names, ","));
  }
  SetWanted(after);
}

// ---- subscriptions ----

void RedisClient::Impl::DoSubscribe(const std::string& channel,
                                    std::shared_ptr<RedisSubscriber> sub) {
  Channel& ch = channels_[channel];
  if (ch.node && ch.node->sub && ch.node->sub->conn->ready() && ch.state != Channel::kNone)
    ch.node->sub->conn->SendNoReply({"SUNSUBSCRIBE", channel});
  ch = Channel{};
  ch.sub = std::move(sub);
  ch.epoch = ++channel_epoch_;
  AssignChannels(absl::Now());
}

void RedisClient::Impl::DoUnsubscribe(const std::string& channel) {
  auto it = channels_.find(channel);
  if (it == channels_.end()) return;
  Channel& ch = it->second;
  if (ch.node && ch.node->sub && ch.node->sub->conn->ready() && ch.state != Channel::kNone)
    ch.node->sub->conn->SendNoReply({"SUNSUBSCRIBE", channel});
  channels_.erase(it);
}

void RedisClient::Impl::AssignChannels(absl::Time now) {
  for (auto& [name, ch] : channels_) {
    if (ch.state != Channel::kNone || now < ch.retry_at) continue;
    Node* node = Route(name);
    if (node == nullptr || !node->wanted) continue;
    if (!node->sub) node->sub = MakeSlot(node, true);
    RedisConnection* conn = node->sub->conn.get();
    if (!conn->ready()) continue;  // MaintainSlot opens it
    ch.state = Channel::kPending;
    ch.node = node;
    uint64_t epoch = ch.epoch;
    std::string channel = name;
    conn->Send({"SSUBSCRIBE", channel}, [this, node, channel, epoch](ReplyPtr& r,
                                                                     const absl::Status& closed) {
      auto it = channels_.find(channel);
      bool mine = it != channels_.end() && it->second.epoch == epoch && it->second.node == node;
      if (!closed.ok()) return;  // DropChannelsOf resets it
      if (!mine) {
        // Unsubscribed (or moved) while the answer was on its way.
        if (r->type != REDIS_REPLY_ERROR && node->sub && node->sub->conn->ready())
          node->sub->conn->SendNoReply({"SUNSUBSCRIBE", channel});
        return;
      }
      Channel& ch = it->second;
      if (r->type == REDIS_REPLY_ERROR) {
        std::string msg = Text(r.get());
        ch.state = Channel::kNone;
        ch.node = nullptr;
        if (auto redirect = ParseRedirect(msg); redirect && config_.mode == RedisConfig::Mode::kCluster) {
          if (redirect->to.host.empty()) redirect->to.host = node->addr.host;
          slots_.Assign(redirect->slot, redirect->to);
          EnsureNode(redirect->to)->wanted = true;
          Rediscover();
          ch.retry_at = absl::Now() + kRetryLater;
        } else {
          HD_LOG(kError, "redis refused a subscription").kv("channel", channel).kv("error", msg);
          ch.retry_at = absl::Now() + kMaxBackoff;
        }
        return;
      }
      ch.state = Channel::kActive;
      ch.sub->OnSubscribed();
    });
  }
}

void RedisClient::Impl::DropChannelsOf(Node* node) {
  for (auto& [name, ch] : channels_) {
    if (ch.node != node || ch.state == Channel::kNone) continue;
    bool was_active = ch.state == Channel::kActive;
    ch.state = Channel::kNone;
    ch.node = nullptr;
    ++ch.epoch;
    if (was_active) ch.sub->OnInterrupted();
  }
}

void RedisClient::Impl::OnSubPush(Node* node, const redisReply* r) {
  if (r->type != REDIS_REPLY_ARRAY || r->elements < 3) return;
  std::string kind = absl::AsciiStrToLower(Text(r->element[0]));
  std::string channel = Text(r->element[1]);
  auto it = channels_.find(channel);
  if (it == channels_.end() || it->second.node != node) return;
  Channel& ch = it->second;
  if (kind == "smessage" && ch.state == Channel::kActive) {
    ch.sub->OnMessage(Text(r->element[2]));
  } else if (kind == "sunsubscribe" && ch.state == Channel::kActive) {
    // Redis dropped us: the channel's slot moved to another node.
    ch.state = Channel::kNone;
    ch.node = nullptr;
    ++ch.epoch;
    ch.sub->OnInterrupted();
    Rediscover();
  }
}

// ---- RedisClient ----

RedisClient::RedisClient(RedisConfig config) : config_(std::move(config)) {
  if (config_.connections < 1) config_.connections = 1;
  impl_ = std::make_unique<Impl>(this, config_);
}

RedisClient::~RedisClient() { Stop(); }

void RedisClient::Start() { impl_->Start(); }
void RedisClient::Stop() { impl_->Stop(); }

void RedisClient::SetHealthListener(std::function<void(bool)> listener) {
  impl_->health_listener = std::move(listener);
}
void RedisClient::SetObserver(std::function<void(double, bool)> observer) {
  impl_->observer = std::move(observer);
}
void RedisClient::SetCompletionExecutor(std::function<void(std::function<void()>)> executor) {
  impl_->completion_executor = std::move(executor);
}

void RedisClient::Command(std::vector<std::string> argv, absl::Time deadline, Callback cb,
                          Write write) {
  std::string key = argv.size() > 1 ? argv[1] : std::string();
  impl_->Submit(std::move(argv), std::move(key), nullptr, write == Write::kYes, deadline,
                std::move(cb));
}

void RedisClient::Eval(const RedisScript& script, std::vector<std::string> keys,
                       std::vector<std::string> args, absl::Time deadline, Callback cb,
                       Write write) {
  std::vector<std::string> argv;
  argv.reserve(3 + keys.size() + args.size());
  argv.push_back("EVALSHA");
  argv.push_back(script.sha());
  argv.push_back(std::to_string(keys.size()));
  std::string route = keys.empty() ? std::string() : keys.front();
  for (auto& k : keys) argv.push_back(std::move(k));
  for (auto& a : args) argv.push_back(std::move(a));
  impl_->Submit(std::move(argv), std::move(route), &script, write == Write::kYes, deadline,
                std::move(cb));
}

void RedisClient::Subscribe(const std::string& channel,
                            std::shared_ptr<RedisSubscriber> subscriber) {
  impl_->Post([impl = impl_.get(), channel, subscriber = std::move(subscriber)]() mutable {
    impl->DoSubscribe(channel, std::move(subscriber));
  });
}

void RedisClient::Unsubscribe(const std::string& channel) {
  impl_->Post([impl = impl_.get(), channel] { impl->DoUnsubscribe(channel); });
}

void RedisClient::After(absl::Duration delay, std::function<void()> fn) {
  impl_->Post([impl = impl_.get(), when = absl::Now() + delay, fn = std::move(fn)]() mutable {
    impl->At(when, std::move(fn));
  });
}

std::vector<RedisNodeAddr> RedisClient::Primaries() const { return impl_->Primaries(); }

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
