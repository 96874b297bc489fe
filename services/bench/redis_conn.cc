#include "services/bench/redis_conn.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "services/common/host_port.h"

namespace hotdesk::bench {

absl::StatusOr<std::unique_ptr<RedisConn>> RedisConn::Connect(const std::string& addr) {
  auto hp = SplitHostPort(addr);
  if (!hp.ok()) return hp.status();
  timeval tv{2, 0};
  redisContext* c = redisConnectWithTimeout(hp->host.c_str(), hp->port, tv);
  if (c == nullptr) return absl::UnavailableError("redis: out of memory");
  if (c->err) {
    std::string why = c->errstr;
    redisFree(c);
    return absl::UnavailableError(absl::StrCat("redis ", addr, ": ", why));
  }
  timeval rw{30, 0};
  redisSetTimeout(c, rw);
  return std::unique_ptr<RedisConn>(new RedisConn(c));
}

RedisConn::~RedisConn() { redisFree(ctx_); }

void RedisConn::Append(const std::vector<std::string>& argv) {
  std::vector<const char*> p;
  std::vector<size_t> l;
  p.reserve(argv.size());
  l.reserve(argv.size());
  for (const auto& a : argv) {
    p.push_back(a.data());
    l.push_back(a.size());
  }
  redisAppendCommandArgv(ctx_, static_cast<int>(p.size()), p.data(), l.data());
}

absl::StatusOr<ReplyPtr> RedisConn::Read() {
  void* r = nullptr;
  if (redisGetReply(ctx_, &r) != REDIS_OK || r == nullptr) {
    return absl::UnavailableError(absl::StrCat("redis: ", ctx_->errstr));
  }
  ReplyPtr reply(static_cast<redisReply*>(r));
  if (reply->type == REDIS_REPLY_ERROR) {
    return absl::InternalError(absl::StrCat("redis error: ", std::string(reply->str, reply->len)));
  }
  return reply;
}

absl::StatusOr<ReplyPtr> RedisConn::Cmd(const std::vector<std::string>& argv) {
  Append(argv);
  return Read();
}

absl::StatusOr<int64_t> RedisConn::InfoInt(const std::string& section, const std::string& field) {
  auto r = Cmd({"INFO", section});
  if (!r.ok()) return r.status();
  std::string text((*r)->str ? (*r)->str : "", (*r)->len);
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    line = absl::StripSuffix(line, "\r");
    if (absl::ConsumePrefix(&line, field) && absl::ConsumePrefix(&line, ":")) {
      int64_t v;
      if (absl::SimpleAtoi(line, &v)) return v;
    }
  }
  return absl::NotFoundError(absl::StrCat("INFO ", section, " has no ", field));
}

absl::StatusOr<int> RedisConn::OtherClients() {
  auto id = Cmd({"CLIENT", "ID"});
  if (!id.ok()) return id.status();
  std::string self = absl::StrCat("id=", (*id)->integer, " ");
  auto r = Cmd({"CLIENT", "LIST"});
  if (!r.ok()) return r.status();
  std::string text((*r)->str ? (*r)->str : "", (*r)->len);
  int n = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipWhitespace())) {
    if (absl::StartsWith(line, self)) continue;
    ++n;
  }
  return n;
}

absl::StatusOr<int64_t> RedisConn::DeleteMatching(const std::string& pattern) {
  std::string cursor = "0";
  int64_t deleted = 0;
  do {
    auto r = Cmd({"SCAN", cursor, "MATCH", pattern, "COUNT", "1000"});
    if (!r.ok()) return r.status();
    const redisReply* rep = r->get();
    if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 2) {
      return absl::InternalError("unexpected SCAN reply");
    }
    cursor.assign(rep->element[0]->str, rep->element[0]->len);
    const redisReply* keys = rep->element[1];
    if (keys->elements > 0) {
      std::vector<std::string> argv{"UNLINK"};
      for (size_t i = 0; i < keys->elements; ++i) {
        argv.emplace_back(keys->element[i]->str, keys->element[i]->len);
      }
      auto d = Cmd(argv);
      if (!d.ok()) return d.status();
      deleted += (*d)->integer;
    }
  } while (cursor != "0");
  return deleted;
}

}  // namespace hotdesk::bench
