#include "services/store/redis/redis_store.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/common/countdown.h"
#include "services/common/log.h"
#include "services/store/redis/lua_script.h"
#include "services/store/redis/store_scripts.h"
#include "services/store/redis/record_codec.h"
#include "services/store/store_util.h"

extern const char kLua_establish[], kLua_cancel[], kLua_sweep[], kLua_read_events[],
    kLua_snapshot[], kLua_get_by_guest[];

namespace hotdesk {

// The scripts (lua/*.lua) with the names of their KEYS and ARGV, built once per process.
const LuaScript& EstablishScript() {
  static const auto* s = new LuaScript(
      "establish", kLua_establish, {"by_host", "by_guest", "exp", "ev", "req", "disabled_guests"},
      {"host", "guest", "source", "reject_host_busy", "reject_guest_elsewhere", "limit_ms",
       "daily_logout_ms", "record_tail", "request_id", "request_ttl_s", "maxlen", "fingerprint"});
  return *s;
}
const LuaScript& CancelScript() {
  static const auto* s = new LuaScript(
      "cancel", kLua_cancel, {"by_host", "by_guest", "exp", "ev", "req"},
      {"host", "guest", "reason", "source", "request_id", "request_ttl_s", "maxlen", "fingerprint"});
  return *s;
}
const LuaScript& SweepScript() {
  static const auto* s = new LuaScript("sweep", kLua_sweep, {"by_host", "by_guest", "exp", "ev"},
                                       {"max", "maxlen"});
  return *s;
}
const LuaScript& ReadEventsScript() {
  static const auto* s = new LuaScript("read_events", kLua_read_events, {"ev"}, {"after", "count"});
  return *s;
}
const LuaScript& SnapshotScript() {
  static const auto* s = new LuaScript("snapshot", kLua_snapshot, {"by_host", "ev"}, {});
  return *s;
}
const LuaScript& GetByGuestScript() {
  static const auto* s =
      new LuaScript("get_by_guest", kLua_get_by_guest, {"by_host", "by_guest"}, {"guest"});
  return *s;
}

namespace {

std::string Str(const redisReply* r) { return ReplyString(r); }

absl::Status UnexpectedReply(const char* what) {
  return absl::InternalError(absl::StrCat("unexpected redis reply to ", what));
}

// Builds an EstablishResponse from the establish script's reply.
absl::StatusOr<v1::EstablishResponse> ParseEstablish(const EstablishCommand& cmd,
                                                     const redisReply* r) {
  if (r->type != REDIS_REPLY_ARRAY || r->elements < 1) return UnexpectedReply("establish");
  std::string status = Str(r->element[0]);
  if (status == "REQ_MISMATCH") return RequestIdReusedError(cmd.request_id);
  if (status == "GUEST_DISABLED") return GuestDisabledError(cmd.guest);
  if (status == "CLOCK_SKEW")
    return absl::UnavailableError(
        "no daily logout instant after Redis time: this replica's clock is more than a day off");
  if (status == "HOST_BUSY" && r->elements == 2) {
    auto present = DecodeRecord(cmd.tenant, cmd.host, Str(r->element[1]));
    if (!present.ok()) return present.status();
    return HostBusyError(*present);
  }
  if (status == "GUEST_ELSEWHERE" && r->elements == 3) {
    auto present = DecodeRecord(cmd.tenant, Str(r->element[1]), Str(r->element[2]));
    if (!present.ok()) return present.status();
    return GuestElsewhereError(*present);
  }
  v1::EstablishResponse resp;
  if (status == "UNCHANGED" && r->elements == 2) {
    auto a = DecodeRecord(cmd.tenant, cmd.host, Str(r->element[1]));
    if (!a.ok()) return a.status();
    *resp.mutable_association() = *a;
    resp.set_unchanged(true);
    return resp;
  }
  if (status != "OK" || r->elements < 3 || (r->elements - 3) % 3 != 0)
    return UnexpectedReply("establish");
  auto a = DecodeRecord(cmd.tenant, cmd.host, Str(r->element[2]));
  if (!a.ok()) return a.status();
  *resp.mutable_association() = *a;
  resp.set_cursor(Str(r->element[1]));
  for (size_t i = 3; i + 2 < r->elements; i += 3) {
    auto old = DecodeRecord(cmd.tenant, Str(r->element[i]), Str(r->element[i + 1]));
    if (!old.ok()) return old.status();
    *resp.add_superseded() = *old;
  }
  return resp;
}

}  // namespace

RedisStore::RedisStore(RedisClient* client, RedisStoreOptions options)
    : client_(client),
      options_(std::move(options)),
      keys_(options_.prefix),
      feed_(client, keys_) {}

RedisStore::~RedisStore() { Stop(); }

void RedisStore::Start() {}
void RedisStore::Stop() { feed_.Stop(); }

void RedisStore::RegisterTenant(const std::string& tenant, absl::Time deadline) {
  {
    std::lock_guard<std::mutex> lock(tenants_mu_);
    if (registered_tenants_.count(tenant)) return;
  }
  client_->Command({"SADD", keys_.Tenants(), tenant}, deadline,
                   [this, tenant](absl::StatusOr<const redisReply*> r) {
                     if (!r.ok()) return;  // retried on the next Establish
                     std::lock_guard<std::mutex> lock(tenants_mu_);
                     registered_tenants_.insert(tenant);
                   });
}

ScriptCall EstablishCall(const RedisKeys& keys, const RedisStoreOptions& options,
                         const EstablishCommand& cmd) {
  const std::string& t = cmd.tenant;
  return Bind(EstablishScript(),
              {{"by_host", keys.ByHost(t)},
               {"by_guest", keys.ByGuest(t)},
               {"exp", keys.Expiry(t)},
               {"ev", keys.Events(t)},
               {"req", keys.Request(t, cmd.request_id)},
               {"disabled_guests", keys.DisabledGuests(t)}},
              {{"host", cmd.host},
               {"guest", cmd.guest},
               {"source", std::to_string(cmd.source)},
               {"reject_host_busy", cmd.reject_host_busy ? "1" : "0"},
               {"reject_guest_elsewhere", cmd.reject_guest_elsewhere ? "1" : "0"},
               {"limit_ms", std::to_string(cmd.limit_ms)},
               {"daily_logout_ms", absl::StrJoin(cmd.daily_logout_ms, ",")},
               {"record_tail", EncodeRecordTail(cmd.limit, cmd.attributes)},
               {"request_id", cmd.request_id},
               {"request_ttl_s", std::to_string(absl::ToInt64Seconds(options.request_id_ttl))},
               {"maxlen", std::to_string(options.stream_retention)},
               {"fingerprint", cmd.request_id.empty() ? std::string() : cmd.Fingerprint()}});
}

void RedisStore::Establish(const EstablishCommand& cmd, absl::Time deadline,
                           Done<v1::EstablishResponse> done) {
  RegisterTenant(cmd.tenant, deadline);
  ScriptCall call = EstablishCall(keys_, options_, cmd);
  RunScript(client_, std::move(call), deadline,
            [cmd, done = std::move(done)](absl::StatusOr<const redisReply*> r) {
              if (!r.ok()) return done(r.status());
              done(ParseEstablish(cmd, *r));
            },
            RedisClient::Write::kYes);
}

void RedisStore::Cancel(const CancelCommand& cmd, absl::Time deadline,
                        Done<v1::CancelResponse> done) {
  const std::string& t = cmd.tenant;
  ScriptCall call = Bind(
      CancelScript(),
      {{"by_host", keys_.ByHost(t)},
       {"by_guest", keys_.ByGuest(t)},
       {"exp", keys_.Expiry(t)},
       {"ev", keys_.Events(t)},
       {"req", keys_.Request(t, cmd.request_id)}},
      {{"host", cmd.host},
       {"guest", cmd.guest},
       {"reason", std::to_string(cmd.reason)},
       {"source", std::to_string(cmd.source)},
       {"request_id", cmd.request_id},
       {"request_ttl_s", std::to_string(absl::ToInt64Seconds(options_.request_id_ttl))},
       {"maxlen", std::to_string(options_.stream_retention)},
       {"fingerprint", cmd.request_id.empty() ? std::string() : cmd.Fingerprint()}});
  RunScript(client_, std::move(call), deadline, [cmd, done = std::move(done)](absl::StatusOr<const redisReply*> r) {
                  if (!r.ok()) return done(r.status());
                  const redisReply* rep = *r;
                  if (rep->type != REDIS_REPLY_ARRAY || rep->elements < 1)
                    return done(UnexpectedReply("cancel"));
                  std::string status = Str(rep->element[0]);
                  if (status == "REQ_MISMATCH") return done(RequestIdReusedError(cmd.request_id));
                  if (status == "NOT_FOUND")
                    return done(NotFoundError(cmd.tenant, cmd.host, cmd.guest));
                  if (status == "NOT_ASSOCIATED" && rep->elements == 3) {
                    auto a = DecodeRecord(cmd.tenant, Str(rep->element[1]), Str(rep->element[2]));
                    return done(NotAssociatedError(Str(rep->element[1]), cmd.guest,
                                                   a.ok() ? a->guest() : ""));
                  }
                  if (status != "OK" || rep->elements != 4) return done(UnexpectedReply("cancel"));
                  auto a = DecodeRecord(cmd.tenant, Str(rep->element[1]), Str(rep->element[2]));
                  if (!a.ok()) return done(a.status());
                  v1::CancelResponse resp;
                  *resp.mutable_association() = *a;
                  resp.set_cursor(Str(rep->element[3]));
                  done(std::move(resp));
                },
                RedisClient::Write::kYes);
}

void RedisStore::Get(const std::string& tenant, const std::string& host, const std::string& guest,
                     absl::Time deadline, Done<v1::Association> done) {
  if (!host.empty()) {
    client_->Command({"HGET", keys_.ByHost(tenant), host}, deadline,
                     [tenant, host, done = std::move(done)](absl::StatusOr<const redisReply*> r) {
                       if (!r.ok()) return done(r.status());
                       if (ReplyIsNil(*r)) return done(NotFoundError(tenant, host, ""));
                       done(DecodeRecord(tenant, host, Str(*r)));
                     });
    return;
  }
  RunScript(client_,
      Bind(GetByGuestScript(), {{"by_host", keys_.ByHost(tenant)}, {"by_guest", keys_.ByGuest(tenant)}},
           {{"guest", guest}}),
      deadline, [tenant, guest, done = std::move(done)](absl::StatusOr<const redisReply*> r) {
        if (!r.ok()) return done(r.status());
        const redisReply* rep = *r;
        if (ReplyIsNil(rep)) return done(NotFoundError(tenant, "", guest));
        if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 2 || ReplyIsNil(rep->element[1]))
          return done(NotFoundError(tenant, "", guest));
        done(DecodeRecord(tenant, Str(rep->element[0]), Str(rep->element[1])));
      });
}

void RedisStore::List(const std::string& tenant, int page_size, const std::string& page_token,
                      absl::Time deadline, Done<v1::ListAssociationsResponse> done) {
  auto size = EffectivePageSize(page_size);
  if (!size.ok()) return done(size.status());
  // Token: "r" + the HSCAN cursor.
  std::string cursor = "0";
  if (!page_token.empty()) {
    uint64_t c;
    if (page_token[0] != 'r' || !absl::SimpleAtoi(page_token.substr(1), &c) || c == 0)
      return done(BadPageTokenError());
    cursor = page_token.substr(1);
  }
  client_->Command({"HSCAN", keys_.ByHost(tenant), cursor, "COUNT", std::to_string(*size)},
                   deadline, [tenant, done = std::move(done)](absl::StatusOr<const redisReply*> r) {
                     if (!r.ok()) return done(r.status());
                     const redisReply* rep = *r;
                     if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 2)
                       return done(UnexpectedReply("HSCAN"));
                     v1::ListAssociationsResponse resp;
                     const redisReply* items = rep->element[1];
                     for (size_t i = 0; i + 1 < items->elements; i += 2) {
                       auto a =
                           DecodeRecord(tenant, Str(items->element[i]), Str(items->element[i + 1]));
                       if (!a.ok()) return done(a.status());
                       *resp.add_associations() = *a;
                     }
                     std::string next = Str(rep->element[0]);
                     if (next != "0") resp.set_next_page_token("r" + next);
                     done(std::move(resp));
                   });
}

void RedisStore::SweepExpired(absl::Time deadline, Done<std::vector<v1::CancelResponse>> done) {
  client_->Command(
      {"SMEMBERS", keys_.Tenants()}, deadline,
      [this, deadline, done = std::move(done)](absl::StatusOr<const redisReply*> r) {
        if (!r.ok()) return done(r.status());
        std::vector<std::string> tenants;
        for (size_t i = 0; i < (*r)->elements; ++i) tenants.push_back(Str((*r)->element[i]));
        using Out = std::vector<v1::CancelResponse>;
        if (tenants.empty()) return done(Out{});
        struct Acc {
          explicit Acc(size_t n) : countdown(n) {}
          Countdown countdown;
          Out expired;
          absl::Status status;
          Done<Out> done;
        };
        auto acc = std::make_shared<Acc>(tenants.size());
        acc->done = std::move(done);
        for (const auto& t : tenants) {
          RunScript(client_,
              Bind(SweepScript(),
                   {{"by_host", keys_.ByHost(t)},
                    {"by_guest", keys_.ByGuest(t)},
                    {"exp", keys_.Expiry(t)},
                    {"ev", keys_.Events(t)}},
                   {{"max", std::to_string(options_.sweep_batch)},
                    {"maxlen", std::to_string(options_.stream_retention)}}),
              deadline, [acc, t](absl::StatusOr<const redisReply*> r) {
                Out expired;
                absl::Status status = r.status();
                if (r.ok() && (*r)->type == REDIS_REPLY_ARRAY) {
                  for (size_t i = 0; i + 2 < (*r)->elements; i += 3) {
                    auto a = DecodeRecord(t, Str((*r)->element[i]), Str((*r)->element[i + 1]));
                    if (!a.ok()) {
                      status = a.status();
                      continue;
                    }
                    v1::CancelResponse e;
                    *e.mutable_association() = std::move(*a);
                    e.set_cursor(Str((*r)->element[i + 2]));
                    expired.push_back(std::move(e));
                  }
                }
                bool last = acc->countdown.Arrive([&] {
                  for (auto& e : expired) acc->expired.push_back(std::move(e));
                  if (!status.ok() && acc->status.ok()) acc->status = status;
                });
                if (!last) return;
                if (acc->status.ok())
                  acc->done(std::move(acc->expired));
                else
                  acc->done(acc->status);
              },
              RedisClient::Write::kYes);
        }
      });
}

void RedisStore::ReadEvents(const std::string& tenant, StreamId after, int max, absl::Time deadline,
                            Done<std::vector<EventPtr>> done) {
  RunScript(client_,
      Bind(ReadEventsScript(), {{"ev", keys_.Events(tenant)}},
           {{"after", after.ToString()}, {"count", std::to_string(max)}}),
      deadline,
                [tenant, after, done = std::move(done)](absl::StatusOr<const redisReply*> r) {
                  if (!r.ok()) return done(r.status());
                  const redisReply* rep = *r;
                  if (rep->type != REDIS_REPLY_ARRAY || rep->elements < 1)
                    return done(UnexpectedReply("read_events"));
                  if (Str(rep->element[0]) == "TRIMMED") return done(TrimmedError(after));
                  if (Str(rep->element[0]) == "LOST") return done(HistoryLostError(after));
                  if (rep->elements != 2) return done(UnexpectedReply("read_events"));
                  std::vector<EventPtr> out;
                  const redisReply* entries = rep->element[1];
                  out.reserve(entries->elements);
                  for (size_t i = 0; i < entries->elements; ++i) {
                    auto ev = DecodeStreamEntry(tenant, entries->element[i]);
                    if (!ev.ok()) return done(ev.status());
                    out.push_back(std::move(*ev));
                  }
                  done(std::move(out));
                });
}

void RedisStore::TakeSnapshot(const std::string& tenant, absl::Time deadline, Done<Snapshot> done) {
  RunScript(client_, Bind(SnapshotScript(), {{"by_host", keys_.ByHost(tenant)}, {"ev", keys_.Events(tenant)}}, {}),
      deadline,
                [tenant, done = std::move(done)](absl::StatusOr<const redisReply*> r) {
                  if (!r.ok()) return done(r.status());
                  const redisReply* rep = *r;
                  if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 2)
                    return done(UnexpectedReply("snapshot"));
                  Snapshot snap;
                  auto id = StreamId::Parse(Str(rep->element[0]));
                  if (!id) return done(UnexpectedReply("snapshot"));
                  snap.cursor = *id;
                  const redisReply* items = rep->element[1];
                  for (size_t i = 0; i + 1 < items->elements; i += 2) {
                    auto a =
                        DecodeRecord(tenant, Str(items->element[i]), Str(items->element[i + 1]));
                    if (!a.ok()) return done(a.status());
                    snap.associations.push_back(std::move(*a));
                  }
                  done(std::move(snap));
                });
}

void RedisStore::LastEventId(const std::string& tenant, absl::Time deadline, Done<StreamId> done) {
  client_->Command({"XREVRANGE", keys_.Events(tenant), "+", "-", "COUNT", "1"}, deadline,
                   [done = std::move(done)](absl::StatusOr<const redisReply*> r) {
                     if (!r.ok()) return done(r.status());
                     const redisReply* rep = *r;
                     if (rep->type != REDIS_REPLY_ARRAY) return done(UnexpectedReply("XREVRANGE"));
                     if (rep->elements == 0) return done(StreamId{});
                     auto id = StreamId::Parse(Str(rep->element[0]->element[0]));
                     if (!id) return done(UnexpectedReply("XREVRANGE"));
                     done(*id);
                   });
}

void RedisStore::CountAssociations(absl::Time deadline,
                                   Done<std::vector<std::pair<std::string, int64_t>>> done) {
  client_->Command({"SMEMBERS", keys_.Tenants()}, deadline,
                   [this, deadline, done = std::move(done)](absl::StatusOr<const redisReply*> r) {
                     if (!r.ok()) return done(r.status());
                     using Out = std::vector<std::pair<std::string, int64_t>>;
                     struct Acc {
                       explicit Acc(size_t n) : countdown(n) {}
                       Countdown countdown;
                       Out out;
                       Done<Out> done;
                     };
                     if ((*r)->elements == 0) return done(Out{});
                     auto acc = std::make_shared<Acc>((*r)->elements);
                     acc->done = std::move(done);
                     for (size_t i = 0; i < (*r)->elements; ++i) {
                       std::string t = Str((*r)->element[i]);
                       client_->Command({"HLEN", keys_.ByHost(t)}, deadline,
                                        [acc, t](absl::StatusOr<const redisReply*> r) {
                                          if (acc->countdown.Arrive([&] {
                                                if (r.ok()) acc->out.emplace_back(t, (*r)->integer);
                                              }))
                                            acc->done(std::move(acc->out));
                                        });
                     }
                   });
}

}  // namespace hotdesk
