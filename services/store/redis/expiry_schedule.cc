#include "services/store/redis/expiry_schedule.h"

#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "services/common/countdown.h"
#include "services/store/redis/lua_script.h"

extern const char kLua_claim_due[], kLua_release_due[];

namespace hotdesk {
namespace {

const LuaScript& ClaimDueScript() {
  static const auto* s =
      new LuaScript("claim_due", kLua_claim_due, {"due_set"}, {"max", "lease_ms"});
  return *s;
}
const LuaScript& ReleaseDueScript() {
  static const auto* s =
      new LuaScript("release_due", kLua_release_due, {"due_set"}, {"claim", "swept"});
  return *s;
}

}  // namespace

ExpirySchedule::ExpirySchedule(RedisClient* client, RedisKeys keys, ExpiryScheduleOptions options)
    : client_(client), keys_(std::move(keys)), options_(options) {}

void ExpirySchedule::ListTenant(const std::string& tenant, absl::Time deadline, StatusDone done) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (listed_.count(tenant)) {
      done(absl::OkStatus());
      return;
    }
  }
  client_->Command(
      {"SADD", keys_.Tenants(), tenant}, deadline,
      [this, tenant, done = std::move(done)](absl::StatusOr<const redisReply*> r) {
        if (!r.ok()) {
          return done(absl::UnavailableError(absl::StrCat("cannot list tenant ", tenant,
                                                          " for expiry (", r.status().message(),
                                                          "); nothing was changed: retry")));
        }
        {
          std::lock_guard<std::mutex> lock(mu_);
          listed_.insert(tenant);
        }
        done(absl::OkStatus());
      },
      RedisClient::Write::kYes);
}

void ExpirySchedule::Schedule(const std::string& tenant, int64_t expire_ms, absl::Time deadline,
                              StatusDone done) {
  client_->Command(
      {"ZADD", keys_.Due(), "LT", std::to_string(expire_ms), tenant}, deadline,
      [done = std::move(done)](absl::StatusOr<const redisReply*> r) {
        if (!r.ok()) {
          return done(absl::UnavailableError(
              absl::StrCat("the association is stored but its expiry could not be scheduled (",
                           r.status().message(), "): retry with the same request_id")));
        }
        done(absl::OkStatus());
      },
      RedisClient::Write::kYes);
}

void ExpirySchedule::ClaimDue(absl::Time deadline, Done<Claim> done) {
  RunScript(
      client_,
      Bind(ClaimDueScript(), {{"due_set", keys_.Due()}},
           {{"max", std::to_string(options_.max_tenants)},
            {"lease_ms", std::to_string(absl::ToInt64Milliseconds(options_.lease))}}),
      deadline,
      [done = std::move(done)](absl::StatusOr<const redisReply*> r) {
        if (!r.ok()) return done(r.status());
        const redisReply* rep = *r;
        if (rep->type != REDIS_REPLY_ARRAY || rep->elements < 1)
          return done(absl::InternalError("unexpected redis reply to claim_due"));
        Claim claim;
        claim.score = ReplyString(rep->element[0]);
        for (size_t i = 1; i < rep->elements; ++i)
          claim.tenants.push_back(ReplyString(rep->element[i]));
        done(std::move(claim));
      },
      RedisClient::Write::kYes);
}

void ExpirySchedule::Release(const Claim& claim,
                             const std::vector<std::pair<std::string, std::string>>& next,
                             absl::Time deadline, StatusDone done) {
  if (next.empty()) return done(absl::OkStatus());
  std::vector<std::string> swept;
  swept.reserve(next.size());
  for (const auto& [tenant, ms] : next) swept.push_back(absl::StrCat(tenant, "=", ms));
  RunScript(
      client_,
      Bind(ReleaseDueScript(), {{"due_set", keys_.Due()}},
           {{"claim", claim.score}, {"swept", absl::StrJoin(swept, " ")}}),
      deadline, [done = std::move(done)](absl::StatusOr<const redisReply*> r) { done(r.status()); },
      RedisClient::Write::kYes);
}

bool ExpirySchedule::ReconcileDue() {
  std::lock_guard<std::mutex> lock(mu_);
  absl::Time now = absl::Now();
  if (now < next_reconcile_) return false;
  next_reconcile_ = now + options_.reconcile_interval;
  return true;
}

void ExpirySchedule::Reconcile(absl::Time deadline, StatusDone done) {
  auto failed = [this, done](absl::Status s) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      next_reconcile_ = absl::InfinitePast();
    }
    done(std::move(s));
  };
  {
    // Tenants are listed again at their next Establish: a listing lost with a failed-over
    // primary heals within one interval for every tenant still in use.
    std::lock_guard<std::mutex> lock(mu_);
    listed_.clear();
  }
  Tenants(deadline, [this, deadline, done, failed](absl::StatusOr<std::vector<std::string>> all) {
    if (!all.ok()) return failed(all.status());
    if (all->empty()) return done(absl::OkStatus());
    struct Acc {
      explicit Acc(size_t n) : countdown(n) {}
      Countdown countdown;
      absl::Status status;
      std::vector<std::string> zadd;  // ZADD due LT score tenant ...
    };
    auto acc = std::make_shared<Acc>(all->size());
    acc->zadd = {"ZADD", keys_.Due(), "LT"};
    for (const auto& t : *all) {
      client_->Command({"ZRANGE", keys_.Expiry(t), "0", "0", "WITHSCORES"}, deadline,
                       [this, acc, t, deadline, done, failed](absl::StatusOr<const redisReply*> r) {
                         bool last = acc->countdown.Arrive([&] {
                           if (!r.ok()) {
                             if (acc->status.ok()) acc->status = r.status();
                           } else if ((*r)->type == REDIS_REPLY_ARRAY && (*r)->elements == 2) {
                             acc->zadd.push_back(ReplyString((*r)->element[1]));
                             acc->zadd.push_back(t);
                           }
                         });
                         if (!last) return;
                         // What was read is scheduled even when some reads failed.
                         absl::Status read_status = acc->status;
                         auto finish = [read_status, done, failed](absl::Status s) {
                           if (s.ok()) s = read_status;
                           if (!s.ok()) return failed(s);
                           done(absl::OkStatus());
                         };
                         if (acc->zadd.size() == 3) return finish(absl::OkStatus());
                         client_->Command(
                             std::move(acc->zadd), deadline,
                             [finish](absl::StatusOr<const redisReply*> z) { finish(z.status()); },
                             RedisClient::Write::kYes);
                       });
    }
  });
}

void ExpirySchedule::Tenants(absl::Time deadline, Done<std::vector<std::string>> done) {
  client_->Command({"SMEMBERS", keys_.Tenants()}, deadline,
                   [done = std::move(done)](absl::StatusOr<const redisReply*> r) {
                     if (!r.ok()) return done(r.status());
                     std::vector<std::string> out;
                     for (size_t i = 0; i < (*r)->elements; ++i)
                       out.push_back(ReplyString((*r)->element[i]));
                     done(std::move(out));
                   });
}

}  // namespace hotdesk
