#include "adapters/web/metrics.h"

#include "adapters/web/routes.h"
#include "absl/strings/str_cat.h"

namespace hotdesk::web {

namespace {
constexpr const char* kClasses[] = {"2xx", "3xx", "4xx", "5xx"};
}

Metrics::Metrics() : registry_(std::make_shared<prometheus::Registry>()) {
  auto& requests = prometheus::BuildCounter()
                       .Name("hotdesk_web_requests_total")
                       .Help("HTTP requests by route template and status class")
                       .Register(*registry_);
  std::vector<std::string> routes = {"console", "unmatched"};
  for (const auto& r : Routes()) routes.push_back(absl::StrCat(r.method, " ", r.path));
  for (const auto& route : routes)
    for (const char* c : kClasses) requests_[{route, c}] = &requests.Add({{"route", route}, {"code", c}});
  request_seconds_ = &prometheus::BuildHistogram()
                          .Name("hotdesk_web_request_seconds")
                          .Help("Time to answer an HTTP request (event streams excluded)")
                          .Register(*registry_)
                          .Add({}, prometheus::Histogram::BucketBoundaries{
                                       0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
                                       2.5, 5, 10});
  event_streams_ = &prometheus::BuildGauge()
                        .Name("hotdesk_web_event_streams")
                        .Help("Open Server-Sent Event streams (each one WatchEvents call)")
                        .Register(*registry_)
                        .Add({});
  events_sent_ = &prometheus::BuildCounter()
                      .Name("hotdesk_web_events_sent_total")
                      .Help("Association events written to browsers' event streams")
                      .Register(*registry_)
                      .Add({});
  event_lag_ = &prometheus::BuildHistogram()
                    .Name("hotdesk_web_event_lag_seconds")
                    .Help("From an event's commit (Redis time) to its write to the browser")
                    .Register(*registry_)
                    .Add({}, prometheus::Histogram::BucketBoundaries{
                                 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30});
}

void Metrics::Request(const std::string& route, int http_code, double seconds) {
  int cls = http_code / 100;
  if (cls < 2 || cls > 5) cls = 5;
  if (auto it = requests_.find({route, kClasses[cls - 2]}); it != requests_.end())
    it->second->Increment();
  request_seconds_->Observe(seconds);
}

}  // namespace hotdesk::web
