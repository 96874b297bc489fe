#include "adapters/common/event_follower.h"

#include "absl/strings/str_cat.h"
#include "adapters/common/association_diff.h"
#include "services/common/log.h"

namespace hotdesk::adapters {
namespace {

// Statuses that retrying the same watch cannot change.
bool IsRefusal(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::NOT_FOUND:
    case grpc::StatusCode::PERMISSION_DENIED:
    case grpc::StatusCode::UNAUTHENTICATED:
    case grpc::StatusCode::UNIMPLEMENTED:
    case grpc::StatusCode::FAILED_PRECONDITION:
      return true;
    default:
      return false;
  }
}

}  // namespace

EventFollower::EventFollower(std::shared_ptr<grpc::Channel> channel, CursorStore* store,
                             FollowerOptions options, FollowerCallbacks callbacks)
    : stub_(v1::Associations::NewStub(channel)),
      store_(store),
      options_(std::move(options)),
      callbacks_(std::move(callbacks)) {}

EventFollower::~EventFollower() { Stop(); }

void EventFollower::Start() {
  thread_ = std::thread([this] {
    absl::Status s = Run();
    if (!s.ok()) {
      HD_LOG(kError, "event follower ended").kv("error", s.ToString());
    }
  });
}

void EventFollower::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    if (ctx_ != nullptr) ctx_->TryCancel();
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool EventFollower::stopping() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stopping_;
}

std::string EventFollower::cursor() const {
  std::lock_guard<std::mutex> lock(mu_);
  return cursor_;
}

bool EventFollower::WaitSynced(absl::Duration timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, absl::ToChronoNanoseconds(timeout), [this] { return synced_; });
}

void EventFollower::MarkSynced() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    cursor_ = state_.cursor;
    synced_ = true;
  }
  cv_.notify_all();
}

bool EventFollower::Sleep(absl::Duration d) {
  std::unique_lock<std::mutex> lock(mu_);
  return !cv_.wait_for(lock, absl::ToChronoNanoseconds(d), [this] { return stopping_; });
}

void EventFollower::Persist(const KnownChange* change) {
  absl::Status s = store_dirty_ ? store_->Replace(state_) : store_->Advance(state_, change);
  if (s.ok()) {
    store_dirty_ = false;
    return;
  }
  if (!store_dirty_) {
    HD_LOG(kWarn, "cannot store the event cursor; events may be delivered again after a restart")
        .kv("tenant", options_.tenant)
        .kv("cursor", state_.cursor)
        .kv("error", s.message());
  }
  store_dirty_ = true;
}

bool EventFollower::Deliver(const v1::AssociationEvent& ev, const std::string& key, bool resync) {
  Backoff backoff(options_.backoff);
  for (;;) {
    absl::Status s = callbacks_.on_event(Delivery{ev, key, resync});
    if (s.ok()) break;
    absl::Duration wait = backoff.Next();
    HD_LOG(kWarn, "event not handled; trying again")
        .kv("tenant", options_.tenant)
        .kv("key", key)
        .kv("error", s.message())
        .kv("retry_ms", absl::ToInt64Milliseconds(wait));
    if (!Sleep(wait)) return false;
  }
  const v1::Association& a = ev.association();
  KnownChange change{a.host(), ""};
  const KnownChange* changed = nullptr;
  if (ev.type() == v1::EVENT_TYPE_ESTABLISHED) {
    change.guest = a.guest();
    state_.known[a.host()] = a.guest();
    changed = &change;
  } else {
    auto it = state_.known.find(a.host());
    if (it != state_.known.end() && it->second == a.guest()) {
      state_.known.erase(it);
      changed = &change;
    }
  }
  // A resync's differences share the snapshot's cursor; the cursor moves when all are delivered.
  if (!resync) state_.cursor = ev.cursor();
  Persist(changed);
  MarkSynced();
  return true;
}

bool EventFollower::FinishSnapshot(const std::vector<v1::Association>& snapshot,
                                   const std::string& cursor) {
  if (resync_pending_ && state_.known_complete) {
    std::vector<v1::AssociationEvent> diffs =
        DiffAssociations(state_.known, snapshot, options_.tenant);
    HD_LOG(kWarn, "resynced after trimmed events")
        .kv("tenant", options_.tenant)
        .kv("cursor", cursor)
        .kv("differences", diffs.size());
    for (size_t i = 0; i < diffs.size(); ++i) {
      diffs[i].set_cursor(cursor);
      if (!Deliver(diffs[i], absl::StrCat(cursor, ".", i + 1), /*resync=*/true)) return false;
    }
    state_.cursor = cursor;
    Persist(nullptr);
    if (callbacks_.on_resync) callbacks_.on_resync(diffs.size());
  } else {
    if (resync_pending_) {
      HD_LOG(kWarn, "resynced without knowing the state before; the snapshot is the new baseline")
          .kv("tenant", options_.tenant)
          .kv("cursor", cursor)
          .kv("associations", snapshot.size());
      if (callbacks_.on_resync) callbacks_.on_resync(0);
    }
    if (callbacks_.on_baseline) callbacks_.on_baseline(snapshot, cursor);
    state_.known.clear();
    for (const auto& a : snapshot) state_.known[a.host()] = a.guest();
    state_.known_complete = true;
    state_.cursor = cursor;
    store_dirty_ = true;  // the whole picture changed: replace what is stored
    Persist(nullptr);
  }
  resync_pending_ = false;
  MarkSynced();
  return true;
}

absl::Status EventFollower::Run() {
  Backoff backoff(options_.backoff);
  for (;;) {
    absl::StatusOr<FollowerState> loaded = store_->Load();
    if (loaded.ok()) {
      state_ = std::move(*loaded);
      break;
    }
    absl::Duration wait = backoff.Next();
    HD_LOG(kWarn, "cannot load the event cursor; trying again")
        .kv("tenant", options_.tenant)
        .kv("error", loaded.status().message())
        .kv("retry_ms", absl::ToInt64Milliseconds(wait));
    if (!Sleep(wait)) return absl::OkStatus();
  }
  if (state_.cursor.empty() && !options_.start_cursor.empty()) {
    state_.cursor = options_.start_cursor;
    state_.known.clear();
    state_.known_complete = false;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    cursor_ = state_.cursor;
  }
  if (!state_.cursor.empty()) {
    HD_LOG(kInfo, "resuming events").kv("tenant", options_.tenant).kv("cursor", state_.cursor);
  }
  backoff.Reset();
  for (;;) {
    v1::WatchEventsRequest req;
    req.set_tenant(options_.tenant);
    req.set_host(options_.host);
    req.set_guest(options_.guest);
    const bool snapshot_start = state_.cursor.empty() || resync_pending_;
    if (snapshot_start) {
      req.set_include_snapshot(true);
    } else {
      req.set_after_cursor(state_.cursor);
    }
    grpc::ClientContext ctx;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return absl::OkStatus();
      ctx_ = &ctx;
    }
    const std::string after = state_.cursor;
    const absl::Time opened = absl::Now();
    std::unique_ptr<grpc::ClientReader<v1::AssociationEvent>> reader =
        stub_->WatchEvents(&ctx, req);
    std::vector<v1::Association> snapshot;
    v1::AssociationEvent ev;
    bool up = false;
    bool interrupted = false;
    while (reader->Read(&ev)) {
      if (!up) {
        up = true;
        backoff.Reset();
        HD_LOG(kInfo, "watching events")
            .kv("tenant", options_.tenant)
            .kv("after", snapshot_start ? "snapshot" : after);
        if (callbacks_.on_stream) callbacks_.on_stream(true);
      }
      if (ev.snapshot()) {
        snapshot.push_back(std::move(*ev.mutable_association()));
        continue;
      }
      bool ok = true;
      if (ev.type() == v1::EVENT_TYPE_SNAPSHOT_COMPLETE) {
        ok = FinishSnapshot(snapshot, ev.cursor());
        snapshot.clear();
      } else if (ev.type() == v1::EVENT_TYPE_ESTABLISHED || ev.type() == v1::EVENT_TYPE_CANCELLED) {
        ok = Deliver(ev, ev.cursor(), /*resync=*/false);
      }
      if (!ok) {
        interrupted = true;
        break;
      }
    }
    if (interrupted) ctx.TryCancel();
    grpc::Status st = reader->Finish();
    {
      std::lock_guard<std::mutex> lock(mu_);
      ctx_ = nullptr;
    }
    if (up && callbacks_.on_stream) callbacks_.on_stream(false);
    if (stopping()) return absl::OkStatus();
    // A stream that stayed open a while (quiet streams deliver nothing) was a success too.
    if (absl::Now() - opened > options_.backoff.max) backoff.Reset();
    if (st.error_code() == grpc::StatusCode::OUT_OF_RANGE) {
      // Events after our cursor were trimmed: compare a fresh snapshot with what we knew.
      HD_LOG(kWarn, "event cursor out of retention; resyncing")
          .kv("tenant", options_.tenant)
          .kv("cursor", after);
      resync_pending_ = true;
      continue;
    }
    if (options_.stop_on_refusal && IsRefusal(st.error_code())) {
      return absl::Status(static_cast<absl::StatusCode>(st.error_code()), st.error_message());
    }
    absl::Duration wait = backoff.Next();
    HD_LOG(kWarn, "event stream ended; reconnecting")
        .kv("tenant", options_.tenant)
        .kv("code", static_cast<int>(st.error_code()))
        .kv("error", st.error_message())
        .kv("retry_ms", absl::ToInt64Milliseconds(wait));
    if (callbacks_.on_reconnect) callbacks_.on_reconnect();
    if (!Sleep(wait)) return absl::OkStatus();
  }
}

}  // namespace hotdesk::adapters
