// The association store contract. Two implementations: RedisStore (production) and MemoryStore
// (unit tests, --store=memory demos); tests/store/contract_test.cc runs one suite against both.
//
// Every operation is asynchronous: `done` is called exactly once, possibly on another thread,
// never while the store holds a lock. A mutation and its events commit together or not at all.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "hotdesk/v1/associations.pb.h"
#include "services/common/done.h"
#include "services/core/commands.h"
#include "services/core/stream_id.h"

namespace hotdesk {

using EventPtr = std::shared_ptr<const v1::AssociationEvent>;

struct Snapshot {
  std::vector<v1::Association> associations;
  StreamId cursor;  // the last event included in the snapshot's state
};

// Live events of followed tenants, in commit order, for the in-process fan-out hub.
class EventFeed {
 public:
  class Listener {
   public:
    virtual ~Listener() = default;
    // Following `tenant` started; events after `base` will follow through OnEvents.
    virtual void OnFollowing(const std::string& tenant, StreamId base) = 0;
    // Events committed after the previous batch (or after `base`), contiguous, in order.
    virtual void OnEvents(const std::string& tenant, std::vector<EventPtr> events) = 0;
    // The history followed since OnFollowing is gone (trimmed while the reader was away, or
    // lost in a failover): watchers must resync. OnFollowing follows with a new base.
    virtual void OnLost(const std::string& tenant, absl::Status why) {}
  };
  virtual ~EventFeed() = default;
  // Set once, before Follow.
  virtual void SetListener(Listener* listener) = 0;
  virtual void Follow(const std::string& tenant) = 0;
  virtual void Unfollow(const std::string& tenant) = 0;
};

class AssociationStore {
 public:
  virtual ~AssociationStore() = default;

  // Policies, supersede semantics and idempotency as documented in associations.proto.
  // Domain failures: FAILED_PRECONDITION with ErrorInfo reason HOST_BUSY / GUEST_ELSEWHERE and
  // the conflicting Association as a detail; INVALID_ARGUMENT REQUEST_ID_REUSED.
  virtual void Establish(const EstablishCommand& cmd, absl::Time deadline,
                         Done<v1::EstablishResponse> done) = 0;
  // NOT_FOUND when nothing to cancel; FAILED_PRECONDITION NOT_ASSOCIATED when both host and
  // guest are given but not associated with each other.
  virtual void Cancel(const CancelCommand& cmd, absl::Time deadline,
                      Done<v1::CancelResponse> done) = 0;
  // Exactly one of host, guest non-empty.
  virtual void Get(const std::string& tenant, const std::string& host, const std::string& guest,
                   absl::Time deadline, Done<v1::Association> done) = 0;
  virtual void List(const std::string& tenant, int page_size, const std::string& page_token,
                    absl::Time deadline, Done<v1::ListAssociationsResponse> done) = 0;
  // Cancels (reason EXPIRED, source EXPIRY) every due association of every tenant; safe to run
  // from many replicas at once: each association is cancelled once. Returns those this call
  // cancelled, each with its CANCELLED event's cursor.
  virtual void SweepExpired(absl::Time deadline, Done<std::vector<v1::CancelResponse>> done) = 0;

  // Events after `after` (exclusive), at most `max`. OUT_OF_RANGE when events after `after`
  // were trimmed away.
  virtual void ReadEvents(const std::string& tenant, StreamId after, int max, absl::Time deadline,
                          Done<std::vector<EventPtr>> done) = 0;
  virtual void TakeSnapshot(const std::string& tenant, absl::Time deadline,
                            Done<Snapshot> done) = 0;
  virtual void LastEventId(const std::string& tenant, absl::Time deadline, Done<StreamId> done) = 0;
  // Number of associations per tenant, for the active-associations gauge.
  virtual void CountAssociations(absl::Time deadline,
                                 Done<std::vector<std::pair<std::string, int64_t>>> done) = 0;

  virtual EventFeed& feed() = 0;
  // False while the backing store cannot be reached.
  virtual bool Healthy() const = 0;
};

}  // namespace hotdesk
