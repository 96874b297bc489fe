// Durable progress of the outbound side in Redis, beside the core's keys of the tenant (same
// hash tag, so Redis Cluster keeps them in the tenant's slot; built by RedisKeys):
//   <prefix>:{t}:xsp:cursor        string  last event fully handled (sequence done/failed/skipped)
//   <prefix>:{t}:xsp:seq:<cursor>  hash    one sequence: kind, ids, state, per-step outcome
//   <prefix>:{t}:xsp:recent        list    cursors of recent sequences, newest first (/status)
// After a restart the bridge resumes watching after the cursor; an event whose sequence is
// already done or failed is not run again; a running one continues at its first unfinished step.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/keyspace/redis_keys.h"
#include "services/redis/redis_client.h"

namespace hotdesk::xsp {

struct StepRecord {
  std::string name;
  std::string outcome;  // pending | ok | skipped | failed | not_run
  int attempts = 0;
  int http_status = 0;
  std::string detail;
};

struct SeqRecord {
  std::string cursor;
  std::string kind;  // establish | cancel
  std::string host, guest, bw_host, bw_guest;
  std::string state;  // running | done | failed
  std::string error;
  int64_t updated_ms = 0;
  std::vector<StepRecord> steps;
};

class ProgressStore {
 public:
  ProgressStore(std::shared_ptr<RedisClient> redis, std::string prefix, std::string tenant);

  absl::StatusOr<std::string> LoadCursor();
  absl::Status SaveCursor(const std::string& cursor);
  // NOT_FOUND when there is no record for the cursor.
  absl::StatusOr<SeqRecord> Load(const std::string& cursor);
  // Writes the whole record (and lists it as recent when new).
  absl::Status Save(const SeqRecord& rec, bool is_new);
  absl::StatusOr<std::vector<SeqRecord>> Recent(int limit);

  std::string CursorKey() const;
  std::string SeqKey(const std::string& cursor) const;
  std::string RecentKey() const;

 private:
  struct Reply {
    std::string str;
    std::vector<std::string> arr;
    bool nil = false;
  };
  absl::StatusOr<Reply> Call(std::vector<std::string> argv);

  std::shared_ptr<RedisClient> redis_;
  RedisKeys keys_;
  std::string tenant_;
};

// SeqRecord as JSON (the /status view).
std::string SeqRecordJson(const SeqRecord& r);

}  // namespace hotdesk::xsp
