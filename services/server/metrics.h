// Prometheus metrics of hotdesk-server. Every child (label combination) is created once, at
// start-up; the hot path only increments.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/support/status.h>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace hotdesk {

// grpc_server_handled_total / grpc_server_handling_seconds children of one method.
class MethodMetrics {
 public:
  void Record(grpc::StatusCode code, double seconds);

 private:
  friend class ServerMetrics;
  std::array<prometheus::Counter*, 17> handled_{};
  prometheus::Histogram* seconds_ = nullptr;
  prometheus::Counter* started_ = nullptr;

 public:
  void Started() { started_->Increment(); }
};

class ServerMetrics {
 public:
  ServerMetrics();
  std::shared_ptr<prometheus::Registry> registry() { return registry_; }

  // service like "hotdesk.v1.Associations", type "unary" or "server_stream".
  MethodMetrics* Method(const std::string& service, const std::string& method,
                        const std::string& type);

  prometheus::Gauge& associations_active() { return *associations_active_; }
  prometheus::Counter& events_published(bool established) {
    return established ? *published_established_ : *published_cancelled_;
  }
  prometheus::Counter& expired() { return *expired_; }
  prometheus::Gauge& watchers() { return *watchers_; }
  prometheus::Counter& events_delivered() { return *delivered_; }
  prometheus::Counter& catchup_reads() { return *catchup_reads_; }
  prometheus::Counter& events_undecodable() { return *undecodable_; }
  prometheus::Histogram& redis_roundtrip() { return *redis_rtt_; }
  prometheus::Counter& redis_errors() { return *redis_errors_; }
  prometheus::Gauge& redis_up() { return *redis_up_; }

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>* handled_family_;
  prometheus::Family<prometheus::Counter>* started_family_;
  prometheus::Family<prometheus::Histogram>* seconds_family_;
  std::vector<std::unique_ptr<MethodMetrics>> methods_;
  prometheus::Gauge* associations_active_;
  prometheus::Counter* published_established_;
  prometheus::Counter* published_cancelled_;
  prometheus::Counter* expired_;
  prometheus::Gauge* watchers_;
  prometheus::Counter* delivered_;
  prometheus::Counter* catchup_reads_;
  prometheus::Counter* undecodable_;
  prometheus::Histogram* redis_rtt_;
  prometheus::Counter* redis_errors_;
  prometheus::Gauge* redis_up_;
};

}  // namespace hotdesk
