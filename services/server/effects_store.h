// The effects of every committed change — its log line and its counters — in one place,
// whoever made it (Associations, the Guests and Devices force logouts, the expiry sweeper): a
// decorator of the store that every writer goes through.
#pragma once

#include "services/server/metrics.h"
#include "services/store/association_store.h"

namespace hotdesk {

class EffectsStore final : public AssociationStore {
 public:
  EffectsStore(AssociationStore* inner, ServerMetrics* metrics)
      : inner_(inner), metrics_(metrics) {}

  // Changes: forwarded, and on commit logged and counted.
  void Establish(const EstablishCommand& cmd, absl::Time deadline,
                 Done<v1::EstablishResponse> done) override;
  void Cancel(const CancelCommand& cmd, absl::Time deadline,
              Done<v1::CancelResponse> done) override;
  void SweepExpired(absl::Time deadline, Done<std::vector<v1::CancelResponse>> done) override;

  // Reads: forwarded.
  void Get(const std::string& tenant, const std::string& host, const std::string& guest,
           absl::Time deadline, Done<v1::Association> done) override {
    inner_->Get(tenant, host, guest, deadline, std::move(done));
  }
  void List(const std::string& tenant, int page_size, const std::string& page_token,
            absl::Time deadline, Done<v1::ListAssociationsResponse> done) override {
    inner_->List(tenant, page_size, page_token, deadline, std::move(done));
  }
  void ReadEvents(const std::string& tenant, StreamId after, int max, absl::Time deadline,
                  Done<std::vector<EventPtr>> done) override {
    inner_->ReadEvents(tenant, after, max, deadline, std::move(done));
  }
  void TakeSnapshot(const std::string& tenant, absl::Time deadline, Done<Snapshot> done) override {
    inner_->TakeSnapshot(tenant, deadline, std::move(done));
  }
  void LastEventId(const std::string& tenant, absl::Time deadline, Done<StreamId> done) override {
    inner_->LastEventId(tenant, deadline, std::move(done));
  }
  void CountAssociations(absl::Time deadline,
                         Done<std::vector<std::pair<std::string, int64_t>>> done) override {
    inner_->CountAssociations(deadline, std::move(done));
  }
  EventFeed& feed() override { return inner_->feed(); }
  bool Healthy() const override { return inner_->Healthy(); }

 private:
  void Cancelled(const v1::Association& a, v1::CancelReason reason, v1::Source source,
                 const std::string& cursor);

  AssociationStore* inner_;
  ServerMetrics* metrics_;
};

}  // namespace hotdesk
