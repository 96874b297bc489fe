// In-process store with the same contract as RedisStore: for unit tests and --store=memory demos.
// State lives in one process, so replicas do not share it.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>

#include "services/store/association_store.h"

namespace hotdesk {

struct MemoryStoreOptions {
  size_t stream_retention = 100000;  // events kept per tenant
  absl::Duration request_id_ttl = absl::Hours(24);
  std::function<absl::Time()> clock = [] { return absl::Now(); };
};

class MemoryStore final : public AssociationStore, public EventFeed {
 public:
  explicit MemoryStore(MemoryStoreOptions options = {});

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
  EventFeed& feed() override { return *this; }

  // The guest registry's rule, as the Redis store reads it from the Guests hash: true when the
  // guest is registered with hot desking disabled. Set before use; called with no store lock.
  void SetGuestDisabledCheck(std::function<bool(const std::string&, const std::string&)> check) {
    guest_disabled_ = std::move(check);
  }
  bool Healthy() const override { return true; }

  // EventFeed
  void SetListener(Listener* listener) override;
  void Follow(const std::string& tenant) override;
  void Unfollow(const std::string& tenant) override;

 private:
  struct Stored {
    std::string fingerprint;
    absl::Time expires;
    absl::StatusOr<v1::EstablishResponse> establish = absl::UnknownError("");
    absl::StatusOr<v1::CancelResponse> cancel = absl::UnknownError("");
  };
  struct Tenant {
    std::map<std::string, v1::Association> by_host;
    std::map<std::string, std::string> by_guest;
    std::set<std::pair<int64_t, std::string>> exp;  // (expire ms, host)
    std::deque<EventPtr> events;
    StreamId last;
    StreamId trimmed;  // newest event dropped by retention
    std::map<std::string, Stored> requests;
  };
  // Commits happen under mu_; the events they produced are handed to the listener under
  // feed_mu_ after mu_ is released, so listeners may call back into the store.
  struct Pending {
    std::string tenant;
    std::vector<EventPtr> events;
  };

  int64_t NowMs() const;
  StreamId NextId(Tenant& t, int64_t now_ms);
  EventPtr Append(Tenant& t, const std::string& tenant, v1::EventType type,
                  const v1::Association& assoc, v1::CancelReason reason, v1::Source source,
                  const std::string& request_id, int64_t now_ms, Pending* pending);
  void Remove(Tenant& t, const std::string& host);
  void Deliver(std::vector<Pending> pending);
  Stored* Replay(Tenant& t, const std::string& request_id, absl::Time now);
  Stored* Remember(Tenant& t, const std::string& request_id, const std::string& fingerprint,
                   absl::Time now);
  absl::StatusOr<v1::EstablishResponse> EstablishLocked(const EstablishCommand& cmd,
                                                        bool guest_disabled, Pending* pending);
  absl::StatusOr<v1::CancelResponse> CancelLocked(const CancelCommand& cmd, Pending* pending);

  MemoryStoreOptions options_;
  std::mutex feed_mu_;  // taken before mu_ by mutations
  std::mutex mu_;
  std::map<std::string, Tenant> tenants_;
  std::set<std::string> followed_;
  Listener* listener_ = nullptr;
  std::function<bool(const std::string&, const std::string&)> guest_disabled_;
};

}  // namespace hotdesk
