#include "tests/faults/watchers.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "hotdesk/v1/associations.grpc.pb.h"
#include "services/common/status.h"

namespace hotdesk::faults {

ResumingWatcher::ResumingWatcher(std::string name, std::string tenant, int first_replica,
                                 Deployment* deployment)
    : name_(std::move(name)),
      tenant_(std::move(tenant)),
      replica_(first_replica),
      deployment_(deployment) {
  log_.name = name_;
  log_.tenant = tenant_;
}

ResumingWatcher::~ResumingWatcher() { Stop(); }

void ResumingWatcher::Start(StreamId after) {
  log_.start = after;
  thread_ = std::thread([this] { Run(); });
}

void ResumingWatcher::Stop() {
  stop_ = true;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (call_) call_->TryCancel();
  }
  if (thread_.joinable()) thread_.join();
}

StreamId ResumingWatcher::last() const {
  std::lock_guard<std::mutex> lock(mu_);
  return log_.events.empty() ? log_.start : log_.events.back().id;
}

std::map<std::string, int64_t> ResumingWatcher::Endings() const {
  std::lock_guard<std::mutex> lock(mu_);
  return endings_;
}

WatcherLog ResumingWatcher::log() const {
  std::lock_guard<std::mutex> lock(mu_);
  return log_;
}

std::vector<WatcherLog> ResumingWatcher::logs() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<WatcherLog> all = ended_;
  all.push_back(log_);
  return all;
}

void ResumingWatcher::Run() {
  while (!stop_) {
    auto ctx = CallContext(deployment_->config().token, absl::InfiniteDuration());
    v1::WatchEventsRequest req;
    req.set_tenant(tenant_);
    bool resync;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stop_) break;
      call_ = ctx.get();
      resync = resync_;
    }
    if (resync)
      req.set_include_snapshot(true);
    else
      req.set_after_cursor(last().ToString());
    auto stub = v1::Associations::NewStub(deployment_->Channel(replica_));
    auto reader = stub->WatchEvents(ctx.get(), req);
    v1::AssociationEvent ev;
    while (reader->Read(&ev)) {
      if (resync) {
        // The snapshot is state, not events: the new segment starts at its cursor.
        if (ev.type() != v1::EVENT_TYPE_SNAPSHOT_COMPLETE) continue;
        std::lock_guard<std::mutex> lock(mu_);
        log_.start = StreamId::Parse(ev.cursor()).value_or(StreamId{});
        resync_ = resync = false;
        continue;
      }
      SeenEvent seen;
      auto id = StreamId::Parse(ev.cursor());
      if (id) seen.id = *id;
      seen.type = ev.type() == v1::EVENT_TYPE_ESTABLISHED ? 'E'
                  : ev.type() == v1::EVENT_TYPE_CANCELLED ? 'C'
                                                          : '?';
      seen.host = ev.association().host();
      seen.guest = ev.association().guest();
      seen.request_id = ev.request_id();
      std::lock_guard<std::mutex> lock(mu_);
      log_.events.push_back(std::move(seen));
    }
    grpc::Status st = reader->Finish();
    {
      std::lock_guard<std::mutex> lock(mu_);
      call_ = nullptr;
      bool lost = ErrorReason(FromGrpcStatus(st)) == "HISTORY_LOST";
      ++endings_[lost ? std::string("HISTORY_LOST")
                      : absl::StatusCodeToString(static_cast<absl::StatusCode>(st.error_code()))];
      if (lost && !resync) {
        log_.history_lost = true;
        ended_.push_back(log_);
        WatcherLog next;
        next.name = absl::StrCat(name_, "#", ended_.size() + 1);
        next.tenant = tenant_;
        log_ = std::move(next);
        resync_ = true;
      }
      if (stop_) break;
      ++log_.resumes;
    }
    // Resume on the next replica; a short pause keeps a replica that is down from being
    // hammered.
    replica_ = (replica_ + 1) % deployment_->replicas();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

}  // namespace hotdesk::faults
