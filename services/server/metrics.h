// Prometheus metrics of hotdesk-server (the per-method ones are services/rpc's). Every child
// (label combination) is created once, at start-up; the hot path only increments.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "services/rpc/method_metrics.h"

namespace hotdesk {

class ServerMetrics {
 public:
  ServerMetrics();
  std::shared_ptr<prometheus::Registry> registry() { return registry_; }

  RpcMetrics& rpc() { return rpc_; }

  prometheus::Gauge& associations_active() { return *associations_active_; }
  prometheus::Counter& events_published(bool established) {
    return established ? *published_established_ : *published_cancelled_;
  }
  prometheus::Counter& expired() { return *expired_; }
  prometheus::Gauge& watchers() { return *watchers_; }
  prometheus::Counter& events_delivered() { return *delivered_; }
  prometheus::Counter& catchup_reads() { return *catchup_reads_; }
  prometheus::Histogram& redis_roundtrip() { return *redis_rtt_; }
  prometheus::Counter& redis_errors() { return *redis_errors_; }
  prometheus::Gauge& redis_up() { return *redis_up_; }

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  RpcMetrics rpc_;
  prometheus::Gauge* associations_active_;
  prometheus::Counter* published_established_;
  prometheus::Counter* published_cancelled_;
  prometheus::Counter* expired_;
  prometheus::Gauge* watchers_;
  prometheus::Counter* delivered_;
  prometheus::Counter* catchup_reads_;
  prometheus::Histogram* redis_rtt_;
  prometheus::Counter* redis_errors_;
  prometheus::Gauge* redis_up_;
};

}  // namespace hotdesk
