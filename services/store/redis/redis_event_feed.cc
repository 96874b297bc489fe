#include "services/store/redis/redis_event_feed.h"

#include <hiredis/hiredis.h>

#include <atomic>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/log.h"
#include "services/store/redis/store_scripts.h"
#include "services/store/redis/record_codec.h"
#include "services/store/store_util.h"

namespace hotdesk {
namespace {
constexpr int kBatch = 1000;
constexpr absl::Duration kReadTimeout = absl::Seconds(5);
constexpr absl::Duration kRetry = absl::Milliseconds(200);

std::string Str(const redisReply* r) {
  return r && (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS)
             ? std::string(r->str, r->len)
             : std::string();
}
}  // namespace

// One followed tenant. Lives on the client's loop thread (subscriber callbacks, read
// completions, retries), so its state needs no lock; `stopped` is the only field other threads
// write.
class RedisEventFeed::Follower final : public RedisSubscriber,
                                       public std::enable_shared_from_this<Follower> {
 public:
  Follower(RedisClient* client, const RedisKeys& keys, Listener* listener, std::string tenant)
      : client_(client),
        listener_(listener),
        tenant_(std::move(tenant)),
        stream_(keys.Events(tenant_)) {}

  void Stop() { stopped_ = true; }
  const std::string& stream() const { return stream_; }

  void OnSubscribed() override {
    subscribed_ = true;
    Read();  // whatever was published while we were not listening
  }
  void OnMessage(const std::string& payload) override {
    auto id = StreamId::Parse(payload);
    if (have_pos_ && id && !(pos_ < *id)) return;  // already read
    Read();
  }
  void OnInterrupted() override { subscribed_ = false; }

 private:
  void Read() {
    if (stopped_) return;
    if (reading_) {
      again_ = true;
      return;
    }
    reading_ = true;
    again_ = false;
    auto self = shared_from_this();
    if (!have_pos_) {
      // Start (or restart after lost history) from the stream's end.
      client_->Command({"XREVRANGE", stream_, "+", "-", "COUNT", "1"}, absl::Now() + kReadTimeout,
                       [self](absl::StatusOr<const redisReply*> r) { self->OnBase(r); });
      return;
    }
    RunScript(client_,
              Bind(ReadEventsScript(), {{"ev", stream_}},
                   {{"after", pos_.ToString()}, {"count", std::to_string(kBatch)}}),
              absl::Now() + kReadTimeout,
              [self](absl::StatusOr<const redisReply*> r) { self->OnRead(r); });
  }

  void Done(bool more) {
    reading_ = false;
    if (more || again_) Read();
  }

  void RetryLater(const absl::Status& why) {
    if (!logged_failure_) {
      HD_LOG(kWarn, "event reader cannot read a stream; retrying")
          .kv("tenant", tenant_)
          .kv("error", why.message());
      logged_failure_ = true;
    }
    reading_ = false;
    auto self = shared_from_this();
    client_->After(kRetry, [self] { self->Read(); });
  }

  void OnBase(absl::StatusOr<const redisReply*> r) {
    if (stopped_) return;
    if (!r.ok()) return RetryLater(r.status());
    const redisReply* rep = *r;
    StreamId base;
    if (rep->type == REDIS_REPLY_ARRAY && rep->elements > 0) {
      auto id = StreamId::Parse(Str(rep->element[0]->element[0]));
      if (id) base = *id;
    }
    pos_ = base;
    have_pos_ = true;
    logged_failure_ = false;
    if (listener_) listener_->OnFollowing(tenant_, base);
    Done(true);  // events may have landed between the subscription and this read
  }

  void OnRead(absl::StatusOr<const redisReply*> r) {
    if (stopped_) return;
    if (!r.ok()) return RetryLater(r.status());
    const redisReply* rep = *r;
    std::string verdict = rep->type == REDIS_REPLY_ARRAY && rep->elements > 0
                              ? Str(rep->element[0])
                              : std::string();
    if (verdict == "TRIMMED" || verdict == "LOST") {
      HD_LOG(kWarn, "event reader lost its place in a stream; watchers must resync")
          .kv("tenant", tenant_)
          .kv("position", pos_.ToString())
          .kv("why", verdict == "LOST" ? "history lost (failover?)" : "trimmed");
      have_pos_ = false;
      if (listener_)
        listener_->OnLost(tenant_, verdict == "LOST" ? HistoryLostError(pos_) : TrimmedError(pos_));
      reading_ = false;
      return Read();
    }
    if (verdict != "OK" || rep->elements != 2 || rep->element[1]->type != REDIS_REPLY_ARRAY)
      return RetryLater(absl::InternalError("read_events: unexpected reply"));
    logged_failure_ = false;
    const redisReply* entries = rep->element[1];
    std::vector<EventPtr> events;
    events.reserve(entries->elements);
    for (size_t i = 0; i < entries->elements; ++i) {
      const redisReply* e = entries->element[i];
      // The position moves past every entry, decodable or not: one bad entry must neither stop
      // the stream nor be read again and again.
      if (e->type == REDIS_REPLY_ARRAY && e->elements >= 1)
        if (auto id = StreamId::Parse(Str(e->element[0]))) pos_ = *id;
      auto ev = DecodeStreamEntry(tenant_, e);
      if (!ev.ok()) {
        HD_LOG(kError, "undecodable event skipped")
            .kv("tenant", tenant_)
            .kv("position", pos_.ToString())
            .kv("error", ev.status().message());
        continue;
      }
      events.push_back(std::move(*ev));
    }
    if (!events.empty() && listener_) listener_->OnEvents(tenant_, std::move(events));
    Done(entries->elements == static_cast<size_t>(kBatch));
  }

  RedisClient* client_;
  Listener* listener_;
  std::string tenant_;
  std::string stream_;
  std::atomic<bool> stopped_{false};
  bool subscribed_ = false;
  bool reading_ = false;
  bool again_ = false;
  bool have_pos_ = false;
  bool logged_failure_ = false;
  StreamId pos_;
};

RedisEventFeed::RedisEventFeed(RedisClient* client, RedisKeys keys)
    : client_(client), keys_(std::move(keys)) {}

RedisEventFeed::~RedisEventFeed() { Stop(); }

void RedisEventFeed::Stop() {
  std::map<std::string, std::shared_ptr<Follower>> all;
  {
    std::lock_guard<std::mutex> lock(mu_);
    all.swap(followers_);
  }
  for (auto& [tenant, f] : all) {
    f->Stop();
    client_->Unsubscribe(f->stream());
  }
}

void RedisEventFeed::Follow(const std::string& tenant) {
  auto f = std::make_shared<Follower>(client_, keys_, listener_, tenant);
  std::shared_ptr<Follower> old;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto& slot = followers_[tenant];
    old = std::move(slot);
    slot = f;
  }
  // Following again (a channel dropped and re-created) starts afresh: OnFollowing again.
  if (old) old->Stop();
  client_->Subscribe(f->stream(), f);
}

void RedisEventFeed::Unfollow(const std::string& tenant) {
  std::shared_ptr<Follower> f;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = followers_.find(tenant);
    if (it == followers_.end()) return;
    f = std::move(it->second);
    followers_.erase(it);
  }
  f->Stop();
  client_->Unsubscribe(f->stream());
}

}  // namespace hotdesk
