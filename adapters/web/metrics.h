// Prometheus metrics of hotdesk-web. Labels are route templates and code classes only (never
// tenants, hosts, guests or tokens); every combination exists from the start.
#pragma once

#include <map>
#include <memory>
#include <string>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace hotdesk::web {

class Metrics {
 public:
  Metrics();
  std::shared_ptr<prometheus::Registry> registry() { return registry_; }
  // route: a route template, "console" or "unmatched"; http_code: the answer's status.
  void Request(const std::string& route, int http_code, double seconds);
  prometheus::Gauge& event_streams() { return *event_streams_; }
  prometheus::Counter& events_sent() { return *events_sent_; }
  // Commit time of an event (Redis time) to its write into the browser's connection.
  prometheus::Histogram& event_lag() { return *event_lag_; }

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  std::map<std::pair<std::string, std::string>, prometheus::Counter*> requests_;
  prometheus::Histogram* request_seconds_;
  prometheus::Gauge* event_streams_;
  prometheus::Counter* events_sent_;
  prometheus::Histogram* event_lag_;
};

}  // namespace hotdesk::web
