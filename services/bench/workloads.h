// The traffic hotdesk-bench sends through the server: the empty Ping (the ceiling) and the
// Establish/Cancel workloads (login storm, roaming, steady state).
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "hotdesk/v1/associations.grpc.pb.h"
#include "hotdesk/v1/bench.grpc.pb.h"
#include "services/bench/unary_load.h"

namespace hotdesk::bench {

using ChannelList = std::vector<std::shared_ptr<grpc::Channel>>;

// hotdesk.v1.Bench/Ping with a payload as large as a typical EstablishRequest.
class PingWorkload : public Workload {
 public:
  PingWorkload(const ChannelList& channels, size_t payload_size);
  std::vector<std::string> KindNames() const override { return {"ping"}; }
  void Start(int slot, OpDone done) override;

 private:
  std::vector<std::unique_ptr<v1::Bench::Stub>> stubs_;
  std::string payload_;
};

enum class EstablishPattern {
  kStorm,    // host i / guest i, each pair once: the morning login storm over many desks
  kRoaming,  // random host and guest from a small space: supersedes on both sides
  kSteady,   // each slot alternates Establish and Cancel of its own pair
};

// Spread over `tenants` (on a cluster: over their slots' primaries): the storm and roaming
// calls go to a tenant in turn / at random, and each steady slot keeps to one tenant.
class AssociationWorkload : public Workload {
 public:
  AssociationWorkload(const ChannelList& channels, std::vector<std::string> tenants,
                      EstablishPattern pattern, int hosts, int guests);
  std::vector<std::string> KindNames() const override;
  void Start(int slot, OpDone done) override;

  // A representative request (for sizing the Ping payload).
  static v1::EstablishRequest SampleRequest(const std::string& tenant);

 private:
  void Establish(int slot, const std::string& tenant, const std::string& host,
                 const std::string& guest, OpDone done);
  void Cancel(int slot, const std::string& tenant, const std::string& host, OpDone done);

  std::vector<std::unique_ptr<v1::Associations::Stub>> stubs_;
  std::vector<std::string> tenants_;
  EstablishPattern pattern_;
  int hosts_, guests_;
  std::atomic<int64_t> next_{0};
  std::vector<char> established_;  // kSteady: per slot (one call per slot at a time)
};

constexpr absl::Duration kCallTimeout = absl::Seconds(10);

}  // namespace hotdesk::bench
