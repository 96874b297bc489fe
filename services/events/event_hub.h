// In-process fan-out of events to watchers: one feed reader per replica, any number of watchers.
// Each followed tenant has a channel with a bounded ring of its recent events. A watcher
// subscribes at a cursor and pulls the events after it: from the ring when the cursor is within
// it, else from the store in pages that the hub reads for it (catch-up). So a slow watcher never
// blocks others, memory stays bounded, and every watcher sees one ordered sequence whichever
// source served it.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/store/association_store.h"

namespace hotdesk {

class EventHub final : public EventFeed::Listener {
 public:
  // The watcher's side of a subscription. Called from any thread, never with a hub lock held.
  class Reader {
   public:
    virtual ~Reader() = default;
    // A Pull that found nothing has something now.
    virtual void OnReady() = 0;
    // The subscription ended (store error, trimmed cursor, lost history); Pull answers `why` too.
    virtual void OnEnded(const absl::Status& why) = 0;
  };
  class Subscription;
  struct Options {
    size_t ring_size = 4096;  // events kept per channel
    int page = 256;           // events per Pull, and per catch-up read
    absl::Duration store_timeout = absl::Seconds(5);
    std::function<void()> on_catchup_read;  // called per catch-up read (a metric)
  };
  // Runs a batch of wake-ups. The server runs them on a gRPC thread: writes started there are
  // flushed together per connection instead of one send per watcher.
  using Executor = std::function<void(std::function<void()>)>;

  // `store` serves catch-up reads. Both outlive the hub.
  EventHub(EventFeed* feed, AssociationStore* store, Options options, Executor executor = nullptr);
  ~EventHub() override;

  // A subscription to `tenant`'s events after `after`; follows the tenant if nobody did.
  std::shared_ptr<Subscription> Subscribe(const std::string& tenant, StreamId after,
                                          std::weak_ptr<Reader> reader);
  // Leaves the channel (also done when the last reference to the subscription goes).
  void Unsubscribe(Subscription& sub);
  // The next events after the subscription's cursor (at most options.page), in commit order; the
  // cursor moves past them. Empty: nothing yet, and the reader's OnReady follows when there is.
  // An error: the subscription has ended with it.
  absl::StatusOr<std::vector<EventPtr>> Pull(Subscription& sub);

  // Stops following tenants nobody subscribes to any more.
  void CollectIdle();
  size_t ChannelCount();
  struct Counts {
    size_t subscriptions = 0;
    size_t waiting = 0;  // subscriptions whose reader waits for OnReady
  };
  Counts CountsOf(const std::string& tenant);

  // EventFeed::Listener
  void OnFollowing(const std::string& tenant, StreamId base) override;
  void OnEvents(const std::string& tenant, std::vector<EventPtr> events) override;
  void OnLost(const std::string& tenant, absl::Status why) override;

 private:
  class Channel;
  std::shared_ptr<Channel> Find(const std::string& tenant);
  void Run(std::function<void()> work);
  using Readers = std::vector<std::weak_ptr<Reader>>;
  // Channel mutex held: the readers that wait for news, no longer marked waiting.
  static Readers TakeWaiting(Channel& ch);
  // No lock held: tells them (through the executor).
  void WakeReady(Readers readers);
  // `catch_up`: the read was for a cursor behind the ring (not the first check of a cursor).
  static void Fetched(const std::weak_ptr<Subscription>& weak, StreamId from, bool catch_up,
                      absl::StatusOr<EventPage> page);
  // Channel mutex held by `lock`, released here: reads the store after the cursor.
  void ReadStore(Subscription& sub, std::unique_lock<std::mutex>& lock, bool catch_up);

  EventFeed* feed_;
  AssociationStore* store_;
  Options options_;
  Executor executor_;
  std::mutex follow_mu_;  // orders Follow/Unfollow with channel creation and removal
  std::mutex mu_;         // channels_; taken after follow_mu_, before a channel's mutex
  std::map<std::string, std::shared_ptr<Channel>> channels_;
};

class EventHub::Subscription : public std::enable_shared_from_this<Subscription> {
 public:
  Subscription(std::shared_ptr<Channel> channel, StreamId after, std::weak_ptr<Reader> reader);
  ~Subscription();
  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;

 private:
  friend class EventHub;
  void Leave();

  std::shared_ptr<Channel> channel_;
  std::weak_ptr<Reader> reader_;
  // Guarded by the channel's mutex.
  StreamId cursor_;
  bool member_ = true;     // listed in the channel
  bool waiting_ = false;   // the reader waits for OnReady
  bool fetching_ = false;  // a catch-up read is out
  // The cursor was read once from the store, which answers OUT_OF_RANGE for a cursor of a lost
  // history. The ring cannot tell: after a loss it holds a new history whose ids may lie on
  // either side of such a cursor. The start of the stream needs no check.
  bool verified_ = false;
  std::optional<EventPage> fetched_;
  absl::Status ended_;
};

}  // namespace hotdesk
