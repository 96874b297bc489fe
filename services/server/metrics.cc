#include "services/server/metrics.h"

namespace hotdesk {
namespace {
const char* kCodeNames[17] = {
    "OK",       "Canceled",       "Unknown",          "InvalidArgument",   "DeadlineExceeded",
    "NotFound", "AlreadyExists",  "PermissionDenied", "ResourceExhausted", "FailedPrecondition",
    "Aborted",  "OutOfRange",     "Unimplemented",    "Internal",          "Unavailable",
    "DataLoss", "Unauthenticated"};
}  // namespace

void MethodMetrics::Record(grpc::StatusCode code, double seconds) {
  int c = static_cast<int>(code);
  if (c < 0 || c > 16) c = 2;
  handled_[c]->Increment();
  seconds_->Observe(seconds);
}

ServerMetrics::ServerMetrics() : registry_(std::make_shared<prometheus::Registry>()) {
  using namespace prometheus;
  handled_family_ = &BuildCounter()
                         .Name("grpc_server_handled_total")
                         .Help("RPCs completed on the server, by method and status code.")
                         .Register(*registry_);
  started_family_ = &BuildCounter()
                         .Name("grpc_server_started_total")
                         .Help("RPCs started on the server.")
                         .Register(*registry_);
  seconds_family_ = &BuildHistogram()
                         .Name("grpc_server_handling_seconds")
                         .Help("Time to handle an RPC (unary: to the response).")
                         .Register(*registry_);
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
  undecodable_ = &BuildCounter()
                      .Name("hotdesk_events_undecodable_total")
                      .Help("Stream entries that could not be decoded, skipped (each counted once).")
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

MethodMetrics* ServerMetrics::Method(const std::string& service, const std::string& method,
                                     const std::string& type) {
  auto m = std::make_unique<MethodMetrics>();
  for (int c = 0; c < 17; ++c) {
    m->handled_[c] = &handled_family_->Add({{"grpc_service", service},
                                            {"grpc_method", method},
                                            {"grpc_type", type},
                                            {"grpc_code", kCodeNames[c]}});
  }
  m->started_ = &started_family_->Add(
      {{"grpc_service", service}, {"grpc_method", method}, {"grpc_type", type}});
  m->seconds_ = &seconds_family_->Add(
      {{"grpc_service", service}, {"grpc_method", method}, {"grpc_type", type}},
      prometheus::Histogram::BucketBoundaries{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                              0.25, 0.5, 1, 2.5, 5, 10});
  methods_.push_back(std::move(m));
  return methods_.back().get();
}

}  // namespace hotdesk
