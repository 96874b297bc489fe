#include "adapters/xsp/bridge/metrics.h"

namespace hotdesk::xsp {

BridgeMetrics::BridgeMetrics() : registry_(std::make_shared<prometheus::Registry>()) {
  steps_ = &prometheus::BuildCounter()
                .Name("hotdesk_xsp_steps_total")
                .Help("Xsi-Actions steps by step and outcome (retry = a failed attempt retried)")
                .Register(*registry_);
  sequences_ = &prometheus::BuildCounter()
                    .Name("hotdesk_xsp_sequences_total")
                    .Help("Outbound establish/cancel sequences by outcome")
                    .Register(*registry_);
  events_ = &prometheus::BuildCounter()
                 .Name("hotdesk_xsp_events_received_total")
                 .Help("Documents received on the Xsi-Events channel by type")
                 .Register(*registry_);
  inbound_ = &prometheus::BuildCounter()
                  .Name("hotdesk_xsp_inbound_changes_total")
                  .Help("HotelingGuestEvents by what the bridge did with them")
                  .Register(*registry_);
  channel_up_ = &prometheus::BuildGauge()
                     .Name("hotdesk_xsp_channel_up")
                     .Help("1 while the Xsi-Events channel is open")
                     .Register(*registry_)
                     .Add({});
  channel_opens_ = &prometheus::BuildCounter()
                        .Name("hotdesk_xsp_channel_opens_total")
                        .Help("Xsi-Events channels opened (first open and every reopen)")
                        .Register(*registry_)
                        .Add({});
  watch_up_ = &prometheus::BuildGauge()
                   .Name("hotdesk_xsp_watch_up")
                   .Help("1 while the WatchEvents stream of hotdesk-server is open")
                   .Register(*registry_)
                   .Add({});
  pending_ = &prometheus::BuildGauge()
                  .Name("hotdesk_xsp_sequences_pending")
                  .Help("Outbound sequences not ended (queued, running or parked)")
                  .Register(*registry_)
                  .Add({});
  parked_ = &prometheus::BuildGauge()
                 .Name("hotdesk_xsp_sequences_parked")
                 .Help("Outbound sequences that failed and wait to be retried or dropped")
                 .Register(*registry_)
                 .Add({});
  resyncs_ = &prometheus::BuildCounter()
                  .Name("hotdesk_xsp_watch_resyncs_total")
                  .Help("Resyncs of the event stream after its cursor was trimmed (OUT_OF_RANGE)")
                  .Register(*registry_)
                  .Add({});
}

void BridgeMetrics::Step(const std::string& step, const std::string& outcome) {
  steps_->Add({{"step", step}, {"outcome", outcome}}).Increment();
}
void BridgeMetrics::Sequence(const std::string& kind, const std::string& outcome) {
  sequences_->Add({{"kind", kind}, {"outcome", outcome}}).Increment();
}
void BridgeMetrics::EventReceived(const std::string& type) {
  events_->Add({{"type", type}}).Increment();
}
void BridgeMetrics::Inbound(const std::string& kind, const std::string& outcome) {
  inbound_->Add({{"kind", kind}, {"outcome", outcome}}).Increment();
}

}  // namespace hotdesk::xsp
