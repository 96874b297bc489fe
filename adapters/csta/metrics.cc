#include "adapters/csta/metrics.h"

namespace hotdesk::csta {

using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::BuildHistogram;

Metrics::Metrics() : registry_(std::make_shared<prometheus::Registry>()) {
  auto& r = *registry_;
  clients_ = &BuildGauge()
                  .Name("hotdesk_csta_clients")
                  .Help("Connected CSTA clients.")
                  .Register(r)
                  .Add({});
  monitors_ = &BuildGauge()
                   .Name("hotdesk_csta_monitors")
                   .Help("Active device monitors.")
                   .Register(r)
                   .Add({});
  connections_ = &BuildCounter()
                      .Name("hotdesk_csta_connections_total")
                      .Help("Accepted TCP connections, by result.")
                      .Register(r);
  closed_ = &BuildCounter()
                 .Name("hotdesk_csta_connections_closed_total")
                 .Help("Closed client connections, by reason.")
                 .Register(r);
  requests_ = &BuildCounter()
                   .Name("hotdesk_csta_requests_total")
                   .Help("CSTA requests handled, by service and result.")
                   .Register(r);
  protocol_errors_ =
      &BuildCounter()
           .Name("hotdesk_csta_protocol_errors_total")
           .Help("Rejected input (answered with CSTAErrorCode or connection closed).")
           .Register(r);
  events_ = &BuildCounter()
                 .Name("hotdesk_csta_events_sent_total")
                 .Help("CSTA events sent to monitoring clients, by event.")
                 .Register(r);
  frames_ =
      &BuildCounter().Name("hotdesk_csta_frames_total").Help("Frames, by direction.").Register(r);
  backend_calls_ = &BuildCounter()
                        .Name("hotdesk_csta_backend_calls_total")
                        .Help("gRPC calls to hotdesk-server, by method and code.")
                        .Register(r);
  backend_seconds_ = &BuildHistogram()
                          .Name("hotdesk_csta_backend_call_seconds")
                          .Help("gRPC call latency to hotdesk-server.")
                          .Register(r);
  watch_connected_ = &BuildGauge()
                          .Name("hotdesk_csta_watch_connected")
                          .Help("1 while the WatchEvents stream is open.")
                          .Register(r)
                          .Add({});
  watch_reconnects_ = &BuildCounter()
                           .Name("hotdesk_csta_watch_reconnects_total")
                           .Help("WatchEvents stream restarts.")
                           .Register(r)
                           .Add({});
  watch_resyncs_ = &BuildCounter()
                        .Name("hotdesk_csta_watch_resyncs_total")
                        .Help("Resyncs after the cursor fell out of the stream's retention.")
                        .Register(r)
                        .Add({});
  watch_events_ = &BuildCounter()
                       .Name("hotdesk_csta_watch_events_total")
                       .Help("Association events received from WatchEvents.")
                       .Register(r)
                       .Add({});
}

prometheus::Counter& Metrics::Child(prometheus::Family<prometheus::Counter>* f,
                                    const std::map<std::string, std::string>& labels) {
  std::lock_guard<std::mutex> lock(mu_);
  return f->Add(labels);
}

void Metrics::Connection(const std::string& result) {
  Child(connections_, {{"result", result}}).Increment();
}
void Metrics::Closed(const std::string& reason) {
  Child(closed_, {{"reason", reason}}).Increment();
}
void Metrics::Request(const std::string& request, const std::string& result) {
  Child(requests_, {{"request", request}, {"result", result}}).Increment();
}
void Metrics::ProtocolError(const std::string& kind) {
  Child(protocol_errors_, {{"kind", kind}}).Increment();
}
void Metrics::EventSent(const std::string& event) {
  Child(events_, {{"event", event}}).Increment();
}
void Metrics::Frames(bool inbound) {
  Child(frames_, {{"direction", inbound ? "in" : "out"}}).Increment();
}
void Metrics::Backend(const std::string& method, const std::string& code, double seconds) {
  Child(backend_calls_, {{"method", method}, {"code", code}}).Increment();
  prometheus::Histogram* h;
  {
    std::lock_guard<std::mutex> lock(mu_);
    h = &backend_seconds_->Add({{"method", method}}, prometheus::Histogram::BucketBoundaries{
                                                         0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                         0.05, 0.1, 0.25, 0.5, 1, 2.5, 5});
  }
  h->Observe(seconds);
}

}  // namespace hotdesk::csta
