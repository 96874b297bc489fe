#include "services/rpc/method_metrics.h"

#include "services/common/status.h"

namespace hotdesk {

void MethodMetrics::Record(grpc::StatusCode code, double seconds) {
  int c = static_cast<int>(code);
  if (c < 0 || c > 16) c = 2;
  handled_[c]->Increment();
  seconds_->Observe(seconds);
}

RpcMetrics::RpcMetrics(std::shared_ptr<prometheus::Registry> registry)
    : registry_(std::move(registry)) {
  using namespace prometheus;
  handled_family_ = &BuildCounter()
                         .Name("grpc_server_handled_total")
                         .Help("RPCs completed on the server, by method and status code.")
                         .Register(*registry_);
  started_family_ = &BuildCounter()
                         .Name("grpc_server_started_total")
                         .Help("RPCs started on the server.")
                         .Register(*registry_);
  seconds_family_ = &BuildHistogram()
                         .Name("grpc_server_handling_seconds")
                         .Help("Time to handle an RPC (unary: to the response).")
                         .Register(*registry_);
}

MethodMetrics* RpcMetrics::Method(const std::string& service, const std::string& method,
                                  const std::string& type) {
  auto m = std::make_unique<MethodMetrics>();
  for (int c = 0; c < 17; ++c) {
    m->handled_[c] = &handled_family_->Add({{"grpc_service", service},
                                            {"grpc_method", method},
                                            {"grpc_type", type},
                                            {"grpc_code", GrpcCodeLabel(static_cast<grpc::StatusCode>(c))}});
  }
  m->started_ = &started_family_->Add(
      {{"grpc_service", service}, {"grpc_method", method}, {"grpc_type", type}});
  m->seconds_ = &seconds_family_->Add(
      {{"grpc_service", service}, {"grpc_method", method}, {"grpc_type", type}},
      prometheus::Histogram::BucketBoundaries{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                              0.25, 0.5, 1, 2.5, 5, 10});
  methods_.push_back(std::move(m));
  return methods_.back().get();
}

}  // namespace hotdesk
