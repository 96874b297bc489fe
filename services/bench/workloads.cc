#include "services/bench/workloads.h"

#include <random>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace hotdesk::bench {
namespace {

template <typename Req, typename Resp>
struct Call {
  grpc::ClientContext ctx;
  Req req;
  Resp resp;
  Call() { ctx.set_deadline(absl::ToChronoTime(absl::Now() + kCallTimeout)); }
};

int RandomBelow(int n) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return static_cast<int>(rng() % static_cast<uint64_t>(n));
}

}  // namespace

PingWorkload::PingWorkload(const ChannelList& channels, size_t payload_size)
    : payload_(payload_size, 'x') {
  for (const auto& ch : channels) stubs_.push_back(v1::Bench::NewStub(ch));
}

void PingWorkload::Start(int slot, OpDone done) {
  auto* c = new Call<v1::PingRequest, v1::PingResponse>();
  c->req.set_payload(payload_);
  stubs_[slot % stubs_.size()]->async()->Ping(&c->ctx, &c->req, &c->resp,
                                              [c, done](grpc::Status s) {
                                                done(0, s.error_code());
                                                delete c;
                                              });
}

AssociationWorkload::AssociationWorkload(const ChannelList& channels,
                                         std::vector<std::string> tenants,
                                         EstablishPattern pattern, int hosts, int guests)
    : tenants_(std::move(tenants)), pattern_(pattern), hosts_(hosts), guests_(guests) {
  for (const auto& ch : channels) stubs_.push_back(v1::Associations::NewStub(ch));
  // Slots are bounded by the driver's LoadSpec::slots; keep room for a generous open loop.
  established_.assign(1 << 16, 0);
}

std::vector<std::string> AssociationWorkload::KindNames() const {
  if (pattern_ == EstablishPattern::kSteady) return {"establish", "cancel"};
  return {"establish"};
}

v1::EstablishRequest AssociationWorkload::SampleRequest(const std::string& tenant) {
  v1::EstablishRequest req;
  req.set_tenant(tenant);
  req.set_host("desk-12345");
  req.set_guest("user-12345");
  req.set_source(v1::SOURCE_API);
  return req;
}

void AssociationWorkload::Start(int slot, OpDone done) {
  switch (pattern_) {
    case EstablishPattern::kStorm: {
      int64_t i = next_.fetch_add(1);
      const std::string& tenant = tenants_[static_cast<size_t>(i) % tenants_.size()];
      Establish(slot, tenant, absl::StrCat("desk-", i), absl::StrCat("user-", i),
                std::move(done));
      return;
    }
    case EstablishPattern::kRoaming:
      Establish(slot, tenants_[RandomBelow(static_cast<int>(tenants_.size()))],
                absl::StrCat("desk-", RandomBelow(hosts_)),
                absl::StrCat("user-", RandomBelow(guests_)), std::move(done));
      return;
    case EstablishPattern::kSteady: {
      char& on = established_[static_cast<size_t>(slot) % established_.size()];
      const std::string& tenant = tenants_[static_cast<size_t>(slot) % tenants_.size()];
      std::string host = absl::StrCat("desk-", slot);
      if (on) {
        on = 0;
        Cancel(slot, tenant, host, std::move(done));
      } else {
        on = 1;
        Establish(slot, tenant, host, absl::StrCat("user-", slot), std::move(done));
      }
      return;
    }
  }
}

void AssociationWorkload::Establish(int slot, const std::string& tenant, const std::string& host,
                                    const std::string& guest, OpDone done) {
  auto* c = new Call<v1::EstablishRequest, v1::EstablishResponse>();
  c->req.set_tenant(tenant);
  c->req.set_host(host);
  c->req.set_guest(guest);
  c->req.set_source(v1::SOURCE_API);
  stubs_[slot % stubs_.size()]->async()->Establish(&c->ctx, &c->req, &c->resp,
                                                   [c, done](grpc::Status s) {
                                                     done(0, s.error_code());
                                                     delete c;
                                                   });
}

void AssociationWorkload::Cancel(int slot, const std::string& tenant, const std::string& host,
                                 OpDone done) {
  auto* c = new Call<v1::CancelRequest, v1::CancelResponse>();
  c->req.set_tenant(tenant);
  c->req.set_host(host);
  c->req.set_reason(v1::CANCEL_REASON_LOGOUT);
  c->req.set_source(v1::SOURCE_API);
  stubs_[slot % stubs_.size()]->async()->Cancel(&c->ctx, &c->req, &c->resp,
                                                [c, done](grpc::Status s) {
                                                  done(1, s.error_code());
                                                  delete c;
                                                });
}

}  // namespace hotdesk::bench
