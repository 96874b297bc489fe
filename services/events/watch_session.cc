#include "services/events/watch_session.h"

#include "absl/time/clock.h"

namespace hotdesk {

struct WatchSession::Step {
  enum Kind { kIdle, kClose, kWrite, kReadStart, kReadSnapshot, kSubscribe, kPull };
  Kind kind = kIdle;
  WatchWriter* writer = nullptr;
  absl::Status status;                          // kClose
  const v1::AssociationEvent* event = nullptr;  // kWrite
  std::shared_ptr<EventHub::Subscription> sub;  // kClose: to leave; kPull: to pull
  StreamId at;                                  // kSubscribe
  uint64_t epoch = 0;                           // kPull
};

WatchSession::WatchSession(WatchCommand cmd, AssociationStore* store, EventHub* hub,
                           WatchWriter* writer, Options options)
    : cmd_(std::move(cmd)), store_(store), hub_(hub), options_(options), writer_(writer) {}

WatchSession::~WatchSession() = default;

void WatchSession::Start() { Drive(); }

WatchSession::State WatchSession::state() {
  std::lock_guard<std::mutex> lock(mu_);
  return state_;
}

void WatchSession::Drive() {
  auto self = shared_from_this();  // a Close may end the writer, and with it its reference
  std::unique_lock<std::mutex> lock(mu_);
  // Whoever drives decides and performs until there is nothing to do; anyone else only changes
  // the state under mu_, which the driver's next Decide sees.
  if (driving_) return;
  driving_ = true;
  while (true) {
    Step step = Decide();
    if (step.kind == Step::kIdle) break;
    lock.unlock();
    Perform(step);
    lock.lock();
  }
  driving_ = false;
}

WatchSession::Step WatchSession::Decide() {
  Step step;
  if (state_ == State::kEnding || state_ == State::kDone) return step;
  if (!end_.ok()) {
    state_ = State::kEnding;
    queue_.clear();
    step.kind = Step::kClose;
    step.writer = writer_;
    step.status = end_;
    step.sub = std::move(sub_);
    return step;
  }
  if (!writing_ && !queue_.empty()) {
    inflight_ = std::move(queue_.front());
    queue_.pop_front();
    writing_ = true;
    step.kind = Step::kWrite;
    step.writer = writer_;
    step.event = inflight_.get();
    return step;
  }
  // More is read only once the queue is empty: a watcher holds at most a page and the event
  // being written, however far behind it is.
  if (!queue_.empty() || store_busy_) return step;
  if (state_ == State::kStarting) {
    if (cmd_.after) {
      follow_from_ = *cmd_.after;
      state_ = State::kFollowing;
    } else if (cmd_.include_snapshot) {
      pager_.emplace(store_, cmd_.tenant, options_.page, options_.store_timeout);
      state_ = State::kSnapshot;
    } else {
      store_busy_ = true;
      step.kind = Step::kReadStart;
      return step;
    }
  }
  if (state_ == State::kSnapshot) {
    store_busy_ = true;
    step.kind = Step::kReadSnapshot;
    return step;
  }
  // kFollowing
  if (!sub_) {
    step.kind = Step::kSubscribe;
    step.at = *follow_from_;
    return step;
  }
  if (pull_waiting_) return step;
  step.kind = Step::kPull;
  step.sub = sub_;
  step.epoch = ready_epoch_;
  return step;
}

void WatchSession::Perform(Step& step) {
  auto self = shared_from_this();
  switch (step.kind) {
    case Step::kIdle:
      return;
    case Step::kClose:
      // Leave the hub first: once the client sees the end, nothing of it is left here.
      if (step.sub) hub_->Unsubscribe(*step.sub);
      step.sub.reset();
      if (step.writer != nullptr) step.writer->Close(step.status);
      return;
    case Step::kWrite:
      if (step.writer != nullptr) step.writer->Write(step.event);
      return;
    case Step::kReadStart:
      store_->LastEventId(cmd_.tenant, absl::Now() + options_.store_timeout,
                          [self](absl::StatusOr<StreamId> id) { self->OnStart(std::move(id)); });
      return;
    case Step::kReadSnapshot:
      // Only the driver touches the pager, and only while no read is out.
      pager_->Next([self](absl::StatusOr<SnapshotPager::Page> page) {
        self->OnSnapshotPage(std::move(page));
      });
      return;
    case Step::kSubscribe: {
      auto sub = hub_->Subscribe(cmd_.tenant, step.at, weak_from_this());
      std::lock_guard<std::mutex> lock(mu_);
      sub_ = std::move(sub);
      return;
    }
    case Step::kPull: {
      auto events = hub_->Pull(*step.sub);
      std::lock_guard<std::mutex> lock(mu_);
      if (!events.ok()) return EndLocked(events.status());
      if (events->empty()) {
        // Nothing yet: wait for OnReady, unless one came while we were pulling.
        if (ready_epoch_ == step.epoch) pull_waiting_ = true;
        return;
      }
      for (auto& ev : *events) Enqueue(std::move(ev));
      return;
    }
  }
}

void WatchSession::Enqueue(EventPtr ev) {
  if (state_ == State::kEnding || state_ == State::kDone) return;
  if (ev->type() != v1::EVENT_TYPE_SNAPSHOT_COMPLETE && !cmd_.Matches(*ev)) return;
  queue_.push_back(std::move(ev));
}

void WatchSession::EndLocked(const absl::Status& status) {
  if (!end_.ok() || state_ == State::kEnding || state_ == State::kDone) return;
  end_ = status.ok() ? absl::InternalError("watch ended without a reason") : status;
}

void WatchSession::OnStart(absl::StatusOr<StreamId> id) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    store_busy_ = false;
    if (!id.ok()) {
      EndLocked(id.status());
    } else if (state_ == State::kStarting) {
      follow_from_ = *id;
      state_ = State::kFollowing;
    }
  }
  Drive();
}

void WatchSession::OnSnapshotPage(absl::StatusOr<SnapshotPager::Page> page) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    store_busy_ = false;
    if (!page.ok()) {
      EndLocked(page.status());
    } else if (state_ == State::kSnapshot) {
      std::string cursor = pager_->position().ToString();
      for (auto& a : page->associations) {
        auto ev = std::make_shared<v1::AssociationEvent>();
        ev->set_cursor(cursor);
        ev->set_type(v1::EVENT_TYPE_ESTABLISHED);
        ev->set_source(a.source());
        *ev->mutable_time() = a.establish_time();
        ev->set_snapshot(true);
        *ev->mutable_association() = std::move(a);
        Enqueue(std::move(ev));
      }
      if (page->last) {
        auto done = std::make_shared<v1::AssociationEvent>();
        done->set_cursor(cursor);
        done->set_type(v1::EVENT_TYPE_SNAPSHOT_COMPLETE);
        Enqueue(std::move(done));
        follow_from_ = pager_->position();
        state_ = State::kFollowing;
      }
    }
  }
  Drive();
}

void WatchSession::OnWriteDone(bool ok) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    writing_ = false;
    inflight_.reset();
    if (!ok) EndLocked(absl::CancelledError("the client stopped receiving"));
  }
  Drive();
}

void WatchSession::OnCancel() { End(absl::CancelledError("watch cancelled")); }

void WatchSession::End(const absl::Status& status) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    EndLocked(status);
  }
  Drive();
}

void WatchSession::OnEnded(const absl::Status& why) { End(why); }

void WatchSession::OnReady() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++ready_epoch_;
    pull_waiting_ = false;
  }
  Drive();
}

void WatchSession::OnDone() {
  std::shared_ptr<EventHub::Subscription> sub;
  {
    std::lock_guard<std::mutex> lock(mu_);
    state_ = State::kDone;
    writer_ = nullptr;
    writing_ = false;
    inflight_.reset();
    queue_.clear();
    sub = std::move(sub_);
  }
  if (sub) hub_->Unsubscribe(*sub);
}

}  // namespace hotdesk
