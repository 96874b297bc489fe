// The production store: state, indexes and events in Redis, each mutation one Lua script.
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "services/redis/redis_client.h"
#include "services/store/association_store.h"
#include "services/keyspace/redis_keys.h"
#include "services/store/redis/expiry_schedule.h"
#include "services/store/redis/lua_script.h"
#include "services/store/redis/record_codec.h"
#include "services/store/redis/redis_event_feed.h"

namespace hotdesk {

struct RedisStoreOptions {
  std::string prefix = "hotdesk";
  int64_t stream_retention = 100000;  // approximate MAXLEN per tenant stream
  absl::Duration request_id_ttl = absl::Hours(24);
  int sweep_batch = 500;  // associations cancelled per tenant per sweep
  ExpiryScheduleOptions expiry;
  // Called once per stream entry that cannot be decoded (hotdesk_events_undecodable_total).
  std::function<void()> on_undecodable;
};

// The establish script call exactly as the store makes it: for tools (hotdesk-bench) that
// measure Redis's own ceiling for the same work.
ScriptCall EstablishCall(const RedisKeys& keys, const RedisStoreOptions& options,
                         const EstablishCommand& cmd);

class RedisStore final : public AssociationStore {
 public:
  RedisStore(RedisClient* client, RedisStoreOptions options);
  ~RedisStore() override;
  void Start();
  void Stop();

  void Establish(const EstablishCommand& cmd, absl::Time deadline,
                 Done<v1::EstablishResponse> done) override;
  void Cancel(const CancelCommand& cmd, absl::Time deadline,
              Done<v1::CancelResponse> done) override;
  void Get(const std::string& tenant, const std::string& host, const std::string& guest,
           absl::Time deadline, Done<v1::Association> done) override;
  void List(const std::string& tenant, int page_size, const std::string& page_token,
            absl::Time deadline, Done<v1::ListAssociationsResponse> done) override;
  void SweepExpired(absl::Time deadline, Done<std::vector<v1::CancelResponse>> done) override;
  void ReadEvents(const std::string& tenant, StreamId after, int max, absl::Time deadline,
                  Done<EventPage> done) override;
  void TakeSnapshot(const std::string& tenant, absl::Time deadline, Done<Snapshot> done) override;
  void LastEventId(const std::string& tenant, absl::Time deadline, Done<StreamId> done) override;
  void CountAssociations(absl::Time deadline,
                         Done<std::vector<std::pair<std::string, int64_t>>> done) override;
  EventFeed& feed() override { return feed_; }
  bool Healthy() const override { return client_->Healthy(); }

  // Rebuilds the sweeper's work list from every tenant's expiries; SweepExpired runs it at its
  // first call and then every `expiry.reconcile_interval` by itself.
  void ReconcileExpiry(absl::Time deadline, std::function<void(absl::Status)> done) {
    schedule_.Reconcile(deadline, std::move(done));
  }

 private:
  // Sweeps the tenants the schedule says are due.
  void SweepDue(absl::Time deadline, Done<std::vector<v1::CancelResponse>> done);

  RedisClient* client_;
  RedisStoreOptions options_;
  RedisKeys keys_;
  UndecodableEntries undecodable_;  // shared by catch-up reads and the live reader
  RedisEventFeed feed_;
  ExpirySchedule schedule_;
};

}  // namespace hotdesk
