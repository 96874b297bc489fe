#include "tests/e2e/grpc_helpers.h"

#include "absl/time/clock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "services/core/commands.h"

namespace hotdesk::testing {

Watcher::Watcher(std::shared_ptr<grpc::Channel> channel, v1::WatchEventsRequest req,
                 absl::Duration pause) {
  thread_ = std::thread([this, channel, req, pause] {
    auto stub = v1::Associations::NewStub(channel);
    auto reader = stub->WatchEvents(&ctx_, req);
    v1::AssociationEvent ev;
    while (reader->Read(&ev)) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        events_.push_back(ev);
        cv_.notify_all();
      }
      if (pause > absl::ZeroDuration()) absl::SleepFor(pause);
    }
    grpc::Status st = reader->Finish();
    std::lock_guard<std::mutex> lock(mu_);
    status_ = st;
    done_ = true;
    cv_.notify_all();
  });
}

Watcher::~Watcher() {
  ctx_.TryCancel();
  thread_.join();
}

bool Watcher::WaitFor(size_t n, absl::Duration timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, absl::ToChronoNanoseconds(timeout), [&] {
    return events_.size() >= n || done_;
  }) && events_.size() >= n;
}

grpc::Status Watcher::WaitDone(absl::Duration timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  if (!cv_.wait_for(lock, absl::ToChronoNanoseconds(timeout), [&] { return done_; }))
    return grpc::Status(grpc::StatusCode::UNKNOWN, "watch did not end");
  return status_;
}

std::vector<v1::AssociationEvent> Watcher::events() {
  std::lock_guard<std::mutex> lock(mu_);
  return events_;
}

v1::EstablishRequest Login(const std::string& tenant, const std::string& host,
                           const std::string& guest) {
  v1::EstablishRequest r;
  r.set_tenant(tenant);
  r.set_host(host);
  r.set_guest(guest);
  return r;
}

grpc::Status Establish(v1::Associations::Stub* stub, const v1::EstablishRequest& req,
                       v1::EstablishResponse* resp, absl::Duration timeout) {
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  v1::EstablishResponse local;
  return stub->Establish(&ctx, req, resp ? resp : &local);
}

grpc::Status CancelHost(v1::Associations::Stub* stub, const std::string& tenant,
                        const std::string& host, v1::CancelResponse* resp) {
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  v1::CancelRequest req;
  req.set_tenant(tenant);
  req.set_host(host);
  v1::CancelResponse local;
  return stub->Cancel(&ctx, req, resp ? resp : &local);
}

int HealthStatus(const std::shared_ptr<grpc::Channel>& channel, const std::string& service) {
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(2)));
  grpc::health::v1::HealthCheckRequest req;
  req.set_service(service);
  grpc::health::v1::HealthCheckResponse resp;
  auto st = grpc::health::v1::Health::NewStub(channel)->Check(&ctx, req, &resp);
  return st.ok() ? resp.status() : -1;
}

std::string Summary(const v1::AssociationEvent& e) {
  std::string s = std::string(e.type() == v1::EVENT_TYPE_ESTABLISHED ? "E " : "C ") +
                  e.association().host() + " " + e.association().guest();
  if (e.type() == v1::EVENT_TYPE_CANCELLED) s += " " + ReasonName(e.reason());
  return s;
}

}  // namespace hotdesk::testing
