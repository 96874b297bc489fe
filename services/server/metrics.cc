#include "services/server/metrics.h"

namespace hotdesk {

ServerMetrics::ServerMetrics()
    : registry_(std::make_shared<prometheus::Registry>()), rpc_(registry_) {
  using namespace prometheus;
  associations_active_ = &BuildGauge()
                              .Name("hotdesk_associations_active")
                              .Help("Associations in force across all tenants (sampled).")
                              .Register(*registry_)
                              .Add({});
  auto& published = BuildCounter()
                        .Name("hotdesk_events_published_total")
                        .Help("Events this replica wrote to the stream, by type.")
                        .Register(*registry_);
  published_established_ = &published.Add({{"type", "established"}});
  published_cancelled_ = &published.Add({{"type", "cancelled"}});
  expired_ = &BuildCounter()
                  .Name("hotdesk_associations_expired_total")
                  .Help("Associations this replica's sweeper cancelled at their limit.")
                  .Register(*registry_)
                  .Add({});
  watchers_ = &BuildGauge()
                   .Name("hotdesk_watchers")
                   .Help("Open WatchEvents streams on this replica.")
                   .Register(*registry_)
                   .Add({});
  delivered_ = &BuildCounter()
                    .Name("hotdesk_events_delivered_total")
                    .Help("Events written to watchers.")
                    .Register(*registry_)
                    .Add({});
  catchup_reads_ = &BuildCounter()
                        .Name("hotdesk_watch_catchup_reads_total")
                        .Help("Store reads by watchers behind the in-memory ring.")
                        .Register(*registry_)
                        .Add({});
  redis_rtt_ = &BuildHistogram()
                    .Name("hotdesk_redis_roundtrip_seconds")
                    .Help("Redis request round-trip time.")
                    .Register(*registry_)
                    .Add({}, Histogram::BucketBoundaries{0.0001, 0.00025, 0.0005, 0.001, 0.0025,
                                                         0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1});
  redis_errors_ = &BuildCounter()
                       .Name("hotdesk_redis_errors_total")
                       .Help("Redis requests that failed (connection, timeout, error reply).")
                       .Register(*registry_)
                       .Add({});
  redis_up_ = &BuildGauge()
                   .Name("hotdesk_redis_up")
                   .Help("1 while at least one Redis connection is ready.")
                   .Register(*registry_)
                   .Add({});
}

}  // namespace hotdesk
