#include "services/bench/redis_ceiling.h"

#include <atomic>
#include <chrono>
#include <deque>
#include <mutex>
#include <random>
#include <thread>

#include "absl/strings/str_cat.h"
#include "services/bench/redis_conn.h"
#include "services/core/commands.h"
#include "services/store/redis/record_codec.h"
#include "services/keyspace/redis_keys.h"
#include "services/store/redis/redis_store.h"

namespace hotdesk::bench {
namespace {

using Clock = std::chrono::steady_clock;

// EVALSHA argv for one Establish: the same keys and arguments RedisStore sends (no request_id,
// no limit).
std::vector<std::string> EstablishArgv(const ScriptLoadSpec& spec, const RedisKeys& keys,
                                       const std::string& sha, const std::string& host,
                                       const std::string& guest) {
  EstablishCommand cmd;
  cmd.tenant = spec.tenant;
  cmd.host = host;
  cmd.guest = guest;
  cmd.source = v1::SOURCE_API;
  RedisStoreOptions options;
  options.stream_retention = spec.stream_retention;
  options.request_id_ttl = absl::Seconds(spec.request_id_ttl_s);
  ScriptCall call = EstablishCall(keys, options, cmd);
  std::vector<std::string> argv = {"EVALSHA", sha, std::to_string(call.keys.size())};
  for (auto& k : call.keys) argv.push_back(std::move(k));
  for (auto& a : call.args) argv.push_back(std::move(a));
  return argv;
}

struct Shared {
  std::atomic<int64_t> next{0};  // count mode: next pair index
  std::atomic<int64_t> ops{0};
  Histogram latency;
  std::mutex mu;
  int64_t errors = 0;
  std::map<std::string, int64_t> error_codes;
  Clock::time_point last_done;
  std::string fatal;
};

void Worker(const ScriptLoadSpec& spec, const std::string& sha, Clock::time_point window_start,
            Clock::time_point window_end, Shared* shared) {
  auto conn = RedisConn::Connect(spec.redis_addr);
  if (!conn.ok()) {
    std::lock_guard<std::mutex> lock(shared->mu);
    shared->fatal = conn.status().ToString();
    return;
  }
  RedisKeys keys(spec.key_prefix);
  std::mt19937_64 rng{std::random_device{}()};
  std::deque<Clock::time_point> sent;  // queue times of the commands in flight, in order
  auto next_command = [&]() -> bool {
    std::string host, guest;
    if (spec.count > 0) {
      int64_t i = shared->next.fetch_add(1);
      if (i >= spec.count) return false;
      host = absl::StrCat("desk-", i);
      guest = absl::StrCat("user-", i);
    } else {
      if (Clock::now() >= window_end) return false;
      host = absl::StrCat("desk-", rng() % spec.hosts);
      guest = absl::StrCat("user-", rng() % spec.guests);
    }
    (*conn)->Append(EstablishArgv(spec, keys, sha, host, guest));
    sent.push_back(Clock::now());
    return true;
  };
  for (int i = 0; i < spec.window; ++i) {
    if (!next_command()) break;
  }
  while (!sent.empty()) {
    auto reply = (*conn)->Read();
    Clock::time_point now = Clock::now();
    Clock::time_point queued = sent.front();
    sent.pop_front();
    bool ok = false;
    if (!reply.ok()) {
      std::lock_guard<std::mutex> lock(shared->mu);
      ++shared->errors;
      ++shared->error_codes[std::string(absl::StatusCodeToString(reply.status().code()))];
      if (reply.status().code() == absl::StatusCode::kUnavailable) {
        shared->fatal = reply.status().ToString();
        return;  // the connection is gone; nothing more will arrive on it
      }
    } else {
      // OK, or UNCHANGED (a valid answer on the roaming space); anything else is an error.
      const redisReply* rep = reply->get();
      std::string status = "BAD_REPLY";
      if (rep->type == REDIS_REPLY_ARRAY && rep->elements > 0 && rep->element[0]->str) {
        status.assign(rep->element[0]->str, rep->element[0]->len);
      }
      ok = status == "OK" || status == "UNCHANGED";
      if (!ok) {
        std::lock_guard<std::mutex> lock(shared->mu);
        ++shared->errors;
        ++shared->error_codes[status];
      }
    }
    if (ok && now >= window_start && now <= window_end) {
      shared->ops.fetch_add(1);
      shared->latency.Record(
          std::chrono::duration_cast<std::chrono::nanoseconds>(now - queued).count());
      if (spec.count > 0) {
        std::lock_guard<std::mutex> lock(shared->mu);
        if (now > shared->last_done) shared->last_done = now;
      }
    }
    next_command();
  }
}

}  // namespace

std::string EstablishScriptText() {
  return EstablishCall(RedisKeys("x"), RedisStoreOptions{}, EstablishCommand{}).script->body();
}

absl::StatusOr<ScriptLoadResult> RunEstablishScript(const ScriptLoadSpec& spec) {
  auto admin = RedisConn::Connect(spec.redis_addr);
  if (!admin.ok()) return admin.status();
  auto loaded = (*admin)->Cmd({"SCRIPT", "LOAD", EstablishScriptText()});
  if (!loaded.ok()) return loaded.status();
  std::string sha((*loaded)->str, (*loaded)->len);

  Shared shared;
  Clock::time_point begin = Clock::now();
  Clock::time_point window_start = begin, window_end = Clock::time_point::max();
  if (spec.count <= 0) {
    window_start =
        begin + std::chrono::duration_cast<Clock::duration>(absl::ToChronoNanoseconds(spec.warmup));
    window_end = window_start + std::chrono::duration_cast<Clock::duration>(
                                    absl::ToChronoNanoseconds(spec.duration));
  }
  std::vector<std::thread> threads;
  for (int i = 0; i < spec.connections; ++i) {
    threads.emplace_back(Worker, std::cref(spec), std::cref(sha), window_start, window_end,
                         &shared);
  }
  for (auto& t : threads) t.join();
  if (!shared.fatal.empty()) return absl::UnavailableError(shared.fatal);

  ScriptLoadResult r;
  Clock::time_point end = spec.count > 0 ? shared.last_done : window_end;
  r.seconds = std::chrono::duration<double>(end - window_start).count();
  r.ops = shared.ops.load();
  r.ops_per_sec = r.seconds > 0 ? static_cast<double>(r.ops) / r.seconds : 0;
  r.latency = shared.latency.Summarize();
  r.errors = shared.errors;
  r.error_codes = shared.error_codes;
  return r;
}

}  // namespace hotdesk::bench
