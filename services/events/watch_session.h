// One WatchEvents stream as a state machine, apart from gRPC: where it starts (a cursor, now, or
// a snapshot), what it writes next, and how it ends. The writer (gRPC's reactor in the server, a
// test double in tests) only sends what it is given.
//
//   kStarting ──► kSnapshot ──► kFollowing ──► kEnding ──► kDone
//        └──────────────────────────┘   any state ──┘  (Close sent)  (writer's OnDone)
//
// Every path ends in exactly one Close: write failure, cancel, End (shutdown), a store error,
// a trimmed cursor, lost history. The writer is never called with the session's lock held, and
// once the writer reports OnDone nothing is called on it again.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "hotdesk/v1/associations.pb.h"
#include "services/core/watch_command.h"
#include "services/events/event_hub.h"
#include "services/events/snapshot_pager.h"
#include "services/store/association_store.h"

namespace hotdesk {

class WatchWriter {
 public:
  virtual ~WatchWriter() = default;
  // Sends one event; `event` stays valid until the session's OnWriteDone. One write at a time.
  virtual void Write(const v1::AssociationEvent* event) = 0;
  // Ends the stream with `status`; called once, possibly while a write is out (a client that
  // stopped reading must not hold the stream open). The session's OnDone follows.
  virtual void Close(const absl::Status& status) = 0;
};

class WatchSession final : public EventHub::Reader,
                           public std::enable_shared_from_this<WatchSession> {
 public:
  enum class State { kStarting, kSnapshot, kFollowing, kEnding, kDone };
  struct Options {
    int page = 256;  // snapshot page size (events come in hub pages of the same size)
    absl::Duration store_timeout = absl::Seconds(5);
  };

  // `writer` is used until OnDone; store and hub outlive the session.
  WatchSession(WatchCommand cmd, AssociationStore* store, EventHub* hub, WatchWriter* writer,
               Options options);
  ~WatchSession() override;

  void Start();
  // From the writer.
  void OnWriteDone(bool ok);
  void OnCancel();
  void OnDone();
  // Ends the stream with `status` (e.g. shutdown): Close at once, even with a write out.
  void End(const absl::Status& status);

  // EventHub::Reader
  void OnReady() override;
  void OnEnded(const absl::Status& why) override;

  State state();

 private:
  struct Step;
  void Drive();
  Step Decide();  // mu_ held
  void Perform(Step& step);
  void EndLocked(const absl::Status& status);
  void Enqueue(EventPtr ev);
  void OnStart(absl::StatusOr<StreamId> id);
  void OnSnapshotPage(absl::StatusOr<SnapshotPager::Page> page);

  const WatchCommand cmd_;
  AssociationStore* const store_;
  EventHub* const hub_;
  const Options options_;

  std::mutex mu_;
  WatchWriter* writer_;  // null after OnDone
  State state_ = State::kStarting;
  bool driving_ = false;   // one thread decides and performs at a time
  absl::Status end_;       // set once the stream is to end
  bool writing_ = false;
  EventPtr inflight_;      // what the writer is sending
  std::deque<EventPtr> queue_;  // at most a page, already filtered
  bool store_busy_ = false;     // a start or snapshot read is out
  std::optional<SnapshotPager> pager_;
  std::optional<StreamId> follow_from_;  // where the subscription starts, once known
  std::shared_ptr<EventHub::Subscription> sub_;
  bool pull_waiting_ = false;  // the last Pull found nothing; OnReady clears it
  uint64_t ready_epoch_ = 0;   // counts OnReady, so that one racing a Pull is not lost
};

}  // namespace hotdesk
