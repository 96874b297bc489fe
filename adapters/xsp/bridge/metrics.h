// Prometheus metrics of hotdesk-xsp. Labels are bounded sets (step names, outcomes, event types);
// never user ids.
#pragma once

#include <memory>
#include <string>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

namespace hotdesk::xsp {

class BridgeMetrics {
 public:
  BridgeMetrics();
  std::shared_ptr<prometheus::Registry> registry() { return registry_; }

  // outcome: ok | skipped | failed | retry
  void Step(const std::string& step, const std::string& outcome);
  // kind: establish | cancel | sync; outcome: done | parked | dropped | unmapped
  void Sequence(const std::string& kind, const std::string& outcome);
  // Sequences not ended, and how many of them are parked.
  void SetQueue(size_t pending, size_t parked) {
    pending_->Set(static_cast<double>(pending));
    parked_->Set(static_cast<double>(parked));
  }
  // The event stream was resynced (after OUT_OF_RANGE).
  void Resync() { resyncs_->Increment(); }
  // type: HotelingGuestEvent, CallForwardingAlwaysEvent, AgentStateEvent, ChannelTerminatedEvent,
  // heartbeat, malformed, ...
  void EventReceived(const std::string& type);
  // kind: establish | cancel; outcome: applied | echo | unchanged | stale | initial | unmapped |
  // retry | error
  void Inbound(const std::string& kind, const std::string& outcome);
  void ChannelUp(bool up) { channel_up_->Set(up ? 1 : 0); }
  void ChannelOpened() { channel_opens_->Increment(); }
  void WatchUp(bool up) { watch_up_->Set(up ? 1 : 0); }

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>* steps_;
  prometheus::Family<prometheus::Counter>* sequences_;
  prometheus::Family<prometheus::Counter>* events_;
  prometheus::Family<prometheus::Counter>* inbound_;
  prometheus::Gauge* channel_up_;
  prometheus::Counter* channel_opens_;
  prometheus::Gauge* watch_up_;
  prometheus::Gauge* pending_;
  prometheus::Gauge* parked_;
  prometheus::Counter* resyncs_;
};

}  // namespace hotdesk::xsp
