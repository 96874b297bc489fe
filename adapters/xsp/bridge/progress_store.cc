#include "adapters/xsp/bridge/progress_store.h"

#include <future>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/json_escape.h"

namespace hotdesk::xsp {
namespace {

constexpr int kRecentKeep = 200;
constexpr char kSeqTtlSeconds[] = "2592000";  // 30 days
constexpr absl::Duration kTimeout = absl::Seconds(3);

// KEYS: cursor, known. ARGV: cursor, op ("+", "-" or ""), host, guest.
const RedisScript kAdvance(R"lua(
redis.call('SET', KEYS[1], ARGV[1])
if ARGV[2] == '+' then
  redis.call('HSET', KEYS[2], ARGV[3], ARGV[4])
elseif ARGV[2] == '-' then
  redis.call('HDEL', KEYS[2], ARGV[3])
end
return 1
)lua");

// KEYS: cursor, known, known_ok. ARGV: cursor, complete ("1"/"0"), then host, guest pairs.
const RedisScript kReplace(R"lua(
redis.call('DEL', KEYS[2])
for i = 3, #ARGV, 2 do
  redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
end
if ARGV[2] == '1' then redis.call('SET', KEYS[3], '1') else redis.call('DEL', KEYS[3]) end
redis.call('SET', KEYS[1], ARGV[1])
return 1
)lua");

// KEYS: seq, pending, order, recent. ARGV: key, ttl seconds, recent to keep, then field, value
// pairs. Returns the arrival order, or 0 when the sequence exists already.
const RedisScript kEnqueue(R"lua(
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local order = redis.call('INCR', KEYS[3])
redis.call('HSET', KEYS[1], 'order', order, unpack(ARGV, 4))
redis.call('EXPIRE', KEYS[1], ARGV[2])
redis.call('ZADD', KEYS[2], order, ARGV[1])
redis.call('LPUSH', KEYS[4], ARGV[1])
redis.call('LTRIM', KEYS[4], 0, tonumber(ARGV[3]) - 1)
return order
)lua");

// KEYS: echo. ARGV: field, order, host, window ms, max entries.
const RedisScript kExpectEcho(R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. ' ' .. (now + tonumber(ARGV[4])) .. ' ' .. ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
local n = redis.call('HLEN', KEYS[1])
local max = tonumber(ARGV[5])
if n > max then
  local all = redis.call('HGETALL', KEYS[1])
  local live = {}
  for i = 1, #all, 2 do
    local o, u = string.match(all[i + 1], '^(%d+) (%d+)')
    if tonumber(u) < now then
      redis.call('HDEL', KEYS[1], all[i])
      n = n - 1
    else
      table.insert(live, {all[i], tonumber(o)})
    end
  end
  table.sort(live, function(a, b) return a[2] < b[2] end)
  local i = 1
  while n > max do
    redis.call('HDEL', KEYS[1], live[i][1])
    n = n - 1
    i = i + 1
  end
end
return n
)lua");

// KEYS: echo. ARGV: guest, host. 1 = an expected echo (the earliest match stays, older ones go),
// 0 = a platform change (every expectation of the guest goes).
const RedisScript kConsumeEcho(R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local all = redis.call('HGETALL', KEYS[1])
local prefix = ARGV[1] .. ' '
local mine = {}
for i = 1, #all, 2 do
  if string.sub(all[i], 1, #prefix) == prefix then
    local o, u, h = string.match(all[i + 1], '^(%d+) (%d+) ?(.*)$')
    if tonumber(u) < now then
      redis.call('HDEL', KEYS[1], all[i])
    else
      table.insert(mine, {all[i], tonumber(o), h})
    end
  end
end
table.sort(mine, function(a, b) return a[2] < b[2] end)
for i, e in ipairs(mine) do
  if e[3] == ARGV[2] then
    for j = 1, i - 1 do redis.call('HDEL', KEYS[1], mine[j][1]) end
    return 1
  end
end
for _, e in ipairs(mine) do redis.call('HDEL', KEYS[1], e[1]) end
return 0
)lua");

std::vector<std::string> RecordFields(const SeqRecord& rec) {
  std::vector<std::string> f = {"kind",       rec.kind,
                                "host",       rec.host,
                                "guest",      rec.guest,
                                "bw_host",    rec.bw_host,
                                "bw_guest",   rec.bw_guest,
                                "state",      rec.state,
                                "error",      rec.error,
                                "parks",      absl::StrCat(rec.parks),
                                "next_ms",    absl::StrCat(rec.next_attempt_ms),
                                "updated_ms", absl::StrCat(absl::ToUnixMillis(absl::Now())),
                                "event",      rec.event,
                                "steps",      absl::StrCat(rec.steps.size())};
  for (size_t i = 0; i < rec.steps.size(); ++i) {
    std::string p = absl::StrCat("s", i, "_");
    const StepRecord& s = rec.steps[i];
    for (auto [k, v] :
         std::vector<std::pair<std::string, std::string>>{{"name", s.name},
                                                          {"outcome", s.outcome},
                                                          {"attempts", absl::StrCat(s.attempts)},
                                                          {"http", absl::StrCat(s.http_status)},
                                                          {"detail", s.detail}}) {
      f.push_back(p + k);
      f.push_back(v);
    }
  }
  return f;
}

}  // namespace

ProgressStore::ProgressStore(std::shared_ptr<RedisClient> redis, std::string prefix,
                             std::string tenant)
    : redis_(std::move(redis)), keys_(std::move(prefix)), tenant_(std::move(tenant)) {}

std::string ProgressStore::CursorKey() const { return keys_.XspCursor(tenant_); }
std::string ProgressStore::KnownKey() const { return keys_.XspKnown(tenant_); }
std::string ProgressStore::KnownOkKey() const { return keys_.XspKnownOk(tenant_); }
std::string ProgressStore::SeqKey(const std::string& c) const {
  return keys_.XspSequence(tenant_, c);
}
std::string ProgressStore::PendingKey() const { return keys_.XspPending(tenant_); }
std::string ProgressStore::OrderKey() const { return keys_.XspOrder(tenant_); }
std::string ProgressStore::RecentKey() const { return keys_.XspRecent(tenant_); }
std::string ProgressStore::EchoKey() const { return keys_.XspEcho(tenant_); }

namespace {

// A reply as the store needs it; called on the Redis loop thread.
template <typename Reply>
void Collect(absl::StatusOr<const redisReply*> r, std::promise<absl::StatusOr<Reply>>* promise) {
  if (!r.ok()) {
    promise->set_value(r.status());
    return;
  }
  Reply out;
  const redisReply* rep = *r;
  out.nil = ReplyIsNil(rep);
  if (rep->type == REDIS_REPLY_ARRAY) {
    for (size_t i = 0; i < rep->elements; ++i) out.arr.push_back(ReplyString(rep->element[i]));
  } else if (!out.nil) {
    out.str = ReplyString(rep);
  }
  promise->set_value(std::move(out));
}

}  // namespace

absl::StatusOr<ProgressStore::Reply> ProgressStore::Call(std::vector<std::string> argv) {
  auto promise = std::make_shared<std::promise<absl::StatusOr<Reply>>>();
  std::future<absl::StatusOr<Reply>> fut = promise->get_future();
  redis_->Command(std::move(argv), absl::Now() + kTimeout,
                  [promise](absl::StatusOr<const redisReply*> r) { Collect(r, promise.get()); });
  return fut.get();
}

absl::StatusOr<ProgressStore::Reply> ProgressStore::Eval(const RedisScript& script,
                                                         std::vector<std::string> keys,
                                                         std::vector<std::string> args) {
  auto promise = std::make_shared<std::promise<absl::StatusOr<Reply>>>();
  std::future<absl::StatusOr<Reply>> fut = promise->get_future();
  redis_->Eval(script, std::move(keys), std::move(args), absl::Now() + kTimeout,
               [promise](absl::StatusOr<const redisReply*> r) { Collect(r, promise.get()); });
  return fut.get();
}

absl::StatusOr<adapters::FollowerState> ProgressStore::Load() {
  adapters::FollowerState st;
  absl::StatusOr<Reply> cursor = Call({"GET", CursorKey()});
  if (!cursor.ok()) return cursor.status();
  st.cursor = cursor->nil ? "" : cursor->str;
  absl::StatusOr<Reply> ok = Call({"EXISTS", KnownOkKey()});
  if (!ok.ok()) return ok.status();
  st.known_complete = ok->str == "1";
  if (st.known_complete) {
    absl::StatusOr<Reply> known = Call({"HGETALL", KnownKey()});
    if (!known.ok()) return known.status();
    for (size_t i = 0; i + 1 < known->arr.size(); i += 2)
      st.known[known->arr[i]] = known->arr[i + 1];
  }
  return st;
}

absl::Status ProgressStore::Advance(const adapters::FollowerState& state,
                                    const adapters::KnownChange* change) {
  std::string op, host, guest;
  if (change != nullptr && state.known_complete) {
    op = change->guest.empty() ? "-" : "+";
    host = change->host;
    guest = change->guest;
  }
  return Eval(kAdvance, {CursorKey(), KnownKey()}, {state.cursor, op, host, guest}).status();
}

absl::Status ProgressStore::Replace(const adapters::FollowerState& state) {
  std::vector<std::string> args = {state.cursor, state.known_complete ? "1" : "0"};
  for (const auto& [host, guest] : state.known) {
    args.push_back(host);
    args.push_back(guest);
  }
  return Eval(kReplace, {CursorKey(), KnownKey(), KnownOkKey()}, std::move(args)).status();
}

absl::StatusOr<bool> ProgressStore::Enqueue(SeqRecord* rec) {
  std::vector<std::string> args = {rec->cursor, kSeqTtlSeconds, absl::StrCat(kRecentKeep)};
  for (std::string& f : RecordFields(*rec)) args.push_back(std::move(f));
  absl::StatusOr<Reply> r =
      Eval(kEnqueue, {SeqKey(rec->cursor), PendingKey(), OrderKey(), RecentKey()}, std::move(args));
  if (!r.ok()) return r.status();
  int64_t order = 0;
  (void)absl::SimpleAtoi(r->str, &order);
  if (order == 0) return false;
  rec->order = order;
  return true;
}

absl::StatusOr<SeqRecord> ProgressStore::LoadSeq(const std::string& key) {
  absl::StatusOr<Reply> r = Call({"HGETALL", SeqKey(key)});
  if (!r.ok()) return r.status();
  if (r->arr.empty()) return absl::NotFoundError("no sequence record");
  std::map<std::string, std::string> f;
  for (size_t i = 0; i + 1 < r->arr.size(); i += 2) f[r->arr[i]] = r->arr[i + 1];
  SeqRecord rec;
  rec.cursor = key;
  (void)absl::SimpleAtoi(f["order"], &rec.order);
  rec.kind = f["kind"];
  rec.host = f["host"];
  rec.guest = f["guest"];
  rec.bw_host = f["bw_host"];
  rec.bw_guest = f["bw_guest"];
  rec.state = f["state"];
  rec.error = f["error"];
  (void)absl::SimpleAtoi(f["parks"], &rec.parks);
  (void)absl::SimpleAtoi(f["next_ms"], &rec.next_attempt_ms);
  (void)absl::SimpleAtoi(f["updated_ms"], &rec.updated_ms);
  rec.event = f["event"];
  int n = 0;
  (void)absl::SimpleAtoi(f["steps"], &n);
  for (int i = 0; i < n; ++i) {
    std::string p = absl::StrCat("s", i, "_");
    StepRecord s;
    s.name = f[p + "name"];
    s.outcome = f[p + "outcome"];
    (void)absl::SimpleAtoi(f[p + "attempts"], &s.attempts);
    (void)absl::SimpleAtoi(f[p + "http"], &s.http_status);
    s.detail = f[p + "detail"];
    rec.steps.push_back(std::move(s));
  }
  return rec;
}

absl::Status ProgressStore::Save(const SeqRecord& rec) {
  std::vector<std::string> argv = {"HSET", SeqKey(rec.cursor)};
  for (std::string& f : RecordFields(rec)) argv.push_back(std::move(f));
  if (absl::Status s = Call(std::move(argv)).status(); !s.ok()) return s;
  if (rec.ended()) return Call({"ZREM", PendingKey(), rec.cursor}).status();
  return absl::OkStatus();
}

absl::StatusOr<std::vector<SeqRecord>> ProgressStore::Pending() {
  absl::StatusOr<Reply> r = Call({"ZRANGE", PendingKey(), "0", "-1"});
  if (!r.ok()) return r.status();
  std::vector<SeqRecord> out;
  for (const std::string& key : r->arr) {
    absl::StatusOr<SeqRecord> rec = LoadSeq(key);
    if (absl::IsNotFound(rec.status())) {
      (void)Call({"ZREM", PendingKey(), key});  // expired long ago
      continue;
    }
    if (!rec.ok()) return rec.status();
    if (rec->ended()) {
      (void)Call({"ZREM", PendingKey(), key});  // ended just before a crash
      continue;
    }
    out.push_back(std::move(*rec));
  }
  return out;
}

absl::StatusOr<std::vector<SeqRecord>> ProgressStore::Recent(int limit) {
  absl::StatusOr<Reply> r = Call({"LRANGE", RecentKey(), "0", absl::StrCat(limit - 1)});
  if (!r.ok()) return r.status();
  std::vector<SeqRecord> out;
  for (const std::string& c : r->arr) {
    absl::StatusOr<SeqRecord> rec = LoadSeq(c);
    if (rec.ok()) out.push_back(std::move(*rec));
  }
  return out;
}

absl::Status ProgressStore::ExpectEcho(const SeqRecord& rec, const std::string& guest,
                                       const std::string& host, absl::Duration window) {
  return Eval(kExpectEcho, {EchoKey()},
              {absl::StrCat(guest, " ", rec.cursor), absl::StrCat(rec.order), host,
               absl::StrCat(std::max<int64_t>(1, absl::ToInt64Milliseconds(window))),
               absl::StrCat(kMaxEchoes)})
      .status();
}

absl::StatusOr<bool> ProgressStore::ConsumeEcho(const std::string& guest, const std::string& host) {
  absl::StatusOr<Reply> r = Eval(kConsumeEcho, {EchoKey()}, {guest, host});
  if (!r.ok()) return r.status();
  return r->str == "1";
}

absl::StatusOr<int64_t> ProgressStore::EchoCount() {
  absl::StatusOr<Reply> r = Call({"HLEN", EchoKey()});
  if (!r.ok()) return r.status();
  int64_t n = 0;
  (void)absl::SimpleAtoi(r->str, &n);
  return n;
}

std::string SeqRecordJson(const SeqRecord& r) {
  std::string out = absl::StrCat(
      "{\"cursor\":", JsonQuote(r.cursor), ",\"order\":", r.order, ",\"kind\":", JsonQuote(r.kind),
      ",\"host\":", JsonQuote(r.host), ",\"guest\":", JsonQuote(r.guest),
      ",\"bwHost\":", JsonQuote(r.bw_host), ",\"bwGuest\":", JsonQuote(r.bw_guest),
      ",\"state\":", JsonQuote(r.state), ",\"error\":", JsonQuote(r.error), ",\"parks\":", r.parks,
      ",\"nextAttemptMs\":", r.next_attempt_ms, ",\"updatedMs\":", r.updated_ms, ",\"steps\":[");
  for (size_t i = 0; i < r.steps.size(); ++i) {
    const StepRecord& s = r.steps[i];
    absl::StrAppend(&out, i ? "," : "", "{\"name\":", JsonQuote(s.name),
                    ",\"outcome\":", JsonQuote(s.outcome), ",\"attempts\":", s.attempts,
                    ",\"httpStatus\":", s.http_status, ",\"detail\":", JsonQuote(s.detail), "}");
  }
  return out + "]}";
}

}  // namespace hotdesk::xsp
