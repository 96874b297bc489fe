// Prometheus metrics of hotdesk-csta (names hotdesk_csta_*; no device or agent ids as labels).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace hotdesk::csta {

class Metrics {
 public:
  Metrics();
  std::shared_ptr<prometheus::Registry> registry() { return registry_; }

  prometheus::Gauge& clients() { return *clients_; }
  void Connection(const std::string& result);  // accepted | rejected_limit | tls_failed
  void Closed(const std::string& reason);  // eof | idle | broken_frame | slow | error | shutdown
  // request: a known service name or "unknown"; result: ok | error
  void Request(const std::string& request, const std::string& result);
  // kind: malformed_xml | unknown_request | foreign_namespace | oversize | broken_header | service
  void ProtocolError(const std::string& kind);
  void EventSent(const std::string& event);
  void Frames(bool inbound);
  void Backend(const std::string& method, const std::string& code, double seconds);
  prometheus::Gauge& watch_connected() { return *watch_connected_; }
  prometheus::Counter& watch_reconnects() { return *watch_reconnects_; }
  prometheus::Counter& watch_resyncs() { return *watch_resyncs_; }
  prometheus::Counter& watch_events() { return *watch_events_; }
  prometheus::Gauge& monitors() { return *monitors_; }

 private:
  prometheus::Counter& Child(prometheus::Family<prometheus::Counter>* f,
                             const std::map<std::string, std::string>& labels);

  std::shared_ptr<prometheus::Registry> registry_;
  std::mutex mu_;
  prometheus::Gauge* clients_;
  prometheus::Gauge* monitors_;
  prometheus::Family<prometheus::Counter>* connections_;
  prometheus::Family<prometheus::Counter>* closed_;
  prometheus::Family<prometheus::Counter>* requests_;
  prometheus::Family<prometheus::Counter>* protocol_errors_;
  prometheus::Family<prometheus::Counter>* events_;
  prometheus::Family<prometheus::Counter>* frames_;
  prometheus::Family<prometheus::Counter>* backend_calls_;
  prometheus::Family<prometheus::Histogram>* backend_seconds_;
  prometheus::Gauge* watch_connected_;
  prometheus::Counter* watch_reconnects_;
  prometheus::Counter* watch_resyncs_;
  prometheus::Counter* watch_events_;
};

}  // namespace hotdesk::csta
