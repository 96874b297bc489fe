#include "services/server/watch_reactor.h"

#include "absl/time/clock.h"
#include "services/common/status.h"
#include "services/core/watch_command.h"

namespace hotdesk {
namespace {

class WatchReactor final : public grpc::ServerWriteReactor<v1::AssociationEvent>,
                           public WatchWriter {
 public:
  explicit WatchReactor(WatchDeps deps) : deps_(deps) {
    deps_.metrics->watchers().Increment();
    deps_.method->Started();
  }

  void Begin(const std::string& caller, const v1::WatchEventsRequest& req) {
    auto cmd = PrepareWatch(req);
    if (!cmd.ok()) return Close(cmd.status());
    auto slot = deps_.limits->Acquire(caller, cmd->tenant);
    if (!slot.ok()) return Close(slot.status());
    slot_ = std::move(*slot);
    session_ = std::make_shared<WatchSession>(std::move(*cmd), deps_.store, deps_.hub, this,
                                              WatchSession::Options{});
    deps_.registry->Add(session_);
    session_->Start();
  }

  // WatchWriter: never called with a session lock held.
  void Write(const v1::AssociationEvent* event) override { StartWrite(event); }
  void Close(const absl::Status& status) override {
    grpc::Status g = ToGrpcStatus(status);
    deps_.method->Record(g.error_code(), absl::ToDoubleSeconds(absl::Now() - start_));
    Finish(g);  // OnDone may already have run (and deleted this) when Finish returns
  }

  void OnWriteDone(bool ok) override {
    if (ok) deps_.metrics->events_delivered().Increment();
    session_->OnWriteDone(ok);
  }
  void OnCancel() override {
    if (session_) session_->OnCancel();
  }
  void OnDone() override {
    if (session_) {
      deps_.registry->Remove(session_.get());
      session_->OnDone();
    }
    deps_.metrics->watchers().Decrement();
    delete this;
  }

 private:
  WatchDeps deps_;
  absl::Time start_ = absl::Now();
  std::unique_ptr<WatchLimits::Slot> slot_;
  std::shared_ptr<WatchSession> session_;
};

}  // namespace

void WatchRegistry::Add(const std::shared_ptr<WatchSession>& s) {
  absl::Status closed;
  {
    std::lock_guard<std::mutex> lock(mu_);
    closed = closed_;
    if (closed.ok()) sessions_[s.get()] = s;
  }
  if (!closed.ok()) s->End(closed);
}

void WatchRegistry::Remove(const WatchSession* s) {
  std::lock_guard<std::mutex> lock(mu_);
  sessions_.erase(s);
}

void WatchRegistry::EndAll(const absl::Status& status) {
  std::vector<std::shared_ptr<WatchSession>> live;
  {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = status;
    for (auto& [k, w] : sessions_)
      if (auto s = w.lock()) live.push_back(std::move(s));
  }
  for (auto& s : live) s->End(status);
}

grpc::ServerWriteReactor<v1::AssociationEvent>* StartWatch(const std::string& caller,
                                                           const v1::WatchEventsRequest* req,
                                                           WatchDeps deps) {
  auto* reactor = new WatchReactor(deps);
  reactor->Begin(caller, *req);
  return reactor;
}

}  // namespace hotdesk
