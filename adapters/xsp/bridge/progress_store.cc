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

}  // namespace

ProgressStore::ProgressStore(std::shared_ptr<RedisClient> redis, std::string prefix,
                             std::string tenant)
    : redis_(std::move(redis)), keys_(std::move(prefix)), tenant_(std::move(tenant)) {}

std::string ProgressStore::CursorKey() const { return keys_.XspCursor(tenant_); }
std::string ProgressStore::SeqKey(const std::string& c) const {
  return keys_.XspSequence(tenant_, c);
}
std::string ProgressStore::RecentKey() const { return keys_.XspRecent(tenant_); }

absl::StatusOr<ProgressStore::Reply> ProgressStore::Call(std::vector<std::string> argv) {
  auto promise = std::make_shared<std::promise<absl::StatusOr<Reply>>>();
  std::future<absl::StatusOr<Reply>> fut = promise->get_future();
  redis_->Command(std::move(argv), absl::Now() + absl::Seconds(3),
                  [promise](absl::StatusOr<const redisReply*> r) {
                    if (!r.ok()) {
                      promise->set_value(r.status());
                      return;
                    }
                    Reply out;
                    const redisReply* rep = *r;
                    out.nil = ReplyIsNil(rep);
                    if (rep->type == REDIS_REPLY_ARRAY) {
                      for (size_t i = 0; i < rep->elements; ++i) {
                        out.arr.push_back(ReplyString(rep->element[i]));
                      }
                    } else if (!out.nil) {
                      out.str = ReplyString(rep);
                    }
                    promise->set_value(std::move(out));
                  });
  return fut.get();
}

absl::StatusOr<std::string> ProgressStore::LoadCursor() {
  absl::StatusOr<Reply> r = Call({"GET", CursorKey()});
  if (!r.ok()) return r.status();
  return r->nil ? "" : r->str;
}

absl::Status ProgressStore::SaveCursor(const std::string& cursor) {
  return Call({"SET", CursorKey(), cursor}).status();
}

absl::StatusOr<SeqRecord> ProgressStore::Load(const std::string& cursor) {
  absl::StatusOr<Reply> r = Call({"HGETALL", SeqKey(cursor)});
  if (!r.ok()) return r.status();
  if (r->arr.empty()) return absl::NotFoundError("no sequence record");
  std::map<std::string, std::string> f;
  for (size_t i = 0; i + 1 < r->arr.size(); i += 2) f[r->arr[i]] = r->arr[i + 1];
  SeqRecord rec;
  rec.cursor = cursor;
  rec.kind = f["kind"];
  rec.host = f["host"];
  rec.guest = f["guest"];
  rec.bw_host = f["bw_host"];
  rec.bw_guest = f["bw_guest"];
  rec.state = f["state"];
  rec.error = f["error"];
  (void)absl::SimpleAtoi(f["updated_ms"], &rec.updated_ms);
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

absl::Status ProgressStore::Save(const SeqRecord& rec, bool is_new) {
  std::vector<std::string> argv = {"HSET",       SeqKey(rec.cursor),
                                   "kind",       rec.kind,
                                   "host",       rec.host,
                                   "guest",      rec.guest,
                                   "bw_host",    rec.bw_host,
                                   "bw_guest",   rec.bw_guest,
                                   "state",      rec.state,
                                   "error",      rec.error,
                                   "updated_ms", absl::StrCat(absl::ToUnixMillis(absl::Now())),
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
      argv.push_back(p + k);
      argv.push_back(v);
    }
  }
  if (absl::Status s = Call(std::move(argv)).status(); !s.ok()) return s;
  if (is_new) {
    if (absl::Status s = Call({"EXPIRE", SeqKey(rec.cursor), kSeqTtlSeconds}).status(); !s.ok()) {
      return s;
    }
    if (absl::Status s = Call({"LPUSH", RecentKey(), rec.cursor}).status(); !s.ok()) return s;
    return Call({"LTRIM", RecentKey(), "0", absl::StrCat(kRecentKeep - 1)}).status();
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<SeqRecord>> ProgressStore::Recent(int limit) {
  absl::StatusOr<Reply> r = Call({"LRANGE", RecentKey(), "0", absl::StrCat(limit - 1)});
  if (!r.ok()) return r.status();
  std::vector<SeqRecord> out;
  for (const std::string& c : r->arr) {
    absl::StatusOr<SeqRecord> rec = Load(c);
    if (rec.ok()) out.push_back(std::move(*rec));
  }
  return out;
}

std::string SeqRecordJson(const SeqRecord& r) {
  std::string out =
      absl::StrCat("{\"cursor\":", JsonQuote(r.cursor), ",\"kind\":", JsonQuote(r.kind),
                   ",\"host\":", JsonQuote(r.host), ",\"guest\":", JsonQuote(r.guest),
                   ",\"bwHost\":", JsonQuote(r.bw_host), ",\"bwGuest\":", JsonQuote(r.bw_guest),
                   ",\"state\":", JsonQuote(r.state), ",\"error\":", JsonQuote(r.error),
                   ",\"updatedMs\":", r.updated_ms, ",\"steps\":[");
  for (size_t i = 0; i < r.steps.size(); ++i) {
    const StepRecord& s = r.steps[i];
    absl::StrAppend(&out, i ? "," : "", "{\"name\":", JsonQuote(s.name),
                    ",\"outcome\":", JsonQuote(s.outcome), ",\"attempts\":", s.attempts,
                    ",\"httpStatus\":", s.http_status, ",\"detail\":", JsonQuote(s.detail), "}");
  }
  return out + "]}";
}

}  // namespace hotdesk::xsp
