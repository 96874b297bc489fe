// Follows Associations.WatchEvents of one tenant for an adapter (or hotdeskctl watch), the same
// way everywhere:
// - resumes after the stored cursor, so nothing is lost or repeated while the core or the
//   adapter restarts; without a cursor it starts from a snapshot (the baseline);
// - reconnects with jittered backoff (BackoffPolicy) after any failure;
// - OUT_OF_RANGE (the stream no longer reaches back to the cursor) -> a fresh snapshot ->
//   compared with what the follower knew -> the differences delivered as events -> resumes;
// - an event is stored as delivered (CursorStore) only after the adapter's handler accepted it;
//   a handler that fails gets the same event again after a backoff.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "adapters/common/backoff.h"
#include "adapters/common/cursor_store.h"
#include "hotdesk/v1/associations.grpc.pb.h"

namespace hotdesk::adapters {

struct FollowerOptions {
  std::string tenant;
  // Only events of this host / guest (hotdeskctl watch --host/--guest); empty: all.
  std::string host;
  std::string guest;
  // Resume after this cursor when the store has none (hotdeskctl watch --after).
  std::string start_cursor;
  // Between reconnects, and between attempts of a failing handler.
  BackoffPolicy backoff;
  // End Run() with the status instead of retrying when the server refuses the watch for good
  // (INVALID_ARGUMENT, NOT_FOUND, PERMISSION_DENIED, UNAUTHENTICATED, UNIMPLEMENTED,
  // FAILED_PRECONDITION). hotdeskctl wants that; adapters keep trying (a token may be renewed).
  bool stop_on_refusal = false;
};

struct Delivery {
  // ESTABLISHED or CANCELLED.
  const v1::AssociationEvent& event;
  // Unique per delivery and increasing: the event's cursor, or "<snapshot cursor>.<n>" for the
  // n-th difference found by a resync (whose events carry the snapshot's cursor).
  std::string key;
  // A difference found by a resync, not an event read from the stream.
  bool resync = false;
};

struct FollowerCallbacks {
  // Required. OK once the adapter handled the event; an error is retried with the same delivery.
  std::function<absl::Status(const Delivery&)> on_event;
  // The current associations when there is nothing to compare them with: at the first start
  // (no cursor), and on a resync after a start from a bare cursor. Optional.
  std::function<void(const std::vector<v1::Association>&, const std::string& cursor)> on_baseline;
  // The stream delivered its first message (true) / ended (false). Optional; for gauges.
  std::function<void(bool up)> on_stream;
  // A stream ended and another will be tried. Optional; for counters.
  std::function<void()> on_reconnect;
  // A resync finished with this many differences delivered. Optional.
  std::function<void(size_t differences)> on_resync;
};

class EventFollower {
 public:
  // `store` must outlive the follower.
  EventFollower(std::shared_ptr<grpc::Channel> channel, CursorStore* store, FollowerOptions options,
                FollowerCallbacks callbacks);
  ~EventFollower();

  // Runs Run() on a thread of its own.
  void Start();
  // Ends the stream, any wait and the thread. The event being handled is finished first; one
  // whose handler keeps failing is not stored as delivered (it comes again after a restart).
  void Stop();
  // Follows on the calling thread until Stop(), or until the server refuses the watch with
  // stop_on_refusal; returns OK after Stop(), else the refusal.
  absl::Status Run();

  // The cursor of the last delivered event ("" before the first).
  std::string cursor() const;
  // True once a snapshot completed or an event was delivered (waits up to `timeout`).
  bool WaitSynced(absl::Duration timeout);

 private:
  // Hands one event to the adapter (retrying a failing handler), then stores it as delivered.
  // False when stopping interrupted a failing handler.
  bool Deliver(const v1::AssociationEvent& ev, const std::string& key, bool resync);
  // SNAPSHOT_COMPLETE: a baseline, or a resync's differences.
  bool FinishSnapshot(const std::vector<v1::Association>& snapshot, const std::string& cursor);
  void Persist(const KnownChange* change);
  void MarkSynced();
  bool Sleep(absl::Duration d);
  bool stopping() const;

  std::unique_ptr<v1::Associations::Stub> stub_;
  CursorStore* store_;
  const FollowerOptions options_;
  const FollowerCallbacks callbacks_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool synced_ = false;
  grpc::ClientContext* ctx_ = nullptr;  // the open stream, for Stop
  std::string cursor_;                  // copy of state_.cursor for other threads
  std::thread thread_;

  // Only the following thread touches these.
  FollowerState state_;
  bool resync_pending_ = false;
  bool store_dirty_ = false;  // an Advance failed: the next write replaces everything
};

}  // namespace hotdesk::adapters
