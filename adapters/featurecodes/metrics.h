// Prometheus metrics of hotdesk-featurecodes (no device or guest ids as labels).
#pragma once

#include <map>
#include <memory>
#include <string>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

namespace hotdesk::featurecodes {

class Metrics {
 public:
  Metrics();
  std::shared_ptr<prometheus::Registry> registry() { return registry_; }
  // action: PROMPT_PIN, LOGGED_OUT, ALLOW_EMERGENCY, ROUTE_NORMAL, REJECT.
  void Dial(const std::string& action);
  // result: LOGGED_IN, WRONG_PIN, LOCKED, REJECTED.
  void Pin(const std::string& result);
  prometheus::Counter& reprovisions() { return *reprovisions_; }
  prometheus::Counter& notify_failures() { return *notify_failures_; }
  prometheus::Counter& events() { return *events_; }
  prometheus::Gauge& sessions() { return *sessions_; }

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  std::map<std::string, prometheus::Counter*> dials_;
  std::map<std::string, prometheus::Counter*> pins_;
  prometheus::Counter* reprovisions_;
  prometheus::Counter* notify_failures_;
  prometheus::Counter* events_;
  prometheus::Gauge* sessions_;
};

}  // namespace hotdesk::featurecodes
