#include "adapters/featurecodes/event_follower.h"

#include "services/common/log.h"

namespace hotdesk::featurecodes {

EventFollower::EventFollower(CoreClient* core, Reprovisioner* reprovisioner, Metrics* metrics,
                             std::string tenant)
    : core_(core), reprovisioner_(reprovisioner), metrics_(metrics), tenant_(std::move(tenant)) {}

EventFollower::~EventFollower() { Stop(); }

void EventFollower::Start() {
  thread_ = std::thread([this] { Run(); });
}

void EventFollower::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
    if (active_) active_->TryCancel();
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool EventFollower::WaitReady(absl::Duration timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, absl::ToChronoNanoseconds(timeout), [this] { return ready_; });
}

void EventFollower::Run() {
  std::string cursor;
  bool snapshot_done = false;
  while (true) {
    grpc::ClientContext ctx;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stop_) return;
      active_ = &ctx;
    }
    v1::WatchEventsRequest req;
    req.set_tenant(tenant_);
    if (cursor.empty())
      req.set_include_snapshot(true);
    else
      req.set_after_cursor(cursor);
    bool in_snapshot = cursor.empty();
    auto reader = core_->associations().WatchEvents(&ctx, req);
    v1::AssociationEvent ev;
    while (reader->Read(&ev)) {
      if (!ev.cursor().empty()) cursor = ev.cursor();
      if (ev.type() == v1::EVENT_TYPE_SNAPSHOT_COMPLETE) {
        in_snapshot = false;
        if (!snapshot_done) {
          snapshot_done = true;
          HD_LOG(kInfo, "following association events").kv("tenant", tenant_).kv("cursor", cursor);
          std::lock_guard<std::mutex> lock(mu_);
          ready_ = true;
          cv_.notify_all();
        }
        continue;
      }
      if (ev.type() != v1::EVENT_TYPE_ESTABLISHED && ev.type() != v1::EVENT_TYPE_CANCELLED)
        continue;
      metrics_->events().Increment();
      reprovisioner_->OnChange(tenant_, ev.association().host(),
                               (in_snapshot || ev.snapshot()) && !snapshot_done);
    }
    grpc::Status st = reader->Finish();
    {
      std::lock_guard<std::mutex> lock(mu_);
      active_ = nullptr;
      if (stop_) return;
    }
    if (st.error_code() == grpc::StatusCode::OUT_OF_RANGE) cursor.clear();  // resync
    HD_LOG(kWarn, "event stream ended; reconnecting")
        .kv("tenant", tenant_)
        .kv("code", static_cast<int>(st.error_code()))
        .kv("error", st.error_message());
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(1), [this] { return stop_; });
  }
}

}  // namespace hotdesk::featurecodes
