#include "adapters/featurecodes/metrics.h"

namespace hotdesk::featurecodes {

Metrics::Metrics() : registry_(std::make_shared<prometheus::Registry>()) {
  auto& dials = prometheus::BuildCounter()
                    .Name("hotdesk_featurecodes_dials_total")
                    .Help("Dial requests by resulting action")
                    .Register(*registry_);
  for (const char* a : {"PROMPT_PIN", "LOGGED_OUT", "ALLOW_EMERGENCY", "ROUTE_NORMAL", "REJECT"})
    dials_[a] = &dials.Add({{"action", a}});
  auto& pins = prometheus::BuildCounter()
                   .Name("hotdesk_featurecodes_pin_submissions_total")
                   .Help("SubmitPin requests by result")
                   .Register(*registry_);
  for (const char* r : {"LOGGED_IN", "WRONG_PIN", "LOCKED", "REJECTED"})
    pins_[r] = &pins.Add({{"result", r}});
  reprovisions_ = &prometheus::BuildCounter()
                       .Name("hotdesk_featurecodes_reprovisions_total")
                       .Help("Re-provision notices sent after a device's profile changed")
                       .Register(*registry_)
                       .Add({});
  notify_failures_ = &prometheus::BuildCounter()
                          .Name("hotdesk_featurecodes_notify_failures_total")
                          .Help("Re-provision hook commands that failed")
                          .Register(*registry_)
                          .Add({});
  events_ = &prometheus::BuildCounter()
                 .Name("hotdesk_featurecodes_events_total")
                 .Help("Association events received from hotdesk-server")
                 .Register(*registry_)
                 .Add({});
  sessions_ = &prometheus::BuildGauge()
                   .Name("hotdesk_featurecodes_sessions")
                   .Help("Open dial sessions waiting for a PIN")
                   .Register(*registry_)
                   .Add({});
}

void Metrics::Dial(const std::string& action) {
  if (auto it = dials_.find(action); it != dials_.end()) it->second->Increment();
}

void Metrics::Pin(const std::string& result) {
  if (auto it = pins_.find(result); it != pins_.end()) it->second->Increment();
}

}  // namespace hotdesk::featurecodes
