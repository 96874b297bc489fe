#include "services/directory/redis_directory_store.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/directory/directory_util.h"
#include "services/store/store_util.h"

namespace hotdesk {
namespace {

constexpr int kCasTries = 8;

// Time comes from Redis, as for associations.
constexpr char kLuaPrelude[] = R"LUA(
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function fmt(n) return string.format('%.0f', n) end
)LUA";

// KEYS dev, dev-ext; ARGV mac, extension, record
constexpr char kCreateDevice[] = R"LUA(
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return {'DEVICE_EXISTS'} end
local owner = redis.call('HGET', KEYS[2], ARGV[2])
if owner then return {'EXTENSION_TAKEN', owner} end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
redis.call('HSET', KEYS[2], ARGV[2], ARGV[1])
return {'OK'}
)LUA";

// KEYS dev, dev-ext; ARGV mac, expected record, new record, old extension, new extension
constexpr char kUpdateDevice[] = R"LUA(
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if not cur then return {'NOT_FOUND'} end
if cur ~= ARGV[2] then return {'CONFLICT'} end
if ARGV[4] ~= ARGV[5] then
  local owner = redis.call('HGET', KEYS[2], ARGV[5])
  if owner and owner ~= ARGV[1] then return {'EXTENSION_TAKEN', owner} end
  if redis.call('HGET', KEYS[2], ARGV[4]) == ARGV[1] then redis.call('HDEL', KEYS[2], ARGV[4]) end
  redis.call('HSET', KEYS[2], ARGV[5], ARGV[1])
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return {'OK'}
)LUA";

// KEYS dev, dev-ext; ARGV mac, expected record, extension
constexpr char kDeleteDevice[] = R"LUA(
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if not cur then return {'NOT_FOUND'} end
if cur ~= ARGV[2] then return {'CONFLICT'} end
redis.call('HDEL', KEYS[1], ARGV[1])
if redis.call('HGET', KEYS[2], ARGV[3]) == ARGV[1] then redis.call('HDEL', KEYS[2], ARGV[3]) end
return {'OK'}
)LUA";

// KEYS dev, dev-ext; ARGV extension
constexpr char kDeviceByExtension[] = R"LUA(
local mac = redis.call('HGET', KEYS[2], ARGV[1])
if not mac then return {} end
local rec = redis.call('HGET', KEYS[1], mac)
if not rec then return {} end
return {rec}
)LUA";

// KEYS guest, pin; ARGV id, record, pin state ('' = none)
constexpr char kCreateGuest[] = R"LUA(
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 0 then return {'GUEST_EXISTS'} end
if ARGV[3] ~= '' then redis.call('HSET', KEYS[2], ARGV[1], ARGV[3]) else redis.call('HDEL', KEYS[2], ARGV[1]) end
return {'OK'}
)LUA";

// KEYS guest, pin; ARGV id
constexpr char kGetGuest[] = R"LUA(
local rec = redis.call('HGET', KEYS[1], ARGV[1])
if not rec then return {} end
return {rec, redis.call('HGET', KEYS[2], ARGV[1]) or ''}
)LUA";

// KEYS guest, pin; ARGV id, expected record, new record
constexpr char kUpdateGuest[] = R"LUA(
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if not cur then return {'NOT_FOUND'} end
if cur ~= ARGV[2] then return {'CONFLICT'} end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return {'OK', redis.call('HGET', KEYS[2], ARGV[1]) or ''}
)LUA";

// KEYS guest, pin; ARGV id
constexpr char kDeleteGuest[] = R"LUA(
local rec = redis.call('HGET', KEYS[1], ARGV[1])
if not rec then return {} end
local pin = redis.call('HGET', KEYS[2], ARGV[1]) or ''
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
return {rec, pin}
)LUA";

// KEYS guest, pin; ARGV id, hash
constexpr char kSetPin[] = R"LUA(
local rec = redis.call('HGET', KEYS[1], ARGV[1])
if not rec then return {} end
local state = ARGV[2] .. '\t0\t0'
redis.call('HSET', KEYS[2], ARGV[1], state)
return {rec, state}
)LUA";

// KEYS guest, pin, source budget, tenant budget;
// ARGV id, max attempts, lockout ms, max lockout ms, per source, per tenant, window ms
constexpr char kBeginPin[] = R"LUA(
local per_source, per_tenant, window = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local function exhausted(key, limit)
  if limit <= 0 then return nil end
  if tonumber(redis.call('GET', key) or '0') >= limit then
    return math.max(redis.call('PTTL', key), 0)
  end
  return nil
end
local function spend()
  for i, limit in ipairs({per_source, per_tenant}) do
    if limit > 0 and redis.call('INCR', KEYS[i + 2]) == 1 then
      redis.call('PEXPIRE', KEYS[i + 2], window)
    end
  end
end
local ttl = exhausted(KEYS[3], per_source)
if ttl then return {'THROTTLED', 'source', fmt(ttl)} end
ttl = exhausted(KEYS[4], per_tenant)
if ttl then return {'THROTTLED', 'tenant', fmt(ttl)} end
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then spend(); return {'NOT_FOUND'} end
local st = redis.call('HGET', KEYS[2], ARGV[1])
if not st then return {'NO_PIN'} end
local hash, failures, locked, lockouts = string.match(st, '^([^\t]*)\t(%d+)\t(%d+)\t?(%d*)$')
if not hash or hash == '' then return {'NO_PIN'} end
failures = tonumber(failures)
locked = tonumber(locked)
lockouts = tonumber(lockouts) or 0
-- The n-th lockout in a row lasts lockout * 2^(n-1), at most the maximum.
local function lockout_ms(n)
  return math.min(tonumber(ARGV[3]) * 2 ^ math.min(math.max(n - 1, 0), 40), tonumber(ARGV[4]))
end
local now = now_ms()
if locked > now then return {'LOCKED', fmt(locked), fmt(lockout_ms(lockouts))} end
if locked > 0 then failures = 0; locked = 0 end
local max = tonumber(ARGV[2])
if failures >= max then failures = 0 end
failures = failures + 1
local dur = 0
if failures >= max then
  lockouts = lockouts + 1
  dur = lockout_ms(lockouts)
  locked = now + dur
end
spend()
redis.call('HSET', KEYS[2], ARGV[1],
           hash .. '\t' .. fmt(failures) .. '\t' .. fmt(locked) .. '\t' .. fmt(lockouts))
return {'PROCEED', hash, fmt(failures), fmt(locked), fmt(dur)}
)LUA";

// KEYS pin, source budget, tenant budget; ARGV id, hash
constexpr char kPinAccepted[] = R"LUA(
local st = redis.call('HGET', KEYS[1], ARGV[1])
if not st then return 0 end
local hash = string.match(st, '^([^\t]*)\t')
if hash ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], hash .. '\t0\t0\t0')
-- A correct PIN is not a guess: give the attempt back.
for i = 2, 3 do
  if tonumber(redis.call('GET', KEYS[i]) or '0') > 0 then redis.call('DECR', KEYS[i]) end
end
return 1
)LUA";

const RedisScript& Script(const char* body) {
  static std::mutex mu;
  static std::map<const char*, std::unique_ptr<RedisScript>> scripts;
  std::lock_guard<std::mutex> lock(mu);
  auto& s = scripts[body];
  if (!s) s = std::make_unique<RedisScript>(std::string(kLuaPrelude) + body);
  return *s;
}

absl::Status Unexpected(const char* what) {
  return absl::InternalError(absl::StrCat("unexpected redis reply to ", what));
}

std::string Elem(const redisReply* r, size_t i) {
  if (r->type != REDIS_REPLY_ARRAY || i >= r->elements) return "";
  return ReplyString(r->element[i]);
}

std::string Status(const redisReply* r) { return Elem(r, 0); }

struct PinState {
  bool has_pin = false;
  std::string hash;
  int failures = 0;
  absl::Time locked_until = absl::UnixEpoch();
};

PinState ParsePinState(const std::string& s) {
  PinState p;
  // hash, failures, locked until (ms), lockouts in a row (absent in records written before
  // lockouts escalated)
  std::vector<std::string> parts = absl::StrSplit(s, '\t');
  if ((parts.size() != 3 && parts.size() != 4) || parts[0].empty()) return p;
  int64_t locked = 0;
  p.has_pin = true;
  p.hash = parts[0];
  (void)absl::SimpleAtoi(parts[1], &p.failures);
  (void)absl::SimpleAtoi(parts[2], &locked);
  p.locked_until = absl::FromUnixMillis(locked);
  return p;
}

absl::StatusOr<v1::Guest> GuestView(const std::string& record, const std::string& pin_state) {
  auto g = DecodeGuest(record);
  if (!g.ok()) return g.status();
  PinState p = ParsePinState(pin_state);
  ApplyPinState(p.has_pin, p.failures, p.locked_until, absl::Now(), &*g);
  return g;
}

absl::StatusOr<std::string> ScanCursor(const std::string& token) {
  if (token.empty()) return std::string("0");
  uint64_t c;
  if (token[0] != 'r' || !absl::SimpleAtoi(token.substr(1), &c) || c == 0)
    return BadPageTokenError();
  return token.substr(1);
}

}  // namespace

RedisDirectoryStore::RedisDirectoryStore(RedisClient* client, std::string prefix)
    : client_(client), keys_(std::move(prefix)) {}

std::string RedisDirectoryStore::DevExtKey(const std::string& t) const {
  return absl::StrCat(keys_.prefix(), ":{", t, "}:dev-ext");
}

std::string RedisDirectoryStore::PinKey(const std::string& t) const {
  return absl::StrCat(keys_.prefix(), ":{", t, "}:pin");
}

void RedisDirectoryStore::CreateDevice(const v1::Device& device, absl::Time deadline,
                                       Done<v1::Device> done) {
  v1::Device d = device;
  SetTime(absl::Now(), d.mutable_create_time());
  *d.mutable_update_time() = d.create_time();
  client_->Eval(Script(kCreateDevice), {DevKey(d.tenant()), DevExtKey(d.tenant())},
                {d.mac(), d.hotdesk_extension(), EncodeDevice(d)}, deadline,
                [d, done = std::move(done)](absl::StatusOr<const redisReply*> r) {
                  if (!r.ok()) return done(r.status());
                  std::string s = Status(*r);
                  if (s == "OK") return done(d);
                  if (s == "DEVICE_EXISTS") return done(DeviceExistsError(d.mac()));
                  if (s == "EXTENSION_TAKEN")
                    return done(ExtensionTakenError(d.hotdesk_extension(), Elem(*r, 1)));
                  done(Unexpected("create device"));
                });
}

void RedisDirectoryStore::GetDevice(const std::string& tenant, const std::string& mac,
                                    absl::Time deadline, Done<v1::Device> done) {
  client_->Command({"HGET", DevKey(tenant), mac}, deadline,
                   [tenant, mac, done = std::move(done)](absl::StatusOr<const redisReply*> r) {
                     if (!r.ok()) return done(r.status());
                     if (ReplyIsNil(*r)) return done(DeviceNotFoundError(tenant, mac));
                     done(DecodeDevice(ReplyString(*r)));
                   });
}

void RedisDirectoryStore::GetDeviceByExtension(const std::string& tenant,
                                               const std::string& extension, absl::Time deadline,
                                               Done<v1::Device> done) {
  client_->Eval(Script(kDeviceByExtension), {DevKey(tenant), DevExtKey(tenant)}, {extension},
                deadline,
                [tenant, extension, done = std::move(done)](absl::StatusOr<const redisReply*> r) {
                  if (!r.ok()) return done(r.status());
                  if ((*r)->type != REDIS_REPLY_ARRAY || (*r)->elements != 1)
                    return done(DeviceNotFoundError(tenant, extension));
                  done(DecodeDevice(Elem(*r, 0)));
                });
}

void RedisDirectoryStore::UpdateDevice(const std::string& tenant, const std::string& mac,
                                       Mutation<v1::Device> mutate, absl::Time deadline,
                                       Done<v1::Device> done) {
  UpdateDeviceAttempt(tenant, mac, std::move(mutate), deadline, kCasTries, std::move(done));
}

void RedisDirectoryStore::UpdateDeviceAttempt(const std::string& tenant, const std::string& mac,
                                              Mutation<v1::Device> mutate, absl::Time deadline,
                                              int tries_left, Done<v1::Device> done) {
  client_->Command(
      {"HGET", DevKey(tenant), mac}, deadline,
      [this, tenant, mac, mutate = std::move(mutate), deadline, tries_left,
       done = std::move(done)](absl::StatusOr<const redisReply*> r) mutable {
        if (!r.ok()) return done(r.status());
        if (ReplyIsNil(*r)) return done(DeviceNotFoundError(tenant, mac));
        std::string old_record = ReplyString(*r);
        auto old = DecodeDevice(old_record);
        if (!old.ok()) return done(old.status());
        v1::Device d = *old;
        if (auto st = mutate(&d); !st.ok()) return done(st);
        d.set_mac(mac);
        d.set_tenant(tenant);
        SetTime(absl::Now(), d.mutable_update_time());
        client_->Eval(
            Script(kUpdateDevice), {DevKey(tenant), DevExtKey(tenant)},
            {mac, old_record, EncodeDevice(d), old->hotdesk_extension(), d.hotdesk_extension()},
            deadline,
            [this, tenant, mac, d, mutate = std::move(mutate), deadline, tries_left,
             done = std::move(done)](absl::StatusOr<const redisReply*> r) mutable {
              if (!r.ok()) return done(r.status());
              std::string s = Status(*r);
              if (s == "OK") return done(d);
              if (s == "NOT_FOUND") return done(DeviceNotFoundError(tenant, mac));
              if (s == "EXTENSION_TAKEN")
                return done(ExtensionTakenError(d.hotdesk_extension(), Elem(*r, 1)));
              if (s == "CONFLICT" && tries_left > 1)
                return UpdateDeviceAttempt(tenant, mac, std::move(mutate), deadline, tries_left - 1,
                                           std::move(done));
              if (s == "CONFLICT")
                return done(absl::AbortedError("device changed concurrently; retry"));
              done(Unexpected("update device"));
            });
      });
}

void RedisDirectoryStore::DeleteDevice(const std::string& tenant, const std::string& mac,
                                       absl::Time deadline, Done<v1::Device> done) {
  // Read the record for its extension, then delete it if unchanged (retry otherwise).
  auto attempt = std::make_shared<std::function<void(int)>>();
  *attempt = [this, tenant, mac, deadline, done = std::move(done),
              weak = std::weak_ptr<std::function<void(int)>>(attempt)](int tries_left) mutable {
    auto self = weak.lock();
    client_->Command(
        {"HGET", DevKey(tenant), mac}, deadline,
        [this, tenant, mac, deadline, done, self, tries_left](absl::StatusOr<const redisReply*> r) {
          if (!r.ok()) return done(r.status());
          if (ReplyIsNil(*r)) return done(DeviceNotFoundError(tenant, mac));
          std::string record = ReplyString(*r);
          auto d = DecodeDevice(record);
          if (!d.ok()) return done(d.status());
          client_->Eval(
              Script(kDeleteDevice), {DevKey(tenant), DevExtKey(tenant)},
              {mac, record, d->hotdesk_extension()}, deadline,
              [tenant, mac, dev = *d, done, self, tries_left](absl::StatusOr<const redisReply*> r) {
                if (!r.ok()) return done(r.status());
                std::string s = Status(*r);
                if (s == "OK") return done(dev);
                if (s == "NOT_FOUND") return done(DeviceNotFoundError(tenant, mac));
                if (s == "CONFLICT" && tries_left > 1 && self) return (*self)(tries_left - 1);
                done(absl::AbortedError("device changed concurrently; retry"));
              });
        });
  };
  // The shared function keeps itself alive through the callbacks that hold `self`.
  auto keep = attempt;
  (*keep)(kCasTries);
}

void RedisDirectoryStore::ListDevices(const std::string& tenant, int page_size,
                                      const std::string& page_token, absl::Time deadline,
                                      Done<DevicePage> done) {
  auto cursor = ScanCursor(page_token);
  if (!cursor.ok()) return done(cursor.status());
  client_->Command({"HSCAN", DevKey(tenant), *cursor, "COUNT", std::to_string(page_size)}, deadline,
                   [done = std::move(done)](absl::StatusOr<const redisReply*> r) {
                     if (!r.ok()) return done(r.status());
                     const redisReply* rep = *r;
                     if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 2)
                       return done(Unexpected("HSCAN"));
                     DevicePage page;
                     const redisReply* items = rep->element[1];
                     for (size_t i = 0; i + 1 < items->elements; i += 2) {
                       auto d = DecodeDevice(ReplyString(items->element[i + 1]));
                       if (!d.ok()) return done(d.status());
                       page.devices.push_back(std::move(*d));
                     }
                     std::string next = ReplyString(rep->element[0]);
                     if (next != "0") page.next_page_token = "r" + next;
                     done(std::move(page));
                   });
}

void RedisDirectoryStore::CreateGuest(const v1::Guest& guest, const std::string& pin_hash,
                                      absl::Time deadline, Done<v1::Guest> done) {
  v1::Guest g = guest;
  SetTime(absl::Now(), g.mutable_create_time());
  *g.mutable_update_time() = g.create_time();
  std::string record = EncodeGuest(g);
  std::string state = pin_hash.empty() ? "" : pin_hash + "\t0\t0";
  client_->Eval(Script(kCreateGuest), {GuestKey(g.tenant()), PinKey(g.tenant())},
                {g.id(), record, state}, deadline,
                [g, record, state, done = std::move(done)](absl::StatusOr<const redisReply*> r) {
                  if (!r.ok()) return done(r.status());
                  std::string s = Status(*r);
                  if (s == "GUEST_EXISTS") return done(GuestExistsError(g.id()));
                  if (s != "OK") return done(Unexpected("create guest"));
                  done(GuestView(record, state));
                });
}

void RedisDirectoryStore::GetGuest(const std::string& tenant, const std::string& id,
                                   absl::Time deadline, Done<v1::Guest> done) {
  client_->Eval(Script(kGetGuest), {GuestKey(tenant), PinKey(tenant)}, {id}, deadline,
                [tenant, id, done = std::move(done)](absl::StatusOr<const redisReply*> r) {
                  if (!r.ok()) return done(r.status());
                  if ((*r)->type != REDIS_REPLY_ARRAY || (*r)->elements != 2)
                    return done(GuestNotFoundError(tenant, id));
                  done(GuestView(Elem(*r, 0), Elem(*r, 1)));
                });
}

void RedisDirectoryStore::UpdateGuest(const std::string& tenant, const std::string& id,
                                      Mutation<v1::Guest> mutate, absl::Time deadline,
                                      Done<v1::Guest> done) {
  UpdateGuestAttempt(tenant, id, std::move(mutate), deadline, kCasTries, std::move(done));
}

void RedisDirectoryStore::UpdateGuestAttempt(const std::string& tenant, const std::string& id,
                                             Mutation<v1::Guest> mutate, absl::Time deadline,
                                             int tries_left, Done<v1::Guest> done) {
  client_->Command(
      {"HGET", GuestKey(tenant), id}, deadline,
      [this, tenant, id, mutate = std::move(mutate), deadline, tries_left,
       done = std::move(done)](absl::StatusOr<const redisReply*> r) mutable {
        if (!r.ok()) return done(r.status());
        if (ReplyIsNil(*r)) return done(GuestNotFoundError(tenant, id));
        std::string old_record = ReplyString(*r);
        auto old = DecodeGuest(old_record);
        if (!old.ok()) return done(old.status());
        v1::Guest g = *old;
        if (auto st = mutate(&g); !st.ok()) return done(st);
        g.set_id(id);
        g.set_tenant(tenant);
        SetTime(absl::Now(), g.mutable_update_time());
        std::string record = EncodeGuest(g);
        client_->Eval(Script(kUpdateGuest), {GuestKey(tenant), PinKey(tenant)},
                      {id, old_record, record}, deadline,
                      [this, tenant, id, record, mutate = std::move(mutate), deadline, tries_left,
                       done = std::move(done)](absl::StatusOr<const redisReply*> r) mutable {
                        if (!r.ok()) return done(r.status());
                        std::string s = Status(*r);
                        if (s == "OK") return done(GuestView(record, Elem(*r, 1)));
                        if (s == "NOT_FOUND") return done(GuestNotFoundError(tenant, id));
                        if (s == "CONFLICT" && tries_left > 1)
                          return UpdateGuestAttempt(tenant, id, std::move(mutate), deadline,
                                                    tries_left - 1, std::move(done));
                        if (s == "CONFLICT")
                          return done(absl::AbortedError("guest changed concurrently; retry"));
                        done(Unexpected("update guest"));
                      });
      });
}

void RedisDirectoryStore::DeleteGuest(const std::string& tenant, const std::string& id,
                                      absl::Time deadline, Done<v1::Guest> done) {
  client_->Eval(Script(kDeleteGuest), {GuestKey(tenant), PinKey(tenant)}, {id}, deadline,
                [tenant, id, done = std::move(done)](absl::StatusOr<const redisReply*> r) {
                  if (!r.ok()) return done(r.status());
                  if ((*r)->type != REDIS_REPLY_ARRAY || (*r)->elements != 2)
                    return done(GuestNotFoundError(tenant, id));
                  done(GuestView(Elem(*r, 0), Elem(*r, 1)));
                });
}

void RedisDirectoryStore::ListGuests(const std::string& tenant, int page_size,
                                     const std::string& page_token, absl::Time deadline,
                                     Done<GuestPage> done) {
  auto cursor = ScanCursor(page_token);
  if (!cursor.ok()) return done(cursor.status());
  client_->Command(
      {"HSCAN", GuestKey(tenant), *cursor, "COUNT", std::to_string(page_size)}, deadline,
      [this, tenant, deadline, done = std::move(done)](absl::StatusOr<const redisReply*> r) {
        if (!r.ok()) return done(r.status());
        const redisReply* rep = *r;
        if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 2) return done(Unexpected("HSCAN"));
        auto records = std::make_shared<std::vector<std::string>>();
        std::vector<std::string> hmget = {"HMGET", PinKey(tenant)};
        const redisReply* items = rep->element[1];
        for (size_t i = 0; i + 1 < items->elements; i += 2) {
          hmget.push_back(ReplyString(items->element[i]));
          records->push_back(ReplyString(items->element[i + 1]));
        }
        std::string next = ReplyString(rep->element[0]);
        std::string token = next != "0" ? "r" + next : "";
        if (records->empty()) {
          GuestPage page;
          page.next_page_token = token;
          return done(std::move(page));
        }
        client_->Command(std::move(hmget), deadline,
                         [records, token, done](absl::StatusOr<const redisReply*> r) {
                           if (!r.ok()) return done(r.status());
                           if ((*r)->type != REDIS_REPLY_ARRAY || (*r)->elements != records->size())
                             return done(Unexpected("HMGET"));
                           GuestPage page;
                           page.next_page_token = token;
                           for (size_t i = 0; i < records->size(); ++i) {
                             auto g = GuestView((*records)[i], ReplyString((*r)->element[i]));
                             if (!g.ok()) return done(g.status());
                             page.guests.push_back(std::move(*g));
                           }
                           done(std::move(page));
                         });
      });
}

void RedisDirectoryStore::SetPinHash(const std::string& tenant, const std::string& id,
                                     const std::string& pin_hash, absl::Time deadline,
                                     Done<v1::Guest> done) {
  client_->Eval(Script(kSetPin), {GuestKey(tenant), PinKey(tenant)}, {id, pin_hash}, deadline,
                [tenant, id, done = std::move(done)](absl::StatusOr<const redisReply*> r) {
                  if (!r.ok()) return done(r.status());
                  if ((*r)->type != REDIS_REPLY_ARRAY || (*r)->elements != 2)
                    return done(GuestNotFoundError(tenant, id));
                  done(GuestView(Elem(*r, 0), Elem(*r, 1)));
                });
}

std::string RedisDirectoryStore::PinBudgetKey(const std::string& t,
                                              const std::string& source) const {
  return source.empty() ? absl::StrCat(keys_.prefix(), ":{", t, "}:pinbudget")
                        : absl::StrCat(keys_.prefix(), ":{", t, "}:pinbudget:", source);
}

void RedisDirectoryStore::BeginPinAttempt(const std::string& tenant, const std::string& id,
                                          const std::string& source, const PinLimits& limits,
                                          absl::Time deadline, Done<PinAttempt> done) {
  client_->Eval(
      Script(kBeginPin),
      {GuestKey(tenant), PinKey(tenant), PinBudgetKey(tenant, source.empty() ? "-" : source),
       PinBudgetKey(tenant, "")},
      {id, std::to_string(limits.max_attempts),
       std::to_string(absl::ToInt64Milliseconds(limits.lockout)),
       std::to_string(absl::ToInt64Milliseconds(limits.max_lockout)),
       std::to_string(limits.per_source), std::to_string(limits.per_tenant),
       std::to_string(std::max<int64_t>(1, absl::ToInt64Milliseconds(limits.window)))},
      deadline, [tenant, id, done = std::move(done)](absl::StatusOr<const redisReply*> r) {
        if (!r.ok()) return done(r.status());
        std::string s = Status(*r);
        PinAttempt a;
        int64_t ms = 0, dur = 0;
        if (s == "NOT_FOUND") return done(GuestNotFoundError(tenant, id));
        if (s == "NO_PIN") {
          a.kind = PinAttempt::Kind::kNoPin;
        } else if (s == "THROTTLED" && absl::SimpleAtoi(Elem(*r, 2), &ms)) {
          a.kind = PinAttempt::Kind::kThrottled;
          a.limit = Elem(*r, 1);
          a.retry_after = absl::Milliseconds(ms);
        } else if (s == "LOCKED" && absl::SimpleAtoi(Elem(*r, 1), &ms) &&
                   absl::SimpleAtoi(Elem(*r, 2), &dur)) {
          a.kind = PinAttempt::Kind::kLocked;
          a.locked_until = absl::FromUnixMillis(ms);
          a.lockout = absl::Milliseconds(dur);
        } else if (s == "PROCEED" && absl::SimpleAtoi(Elem(*r, 2), &a.failures) &&
                   absl::SimpleAtoi(Elem(*r, 3), &ms) && absl::SimpleAtoi(Elem(*r, 4), &dur)) {
          a.kind = PinAttempt::Kind::kProceed;
          a.hash = Elem(*r, 1);
          a.locked_until = absl::FromUnixMillis(ms);
          a.lockout = absl::Milliseconds(dur);
        } else {
          return done(Unexpected("begin pin attempt"));
        }
        done(std::move(a));
      });
}

void RedisDirectoryStore::PinAccepted(const std::string& tenant, const std::string& id,
                                      const std::string& hash, const std::string& source,
                                      absl::Time deadline, Done<bool> done) {
  client_->Eval(Script(kPinAccepted),
                {PinKey(tenant), PinBudgetKey(tenant, source.empty() ? "-" : source),
                 PinBudgetKey(tenant, "")},
                {id, hash}, deadline,
                [done = std::move(done)](absl::StatusOr<const redisReply*> r) {
                  if (!r.ok()) return done(r.status());
                  done((*r)->type == REDIS_REPLY_INTEGER && (*r)->integer == 1);
                });
}

}  // namespace hotdesk
