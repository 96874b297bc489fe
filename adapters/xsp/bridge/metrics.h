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
  // kind: establish | cancel; outcome: done | failed | skipped_done
  void Sequence(const std::string& kind, const std::string& outcome);
  // type: HotelingGuestEvent, CallForwardingAlwaysEvent, AgentStateEvent, ChannelTerminatedEvent,
  // heartbeat, malformed, ...
  void EventReceived(const std::string& type);
  // kind: establish | cancel; outcome: applied | echo | unchanged | initial | unmapped | error
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
};

}  // namespace hotdesk::xsp
