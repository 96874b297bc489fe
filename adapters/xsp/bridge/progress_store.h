// Durable state of the bridge in Redis, beside the core's keys of the tenant (same hash tag, so
// Redis Cluster keeps them in the tenant's slot; every key built by RedisKeys):
//   xsp:cursor     string  the last hotdesk event taken in (its sequence queued, or none needed)
//   xsp:known      hash    host -> guest as BroadWorks has it once every queued sequence ran:
//                          what a resync compares a snapshot with
//   xsp:known_ok   string  present while `known` is complete
//   xsp:seq:<key>  hash    one sequence: its event, kind, ids, state, per-step outcome (30 days)
//   xsp:pending    zset    sequences not ended (queued, running, parked), by arrival
//   xsp:order      string  the arrival counter
//   xsp:recent     list    keys of recent sequences, newest first (/status)
//   xsp:echo       hash    HotelingGuest values the bridge set and expects back as events:
//                          field "<guest> <sequence key>", value "<order> <until ms> <host>";
//                          each entry until the echo window ends, the hash with it; at most
//                          kMaxEchoes
// (each is <prefix>:{<tenant>}:<name>). A sequence's key is the event's cursor
// ("<snapshot cursor>.<n>" for a resync's differences).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "adapters/common/cursor_store.h"
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
  std::string cursor;  // the sequence's key
  int64_t order = 0;   // arrival
  std::string kind;    // establish | cancel
  std::string host, guest, bw_host, bw_guest;
  // queued | running | parked (failed; retried at next_attempt_ms) | done | dropped (by an
  // operator) | unmapped (ids without a BroadWorks user; nothing to do)
  std::string state;
  std::string error;
  int parks = 0;  // how many times it failed and was parked
  int64_t next_attempt_ms = 0;
  int64_t updated_ms = 0;
  std::string event;  // the hotdesk event, serialized (the plan is made from it)
  std::vector<StepRecord> steps;

  bool ended() const { return state == "done" || state == "dropped" || state == "unmapped"; }
};

class ProgressStore : public adapters::CursorStore {
 public:
  static constexpr int kMaxEchoes = 1000;

  ProgressStore(std::shared_ptr<RedisClient> redis, std::string prefix, std::string tenant);

  // The event follower's place (adapters::CursorStore).
  absl::StatusOr<adapters::FollowerState> Load() override;
  absl::Status Advance(const adapters::FollowerState& state,
                       const adapters::KnownChange* change) override;
  absl::Status Replace(const adapters::FollowerState& state) override;

  // Queues a new sequence (state queued, next in arrival order); false when one with this key
  // exists already (the event was taken in before a restart).
  absl::StatusOr<bool> Enqueue(SeqRecord* rec);
  // NOT_FOUND when there is no record for the key.
  absl::StatusOr<SeqRecord> LoadSeq(const std::string& key);
  // Writes the whole record; an ended one leaves the pending set.
  absl::Status Save(const SeqRecord& rec);
  // Sequences not ended, in arrival order.
  absl::StatusOr<std::vector<SeqRecord>> Pending();
  absl::StatusOr<std::vector<SeqRecord>> Recent(int limit);

  // Before a HotelingGuest PUT of sequence `key`: the guest's event will show `host` ("" =
  // none). The same sequence sending again refreshes its one record.
  absl::Status ExpectEcho(const SeqRecord& rec, const std::string& guest, const std::string& host,
                          absl::Duration window);
  // A HotelingGuestEvent shows guest -> host. True when it is the echo of one of the bridge's own
  // changes still expected: the earliest such record is kept (the same change may come back
  // again, once per subscription) and older ones are dropped (their echoes came in order before).
  // False when it is a change made on the platform: every expectation recorded so far is dropped,
  // the platform's change supersedes them.
  absl::StatusOr<bool> ConsumeEcho(const std::string& guest, const std::string& host);
  // Expected echoes (/status).
  absl::StatusOr<int64_t> EchoCount();

  std::string CursorKey() const;
  std::string KnownKey() const;
  std::string KnownOkKey() const;
  std::string SeqKey(const std::string& key) const;
  std::string PendingKey() const;
  std::string OrderKey() const;
  std::string RecentKey() const;
  std::string EchoKey() const;

 private:
  struct Reply {
    std::string str;
    std::vector<std::string> arr;
    bool nil = false;
  };
  absl::StatusOr<Reply> Call(std::vector<std::string> argv);
  absl::StatusOr<Reply> Eval(const RedisScript& script, std::vector<std::string> keys,
                             std::vector<std::string> args);

  std::shared_ptr<RedisClient> redis_;
  RedisKeys keys_;
  std::string tenant_;
};

// SeqRecord as JSON (the /status view).
std::string SeqRecordJson(const SeqRecord& r);

}  // namespace hotdesk::xsp
