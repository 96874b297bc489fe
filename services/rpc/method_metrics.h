// Per-method RPC metrics (grpc_server_started_total, grpc_server_handled_total,
// grpc_server_handling_seconds), shared by every gRPC service of hotdesk-server. Every child
// (label combination) is created once, at start-up; the hot path only increments.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/support/status.h>
#include <prometheus/counter.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace hotdesk {

// The children of one method.
class MethodMetrics {
 public:
  void Started() { started_->Increment(); }
  void Record(grpc::StatusCode code, double seconds);

 private:
  friend class RpcMetrics;
  std::array<prometheus::Counter*, 17> handled_{};
  prometheus::Histogram* seconds_ = nullptr;
  prometheus::Counter* started_ = nullptr;
};

// The method families of one registry.
class RpcMetrics {
 public:
  explicit RpcMetrics(std::shared_ptr<prometheus::Registry> registry);

  // The registry, for a service's own metrics beside the per-method ones.
  prometheus::Registry& registry() { return *registry_; }

  // service like "hotdesk.v1.Associations", type "unary" or "server_stream".
  MethodMetrics* Method(const std::string& service, const std::string& method,
                        const std::string& type);

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>* handled_family_;
  prometheus::Family<prometheus::Counter>* started_family_;
  prometheus::Family<prometheus::Histogram>* seconds_family_;
  std::vector<std::unique_ptr<MethodMetrics>> methods_;
};

}  // namespace hotdesk
