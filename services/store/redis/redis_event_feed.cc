#include <hiredis/hiredis.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/log.h"
#include "services/store/redis/record_codec.h"
#include "services/store/redis/redis_store.h"

namespace hotdesk {
namespace {
constexpr int kBlockMs = 1000;
constexpr int kBatch = 1000;

struct ContextDeleter {
  void operator()(redisContext* c) const { redisFree(c); }
};
using ContextPtr = std::unique_ptr<redisContext, ContextDeleter>;
using ReplyPtr = std::unique_ptr<redisReply, decltype(&freeReplyObject)>;

ReplyPtr Exec(redisContext* c, const std::vector<std::string>& argv) {
  std::vector<const char*> p;
  std::vector<size_t> l;
  for (const auto& a : argv) {
    p.push_back(a.data());
    l.push_back(a.size());
  }
  void* r = redisCommandArgv(c, static_cast<int>(p.size()), p.data(), l.data());
  return ReplyPtr(static_cast<redisReply*>(r), &freeReplyObject);
}
}  // namespace

RedisEventFeed::RedisEventFeed(RedisConfig config, RedisKeys keys, RedisClient* client,
                               UndecodableEntries* undecodable)
    : config_(std::move(config)), keys_(std::move(keys)), client_(client),
      undecodable_(undecodable) {}

RedisEventFeed::~RedisEventFeed() { Stop(); }

void RedisEventFeed::Start() {
  if (running_.exchange(true)) return;
  thread_ = std::thread([this] { Run(); });
}

void RedisEventFeed::Stop() {
  if (!running_.exchange(false)) return;
  cv_.notify_all();
  Interrupt();
  thread_.join();
}

void RedisEventFeed::Follow(const std::string& tenant) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    followed_.insert(tenant);
    // Re-read the base even if the reader still has a position: a channel that was dropped and
    // re-created needs OnFollowing again.
    fresh_.insert(tenant);
  }
  cv_.notify_all();
  Interrupt();
}

void RedisEventFeed::Unfollow(const std::string& tenant) {
  std::lock_guard<std::mutex> lock(mu_);
  followed_.erase(tenant);
}

void RedisEventFeed::Interrupt() {
  // Wake a blocked XREAD so that a newly followed tenant is read at once.
  long long id = reader_client_id_.load();
  bool blocked;
  {
    std::lock_guard<std::mutex> lock(mu_);
    blocked = blocked_;
  }
  if (id < 0 || !blocked) return;
  client_->Command({"CLIENT", "UNBLOCK", std::to_string(id)}, absl::Now() + absl::Seconds(1),
                   [](absl::StatusOr<const redisReply*>) {});
}

void RedisEventFeed::Run() {
  ContextPtr ctx;
  while (running_) {
    if (!ctx) {
      timeval tv{static_cast<time_t>(absl::ToInt64Seconds(config_.connect_timeout)), 0};
      ctx.reset(redisConnectWithTimeout(config_.host.c_str(), config_.port, tv));
      bool ok = ctx && !ctx->err;
      if (ok && !config_.password.empty()) {
        auto r = Exec(ctx.get(), {"AUTH", config_.password});
        ok = r && r->type != REDIS_REPLY_ERROR;
      }
      if (ok && config_.db != 0) {
        auto r = Exec(ctx.get(), {"SELECT", std::to_string(config_.db)});
        ok = r && r->type != REDIS_REPLY_ERROR;
      }
      if (ok) {
        auto r = Exec(ctx.get(), {"CLIENT", "ID"});
        ok = r && r->type == REDIS_REPLY_INTEGER;
        if (ok) reader_client_id_ = r->integer;
      }
      if (!ok) {
        ctx.reset();
        reader_client_id_ = -1;
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait_for(lock, std::chrono::milliseconds(200), [this] { return !running_; });
        continue;
      }
      timeval rt{kBlockMs / 1000 + 3, 0};
      redisSetTimeout(ctx.get(), rt);
    }

    std::set<std::string> followed;
    {
      std::unique_lock<std::mutex> lock(mu_);
      if (followed_.empty()) {
        cv_.wait_for(lock, std::chrono::seconds(1));
        for (auto it = positions_.begin(); it != positions_.end();)
          it = followed_.count(it->first) ? std::next(it) : positions_.erase(it);
        continue;
      }
      followed = followed_;
      for (const auto& t : fresh_) positions_.erase(t);
      fresh_.clear();
    }
    for (auto it = positions_.begin(); it != positions_.end();)
      it = followed.count(it->first) ? std::next(it) : positions_.erase(it);
    bool failed = false;
    for (const auto& t : followed) {
      if (positions_.count(t)) continue;
      auto r = Exec(ctx.get(), {"XREVRANGE", keys_.Events(t), "+", "-", "COUNT", "1"});
      if (!r || r->type != REDIS_REPLY_ARRAY) {
        failed = true;
        break;
      }
      StreamId base;
      if (r->elements > 0) {
        auto id = StreamId::Parse(
            std::string(r->element[0]->element[0]->str, r->element[0]->element[0]->len));
        if (id) base = *id;
      }
      positions_[t] = base;
      if (listener_) listener_->OnFollowing(t, base);
    }
    if (failed) {
      ctx.reset();
      continue;
    }

    std::vector<std::string> argv = {
        "XREAD", "COUNT", std::to_string(kBatch), "BLOCK", std::to_string(kBlockMs), "STREAMS"};
    for (const auto& [t, pos] : positions_) argv.push_back(keys_.Events(t));
    for (const auto& [t, pos] : positions_) argv.push_back(pos.ToString());
    {
      // A tenant followed since the snapshot above is picked up first, not after a block.
      std::lock_guard<std::mutex> lock(mu_);
      if (followed_ != followed || !fresh_.empty()) continue;
      blocked_ = true;
    }
    auto r = Exec(ctx.get(), argv);
    {
      std::lock_guard<std::mutex> lock(mu_);
      blocked_ = false;
    }
    if (!r) {
      HD_LOG(kWarn, "event reader lost redis").kv("error", ctx->errstr);
      ctx.reset();
      reader_client_id_ = -1;
      continue;
    }
    if (r->type != REDIS_REPLY_ARRAY) continue;  // timeout (nil) or UNBLOCKED error
    for (size_t s = 0; s < r->elements; ++s) {
      const redisReply* stream = r->element[s];
      if (stream->type != REDIS_REPLY_ARRAY || stream->elements != 2) continue;
      std::string tenant =
          keys_.TenantOfEventsKey(std::string(stream->element[0]->str, stream->element[0]->len));
      auto pos = positions_.find(tenant);
      if (pos == positions_.end()) continue;
      // Undecodable entries are skipped and stepped over, as catch-up does.
      DecodedPage page = DecodeStreamPage(tenant, stream->element[1], undecodable_);
      if (page.last) pos->second = *page.last;
      if (!page.events.empty() && listener_) listener_->OnEvents(tenant, std::move(page.events));
    }
  }
}

}  // namespace hotdesk
