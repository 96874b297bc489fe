#include "tests/faults/redis_history.h"

#include <hiredis/hiredis.h>

#include <memory>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace hotdesk::faults {
namespace {

// Keys as the README's Redis model gives them: <prefix>:{tenant}:<name>.
std::string Key(const std::string& prefix, const std::string& tenant, const char* name) {
  return absl::StrCat(prefix, ":{", tenant, "}:", name);
}

using Reply = std::unique_ptr<redisReply, void (*)(void*)>;

Reply Call(testing::RedisServer& redis, const std::vector<std::string>& argv) {
  return Reply(redis.Raw(argv), freeReplyObject);
}

std::string Str(const redisReply* r) {
  return r && (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS)
             ? std::string(r->str, r->len)
             : std::string();
}

}  // namespace

absl::StatusOr<std::vector<StreamEvent>> ReadStream(testing::RedisServer& redis,
                                                    const std::string& prefix,
                                                    const std::string& tenant) {
  std::vector<StreamEvent> out;
  std::string from = "-";
  while (true) {
    Reply r = Call(redis, {"XRANGE", Key(prefix, tenant, "ev"), from, "+", "COUNT", "10000"});
    if (!r || r->type != REDIS_REPLY_ARRAY)
      return absl::UnavailableError("XRANGE failed: " + Str(r.get()));
    if (r->elements == 0) break;
    for (size_t i = 0; i < r->elements; ++i) {
      const redisReply* entry = r->element[i];
      StreamEvent e;
      auto id = StreamId::Parse(Str(entry->element[0]));
      if (!id) return absl::DataLossError("bad stream id " + Str(entry->element[0]));
      e.id = *id;
      const redisReply* f = entry->element[1];
      for (size_t k = 0; k + 1 < f->elements; k += 2) {
        std::string name = Str(f->element[k]);
        std::string value = Str(f->element[k + 1]);
        if (name == "t") e.type = value.empty() ? '?' : value[0];
        else if (name == "h") e.host = value;
        else if (name == "a") e.guest = value.substr(0, value.find('\t'));
        else if (name == "r") absl::SimpleAtoi(value, &e.reason);
        else if (name == "q") e.request_id = value;
        else if (name == "p") {
          auto p = StreamId::Parse(value);
          if (p) e.prev = *p;
        }
      }
      out.push_back(std::move(e));
    }
    from = "(" + out.back().id.ToString();
  }
  return out;
}

absl::StatusOr<TenantState> ReadState(testing::RedisServer& redis, const std::string& prefix,
                                      const std::string& tenant) {
  TenantState st;
  for (const char* name : {"by-host", "by-guest"}) {
    Reply r = Call(redis, {"HGETALL", Key(prefix, tenant, name)});
    if (!r || r->type != REDIS_REPLY_ARRAY)
      return absl::UnavailableError("HGETALL failed: " + Str(r.get()));
    for (size_t k = 0; k + 1 < r->elements; k += 2) {
      std::string field = Str(r->element[k]);
      std::string value = Str(r->element[k + 1]);
      if (std::string(name) == "by-host")
        st.by_host[field] = value.substr(0, value.find('\t'));  // the record's guest
      else
        st.by_guest[field] = value;
    }
  }
  return st;
}

StreamId LastStreamId(testing::RedisServer& redis, const std::string& prefix,
                      const std::string& tenant) {
  Reply r = Call(redis, {"XREVRANGE", Key(prefix, tenant, "ev"), "+", "-", "COUNT", "1"});
  if (!r || r->type != REDIS_REPLY_ARRAY || r->elements == 0) return StreamId{};
  auto id = StreamId::Parse(Str(r->element[0]->element[0]));
  return id ? *id : StreamId{};
}

}  // namespace hotdesk::faults
