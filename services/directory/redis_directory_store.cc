#include "services/directory/redis_directory_store.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/core/guest_policy.h"
#include "services/directory/directory_util.h"
#include "services/store/redis/lua_script.h"
#include "services/store/store_util.h"

extern const char kLua_create_device[], kLua_update_device[], kLua_delete_device[],
    kLua_device_by_extension[], kLua_create_guest[], kLua_get_guest[], kLua_update_guest[],
    kLua_delete_guest[], kLua_set_pin[], kLua_begin_pin[], kLua_pin_accepted[];

namespace hotdesk {
namespace {

constexpr int kCasTries = 8;

// The directory's scripts (lua/*.lua) with the names of their KEYS and ARGV, built once.
const LuaScript& CreateDeviceScript() {
  static const auto* s = new LuaScript("create_device", kLua_create_device, {"devices", "extensions"},
                {"mac", "extension", "record"});
  return *s;
}
const LuaScript& UpdateDeviceScript() {
  static const auto* s = new LuaScript("update_device", kLua_update_device, {"devices", "extensions"},
                {"mac", "expected", "record", "old_extension", "new_extension"});
  return *s;
}
const LuaScript& DeleteDeviceScript() {
  static const auto* s = new LuaScript("delete_device", kLua_delete_device, {"devices", "extensions"},
                {"mac", "expected", "extension"});
  return *s;
}
const LuaScript& DeviceByExtensionScript() {
  static const auto* s = new LuaScript("device_by_extension", kLua_device_by_extension, {"devices", "extensions"},
                {"extension"});
  return *s;
}
const LuaScript& CreateGuestScript() {
  static const auto* s = new LuaScript("create_guest", kLua_create_guest, {"guests", "pins", "disabled_guests"},
                {"id", "record", "pin_state", "enabled"});
  return *s;
}
const LuaScript& GetGuestScript() {
  static const auto* s = new LuaScript("get_guest", kLua_get_guest, {"guests", "pins"}, {"id"});
  return *s;
}
const LuaScript& UpdateGuestScript() {
  static const auto* s = new LuaScript("update_guest", kLua_update_guest, {"guests", "pins", "disabled_guests"},
                {"id", "expected", "record", "enabled"});
  return *s;
}
const LuaScript& DeleteGuestScript() {
  static const auto* s = new LuaScript("delete_guest", kLua_delete_guest, {"guests", "pins", "disabled_guests"}, {"id"});
  return *s;
}
const LuaScript& SetPinScript() {
  static const auto* s = new LuaScript("set_pin", kLua_set_pin, {"guests", "pins"}, {"id", "hash"});
  return *s;
}
const LuaScript& BeginPinScript() {
  static const auto* s = new LuaScript(
      "begin_pin", kLua_begin_pin, {"guests", "pins", "source_budget", "tenant_budget"},
      {"id", "max_attempts", "lockout_ms", "max_lockout_ms", "per_source", "per_tenant",
       "window_ms"});
  return *s;
}
const LuaScript& PinAcceptedScript() {
  static const auto* s = new LuaScript("pin_accepted", kLua_pin_accepted,
                                       {"pins", "source_budget", "tenant_budget"}, {"id", "hash"});
  return *s;
}

// "1" when the guest may hot-desk: the disabled set the establish script reads follows it.
std::string Enabled(const v1::Guest& g) { return MayHotDesk(&g) ? "1" : "0"; }

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


void RedisDirectoryStore::CreateDevice(const v1::Device& device, absl::Time deadline,
                                       Done<v1::Device> done) {
  v1::Device d = device;
  SetTime(absl::Now(), d.mutable_create_time());
  *d.mutable_update_time() = d.create_time();
  auto record = EncodeDevice(d);
  if (!record.ok()) return done(record.status());
  RunScript(client_, Bind(CreateDeviceScript(), DeviceKeys(d.tenant()),
           {{"mac", d.mac()}, {"extension", d.hotdesk_extension()}, {"record", *record}}),
      deadline,
                [d, done = std::move(done)](absl::StatusOr<const redisReply*> r) {
                  if (!r.ok()) return done(r.status());
                  std::string s = Status(*r);
                  if (s == "OK") return done(d);
                  if (s == "DEVICE_EXISTS") return done(DeviceExistsError(d.mac()));
                  if (s == "EXTENSION_TAKEN")
                    return done(ExtensionTakenError(d.hotdesk_extension(), Elem(*r, 1)));
                  done(Unexpected("create device"));
                },
            RedisClient::Write::kYes);
}

void RedisDirectoryStore::GetDevice(const std::string& tenant, const std::string& mac,
                                    absl::Time deadline, Done<v1::Device> done) {
  client_->Command({"HGET", keys_.Devices(tenant), mac}, deadline,
                   [tenant, mac, done = std::move(done)](absl::StatusOr<const redisReply*> r) {
                     if (!r.ok()) return done(r.status());
                     if (ReplyIsNil(*r)) return done(DeviceNotFoundError(tenant, mac));
                     done(DecodeDevice(ReplyString(*r)));
                   });
}

void RedisDirectoryStore::GetDeviceByExtension(const std::string& tenant,
                                               const std::string& extension, absl::Time deadline,
                                               Done<v1::Device> done) {
  RunScript(client_, Bind(DeviceByExtensionScript(), DeviceKeys(tenant), {{"extension", extension}}), deadline,
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
      {"HGET", keys_.Devices(tenant), mac}, deadline,
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
        auto record = EncodeDevice(d);
        if (!record.ok()) return done(record.status());
        RunScript(client_, Bind(UpdateDeviceScript(), DeviceKeys(tenant),
                 {{"mac", mac},
                  {"expected", old_record},
                  {"record", *record},
                  {"old_extension", old->hotdesk_extension()},
                  {"new_extension", d.hotdesk_extension()}}),
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
            },
            RedisClient::Write::kYes);
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
        {"HGET", keys_.Devices(tenant), mac}, deadline,
        [this, tenant, mac, deadline, done, self, tries_left](absl::StatusOr<const redisReply*> r) {
          if (!r.ok()) return done(r.status());
          if (ReplyIsNil(*r)) return done(DeviceNotFoundError(tenant, mac));
          std::string record = ReplyString(*r);
          auto d = DecodeDevice(record);
          if (!d.ok()) return done(d.status());
          RunScript(client_, Bind(DeleteDeviceScript(), DeviceKeys(tenant),
                   {{"mac", mac}, {"expected", record}, {"extension", d->hotdesk_extension()}}),
              deadline,
              [tenant, mac, dev = *d, done, self, tries_left](absl::StatusOr<const redisReply*> r) {
                if (!r.ok()) return done(r.status());
                std::string s = Status(*r);
                if (s == "OK") return done(dev);
                if (s == "NOT_FOUND") return done(DeviceNotFoundError(tenant, mac));
                if (s == "CONFLICT" && tries_left > 1 && self) return (*self)(tries_left - 1);
                done(absl::AbortedError("device changed concurrently; retry"));
              },
            RedisClient::Write::kYes);
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
  client_->Command({"HSCAN", keys_.Devices(tenant), *cursor, "COUNT", std::to_string(page_size)}, deadline,
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
  auto encoded = EncodeGuest(g);
  if (!encoded.ok()) return done(encoded.status());
  std::string record = *std::move(encoded);
  std::string state = pin_hash.empty() ? "" : pin_hash + "\t0\t0";
  RunScript(client_, Bind(CreateGuestScript(), GuestKeys(g.tenant(), true),
           {{"id", g.id()}, {"record", record}, {"pin_state", state}, {"enabled", Enabled(g)}}),
      deadline,
                [g, record, state, done = std::move(done)](absl::StatusOr<const redisReply*> r) {
                  if (!r.ok()) return done(r.status());
                  std::string s = Status(*r);
                  if (s == "GUEST_EXISTS") return done(GuestExistsError(g.id()));
                  if (s != "OK") return done(Unexpected("create guest"));
                  done(GuestView(record, state));
                },
            RedisClient::Write::kYes);
}

void RedisDirectoryStore::GetGuest(const std::string& tenant, const std::string& id,
                                   absl::Time deadline, Done<v1::Guest> done) {
  RunScript(client_, Bind(GetGuestScript(), GuestKeys(tenant, false), {{"id", id}}), deadline,
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
      {"HGET", keys_.Guests(tenant), id}, deadline,
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
        auto encoded = EncodeGuest(g);
        if (!encoded.ok()) return done(encoded.status());
        std::string record = *std::move(encoded);
        RunScript(client_, Bind(UpdateGuestScript(), GuestKeys(tenant, true),
                 {{"id", id}, {"expected", old_record}, {"record", record}, {"enabled", Enabled(g)}}),
            deadline,
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
                      },
            RedisClient::Write::kYes);
      });
}

void RedisDirectoryStore::DeleteGuest(const std::string& tenant, const std::string& id,
                                      absl::Time deadline, Done<v1::Guest> done) {
  RunScript(client_, Bind(DeleteGuestScript(), GuestKeys(tenant, true), {{"id", id}}), deadline,
                [tenant, id, done = std::move(done)](absl::StatusOr<const redisReply*> r) {
                  if (!r.ok()) return done(r.status());
                  if ((*r)->type != REDIS_REPLY_ARRAY || (*r)->elements != 2)
                    return done(GuestNotFoundError(tenant, id));
                  done(GuestView(Elem(*r, 0), Elem(*r, 1)));
                },
            RedisClient::Write::kYes);
}

void RedisDirectoryStore::ListGuests(const std::string& tenant, int page_size,
                                     const std::string& page_token, absl::Time deadline,
                                     Done<GuestPage> done) {
  auto cursor = ScanCursor(page_token);
  if (!cursor.ok()) return done(cursor.status());
  client_->Command(
      {"HSCAN", keys_.Guests(tenant), *cursor, "COUNT", std::to_string(page_size)}, deadline,
      [this, tenant, deadline, done = std::move(done)](absl::StatusOr<const redisReply*> r) {
        if (!r.ok()) return done(r.status());
        const redisReply* rep = *r;
        if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 2) return done(Unexpected("HSCAN"));
        auto records = std::make_shared<std::vector<std::string>>();
        std::vector<std::string> hmget = {"HMGET", keys_.Pins(tenant)};
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
  RunScript(client_, Bind(SetPinScript(), GuestKeys(tenant, false), {{"id", id}, {"hash", pin_hash}}), deadline,
                [tenant, id, done = std::move(done)](absl::StatusOr<const redisReply*> r) {
                  if (!r.ok()) return done(r.status());
                  if ((*r)->type != REDIS_REPLY_ARRAY || (*r)->elements != 2)
                    return done(GuestNotFoundError(tenant, id));
                  done(GuestView(Elem(*r, 0), Elem(*r, 1)));
                },
            RedisClient::Write::kYes);
}

void RedisDirectoryStore::BeginPinAttempt(const std::string& tenant, const std::string& id,
                                          const std::string& source, const PinLimits& limits,
                                          absl::Time deadline, Done<PinAttempt> done) {
  NamedValues keys = GuestKeys(tenant, false);
  keys.emplace_back("source_budget", keys_.PinBudget(tenant, source));
  keys.emplace_back("tenant_budget", keys_.PinBudget(tenant));
  RunScript(
      client_,
      Bind(BeginPinScript(), std::move(keys),
           {{"id", id},
            {"max_attempts", std::to_string(limits.max_attempts)},
            {"lockout_ms", std::to_string(absl::ToInt64Milliseconds(limits.lockout))},
            {"max_lockout_ms", std::to_string(absl::ToInt64Milliseconds(limits.max_lockout))},
            {"per_source", std::to_string(limits.per_source)},
            {"per_tenant", std::to_string(limits.per_tenant)},
            {"window_ms",
             std::to_string(std::max<int64_t>(1, absl::ToInt64Milliseconds(limits.window)))}}),
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
      },
            RedisClient::Write::kYes);
}

void RedisDirectoryStore::PinAccepted(const std::string& tenant, const std::string& id,
                                      const std::string& hash, const std::string& source,
                                      absl::Time deadline, Done<bool> done) {
  RunScript(client_,
            Bind(PinAcceptedScript(),
                 {{"pins", keys_.Pins(tenant)},
                  {"source_budget", keys_.PinBudget(tenant, source)},
                  {"tenant_budget", keys_.PinBudget(tenant)}},
                 {{"id", id}, {"hash", hash}}),
            deadline, [done = std::move(done)](absl::StatusOr<const redisReply*> r) {
              if (!r.ok()) return done(r.status());
              done((*r)->type == REDIS_REPLY_INTEGER && (*r)->integer == 1);
            },
            RedisClient::Write::kYes);
}

}  // namespace hotdesk
