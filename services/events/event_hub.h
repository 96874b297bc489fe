// In-process fan-out of live events: one feed reader per replica, any number of watchers.
// Each followed tenant has a bounded ring of recent events; a watcher reads from the ring at its
// own cursor, and one that falls behind the ring reads from the store instead, so a slow watcher
// never blocks others and memory stays bounded.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "services/store/association_store.h"

namespace hotdesk {

class EventHub final : public EventFeed::Listener {
 public:
  // Woken (from any thread, without hub locks held) when a channel it waited on has news.
  class Waiter {
   public:
    virtual ~Waiter() = default;
    virtual void Wake() = 0;
  };
  class Channel;
  enum class Fetch {
    kEvents,  // `out` holds the next events after the cursor
    kBehind,  // the cursor is older than the ring: read from the store
    kWait,    // nothing new yet; the waiter will be woken
  };

  // Runs a batch of wake-ups. The server runs them on a gRPC thread: writes started there are
  // flushed together per connection instead of one send per watcher.
  using Executor = std::function<void(std::function<void()>)>;

  EventHub(EventFeed* feed, size_t ring_size, Executor executor = nullptr);
  ~EventHub() override;

  std::shared_ptr<Channel> Join(const std::string& tenant);
  void Leave(const std::shared_ptr<Channel>& channel);
  Fetch Next(Channel& channel, StreamId after, size_t max, std::vector<EventPtr>* out,
             const std::shared_ptr<Waiter>& waiter);
  // Stops following tenants nobody watches any more.
  void CollectIdle();
  size_t ChannelCount();

  // EventFeed::Listener
  void OnFollowing(const std::string& tenant, StreamId base) override;
  void OnEvents(const std::string& tenant, std::vector<EventPtr> events) override;

 private:
  std::shared_ptr<Channel> Find(const std::string& tenant);

  void WakeAll(std::vector<std::weak_ptr<Waiter>> waiters);

  EventFeed* feed_;
  size_t ring_size_;
  Executor executor_;
  std::mutex follow_mu_;  // orders Follow/Unfollow with channel creation and removal
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<Channel>> channels_;
};

class EventHub::Channel {
 public:
  explicit Channel(std::string tenant) : tenant_(std::move(tenant)) {}
  const std::string& tenant() const { return tenant_; }

 private:
  friend class EventHub;
  std::string tenant_;
  std::mutex mu_;
  int members_ = 0;  // guarded by EventHub::mu_
  bool ready_ = false;
  StreamId base_;  // the ring holds the events after base_
  std::deque<std::pair<StreamId, EventPtr>> ring_;
  std::vector<std::weak_ptr<Waiter>> waiters_;
};

}  // namespace hotdesk
