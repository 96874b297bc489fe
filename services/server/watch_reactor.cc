#include "services/server/watch_reactor.h"

#include <deque>
#include <mutex>

#include "absl/time/clock.h"
#include "services/common/log.h"
#include "services/common/status.h"
#include "services/core/ids.h"
#include "services/store/store_util.h"

namespace hotdesk {
namespace {

constexpr size_t kPage = 256;
constexpr absl::Duration kStoreTimeout = absl::Seconds(5);

class WatchReactor;

// Everything a watcher needs, shared with callbacks that may outlive the reactor.
class Session : public EventHub::Waiter,
                public WatchRegistry::Entry,
                public std::enable_shared_from_this<Session> {
 public:
  Session(WatchReactor* reactor, const v1::WatchEventsRequest& req, WatchDeps deps)
      : reactor_(reactor), req_(req), deps_(deps) {}

  void Begin();
  void Wake() override { Pump(); }
  void OnWriteDone(bool ok);
  void Cancelled();
  void Detach();
  void End(const absl::Status& status) override {
    std::lock_guard<std::mutex> lock(mu_);
    Finish(status);
  }

 private:
  void Pump();
  void Finish(const absl::Status& status);  // mu_ held
  void JoinAndPump(StreamId cursor);
  void OnFetched(absl::StatusOr<std::vector<EventPtr>> r);
  bool Matches(const v1::AssociationEvent& ev) const {
    if (!req_.host().empty() && ev.association().host() != req_.host()) return false;
    if (!req_.guest().empty() && ev.association().guest() != req_.guest()) return false;
    return true;
  }

  std::mutex mu_;
  WatchReactor* reactor_;  // null once the call is done
  v1::WatchEventsRequest req_;
  WatchDeps deps_;
  std::shared_ptr<EventHub::Channel> channel_;
  StreamId cursor_;
  std::deque<EventPtr> buffer_;
  std::deque<v1::AssociationEvent> snapshot_;
  v1::AssociationEvent snapshot_inflight_;
  EventPtr inflight_;
  bool writing_ = false;
  bool fetching_ = false;
  bool finished_ = false;
  absl::Time start_ = absl::Now();
};

class WatchReactor : public grpc::ServerWriteReactor<v1::AssociationEvent> {
 public:
  WatchReactor(const v1::WatchEventsRequest& req, WatchDeps deps)
      : session_(std::make_shared<Session>(this, req, deps)), deps_(deps) {
    deps_.metrics->watchers().Increment();
    deps_.method->Started();
  }
  void Begin() {
    deps_.registry->Add(session_);
    session_->Begin();
  }
  void OnWriteDone(bool ok) override { session_->OnWriteDone(ok); }
  void OnCancel() override { session_->Cancelled(); }
  void OnDone() override {
    deps_.registry->Remove(session_.get());
    session_->Detach();
    deps_.metrics->watchers().Decrement();
    delete this;
  }
  void Record(grpc::StatusCode code, absl::Duration d) {
    deps_.method->Record(code, absl::ToDoubleSeconds(d));
  }

 private:
  std::shared_ptr<Session> session_;
  WatchDeps deps_;
};

void Session::Finish(const absl::Status& status) {
  if (finished_ || reactor_ == nullptr) return;
  finished_ = true;
  grpc::Status g = ToGrpcStatus(status);
  reactor_->Record(g.error_code(), absl::Now() - start_);
  reactor_->Finish(g);
}

void Session::Begin() {
  FieldViolations v;
  if (auto p = TenantProblem(req_.tenant()); !p.empty()) v.Add("tenant", p);
  if (!req_.host().empty())
    if (auto p = IdProblem(req_.host()); !p.empty()) v.Add("host", p);
  if (!req_.guest().empty())
    if (auto p = IdProblem(req_.guest()); !p.empty()) v.Add("guest", p);
  std::optional<StreamId> after;
  if (!req_.after_cursor().empty()) {
    after = StreamId::Parse(req_.after_cursor());
    if (!after) v.Add("after_cursor", "not a cursor (expected <ms>-<seq>)");
    if (req_.include_snapshot()) v.Add("include_snapshot", "cannot be combined with after_cursor");
  }
  if (!v.empty()) {
    std::lock_guard<std::mutex> lock(mu_);
    return Finish(v.ToStatus());
  }
  auto self = shared_from_this();
  absl::Time deadline = absl::Now() + kStoreTimeout;
  if (after) return JoinAndPump(*after);
  if (req_.include_snapshot()) {
    deps_.store->TakeSnapshot(req_.tenant(), deadline, [self](absl::StatusOr<Snapshot> snap) {
      if (!snap.ok()) {
        std::lock_guard<std::mutex> lock(self->mu_);
        return self->Finish(snap.status());
      }
      {
        std::lock_guard<std::mutex> lock(self->mu_);
        std::string cursor = snap->cursor.ToString();
        for (auto& a : snap->associations) {
          v1::AssociationEvent ev;
          ev.set_cursor(cursor);
          ev.set_type(v1::EVENT_TYPE_ESTABLISHED);
          ev.set_source(a.source());
          *ev.mutable_time() = a.establish_time();
          ev.set_snapshot(true);
          *ev.mutable_association() = std::move(a);
          if (self->Matches(ev)) self->snapshot_.push_back(std::move(ev));
        }
        v1::AssociationEvent done;
        done.set_cursor(cursor);
        done.set_type(v1::EVENT_TYPE_SNAPSHOT_COMPLETE);
        self->snapshot_.push_back(std::move(done));
      }
      self->JoinAndPump(snap->cursor);
    });
    return;
  }
  deps_.store->LastEventId(req_.tenant(), deadline, [self](absl::StatusOr<StreamId> id) {
    if (!id.ok()) {
      std::lock_guard<std::mutex> lock(self->mu_);
      return self->Finish(id.status());
    }
    self->JoinAndPump(*id);
  });
}

void Session::JoinAndPump(StreamId cursor) {
  auto channel = deps_.hub->Join(req_.tenant());
  {
    std::lock_guard<std::mutex> lock(mu_);
    cursor_ = cursor;
    channel_ = channel;
    if (reactor_ == nullptr) {
      deps_.hub->Leave(channel_);
      channel_.reset();
      return;
    }
  }
  Pump();
}

void Session::Pump() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    if (finished_ || writing_ || fetching_ || reactor_ == nullptr || !channel_) return;
    if (!snapshot_.empty()) {
      snapshot_inflight_ = std::move(snapshot_.front());
      snapshot_.pop_front();
      writing_ = true;
      reactor_->StartWrite(&snapshot_inflight_);
      return;
    }
    if (!buffer_.empty()) {
      EventPtr ev = std::move(buffer_.front());
      buffer_.pop_front();
      cursor_ = *StreamId::Parse(ev->cursor());
      if (!Matches(*ev)) continue;
      inflight_ = std::move(ev);
      writing_ = true;
      reactor_->StartWrite(inflight_.get());
      return;
    }
    std::vector<EventPtr> out;
    switch (deps_.hub->Next(*channel_, cursor_, kPage, &out, shared_from_this())) {
      case EventHub::Fetch::kEvents:
        buffer_.assign(std::make_move_iterator(out.begin()), std::make_move_iterator(out.end()));
        continue;
      case EventHub::Fetch::kWait:
        return;
      case EventHub::Fetch::kBehind: {
        fetching_ = true;
        StreamId after = cursor_;
        lock.unlock();
        deps_.metrics->catchup_reads().Increment();
        auto self = shared_from_this();
        deps_.store->ReadEvents(
            req_.tenant(), after, kPage, absl::Now() + kStoreTimeout,
            [self](absl::StatusOr<std::vector<EventPtr>> r) { self->OnFetched(std::move(r)); });
        return;
      }
    }
  }
}

void Session::OnFetched(absl::StatusOr<std::vector<EventPtr>> r) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    fetching_ = false;
    if (!r.ok()) return Finish(r.status());
    if (r->empty()) {
      // The ring says there is more, the store has nothing: tell the client to resume.
      return Finish(absl::AbortedError("event stream changed underneath; resume from your cursor"));
    }
    buffer_.assign(r->begin(), r->end());
  }
  Pump();
}

void Session::OnWriteDone(bool ok) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    writing_ = false;
    inflight_.reset();
    if (!ok) {
      finished_ = true;  // the client went away; OnDone follows
      return;
    }
    deps_.metrics->events_delivered().Increment();
  }
  Pump();
}

void Session::Cancelled() {
  std::lock_guard<std::mutex> lock(mu_);
  Finish(absl::CancelledError("watch cancelled"));
}

void Session::Detach() {
  std::shared_ptr<EventHub::Channel> channel;
  {
    std::lock_guard<std::mutex> lock(mu_);
    reactor_ = nullptr;
    channel.swap(channel_);
  }
  if (channel) deps_.hub->Leave(channel);
}

}  // namespace

void WatchRegistry::Add(const std::shared_ptr<Entry>& e) {
  absl::Status closed;
  {
    std::lock_guard<std::mutex> lock(mu_);
    closed = closed_;
    if (closed.ok()) entries_[e.get()] = e;
  }
  if (!closed.ok()) e->End(closed);
}

void WatchRegistry::Remove(const Entry* e) {
  std::lock_guard<std::mutex> lock(mu_);
  entries_.erase(e);
}

void WatchRegistry::EndAll(const absl::Status& status) {
  std::vector<std::shared_ptr<Entry>> live;
  {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = status;
    for (auto& [k, w] : entries_)
      if (auto e = w.lock()) live.push_back(std::move(e));
  }
  for (auto& e : live) e->End(status);
}

grpc::ServerWriteReactor<v1::AssociationEvent>* StartWatch(grpc::CallbackServerContext* ctx,
                                                           const v1::WatchEventsRequest* req,
                                                           WatchDeps deps) {
  auto* reactor = new WatchReactor(*req, deps);
  reactor->Begin();
  return reactor;
}

}  // namespace hotdesk
