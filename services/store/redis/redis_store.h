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
#include "services/store/redis/lua_script.h"
#include "services/store/redis/redis_event_feed.h"

namespace hotdesk {

struct RedisStoreOptions {
  std::string prefix = "hotdesk";
  int64_t stream_retention = 100000;  // approximate MAXLEN per tenant stream
  absl::Duration request_id_ttl = absl::Hours(24);
  int sweep_batch = 500;
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
                  Done<std::vector<EventPtr>> done) override;
  void TakeSnapshot(const std::string& tenant, absl::Time deadline, Done<Snapshot> done) override;
  void LastEventId(const std::string& tenant, absl::Time deadline, Done<StreamId> done) override;
  void CountAssociations(absl::Time deadline,
                         Done<std::vector<std::pair<std::string, int64_t>>> done) override;
  EventFeed& feed() override { return feed_; }
  bool Healthy() const override { return client_->Healthy(); }

 private:
  void RegisterTenant(const std::string& tenant, absl::Time deadline);

  RedisClient* client_;
  RedisStoreOptions options_;
  RedisKeys keys_;
  RedisEventFeed feed_;
  std::mutex tenants_mu_;
  std::set<std::string> registered_tenants_;
};

}  // namespace hotdesk
