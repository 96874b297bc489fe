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
  return Connect(RedisNodeAddr{hp->host, hp->port}, RedisConfig{});
}

absl::StatusOr<std::unique_ptr<RedisConn>> RedisConn::Connect(const RedisNodeAddr& node,
                                                              const RedisConfig& login) {
  timeval tv{2, 0};
  redisContext* c = redisConnectWithTimeout(node.host.c_str(), node.port, tv);
  if (c == nullptr) return absl::UnavailableError("redis: out of memory");
  if (c->err) {
    std::string why = c->errstr;
    redisFree(c);
    return absl::UnavailableError(absl::StrCat("redis ", node.ToString(), ": ", why));
  }
  timeval rw{30, 0};
  redisSetTimeout(c, rw);
  std::unique_ptr<RedisConn> conn(new RedisConn(c));
  if (!login.password.empty()) {
    std::vector<std::string> auth = {"AUTH"};
    if (!login.username.empty()) auth.push_back(login.username);
    auth.push_back(login.password);
    if (auto r = conn->Cmd(auth); !r.ok()) {
      return absl::PermissionDeniedError(
          absl::StrCat("redis ", node.ToString(), ": AUTH: ", r.status().message()));
    }
  }
  if (login.db != 0 && login.mode != RedisConfig::Mode::kCluster) {
    if (auto r = conn->Cmd({"SELECT", std::to_string(login.db)}); !r.ok()) return r.status();
  }
  return conn;
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

absl::Status RedisConn::ScanKeys(
    const std::string& pattern,
    const std::function<absl::Status(const std::vector<std::string>&)>& batch) {
  std::string cursor = "0";
  do {
    auto r = Cmd({"SCAN", cursor, "MATCH", pattern, "COUNT", "1000"});
    if (!r.ok()) return r.status();
    const redisReply* rep = r->get();
    if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 2) {
      return absl::InternalError("unexpected SCAN reply");
    }
    cursor.assign(rep->element[0]->str, rep->element[0]->len);
    std::vector<std::string> keys;
    for (size_t i = 0; i < rep->element[1]->elements; ++i) {
      const redisReply* k = rep->element[1]->element[i];
      keys.emplace_back(k->str, k->len);
    }
    absl::Status st = batch(keys);
    if (!st.ok()) return st;
  } while (cursor != "0");
  return absl::OkStatus();
}

absl::StatusOr<int64_t> RedisConn::DeleteMatching(const std::string& pattern) {
  int64_t deleted = 0;
  absl::Status st = ScanKeys(pattern, [&](const std::vector<std::string>& keys) {
    // One UNLINK per key, pipelined: on a cluster node, keys of several slots in one
    // command are refused (CROSSSLOT).
    for (const auto& key : keys) Append({"UNLINK", key});
    for (size_t i = 0; i < keys.size(); ++i) {
      auto d = Read();
      if (!d.ok()) return d.status();
      deleted += (*d)->integer;
    }
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  return deleted;
}

}  // namespace hotdesk::bench
