#include "services/events/event_hub.h"

#include <algorithm>

#include "absl/time/clock.h"

namespace hotdesk {

class EventHub::Channel {
 public:
  explicit Channel(std::string tenant) : tenant(std::move(tenant)) {}
  const std::string tenant;
  std::mutex mu;
  bool ready = false;  // following: base and ring are meaningful
  StreamId base;       // the ring holds the events after base
  std::deque<std::pair<StreamId, EventPtr>> ring;
  std::vector<Subscription*> subs;  // each removes itself when it leaves
};

EventHub::Subscription::Subscription(std::shared_ptr<Channel> channel, StreamId after,
                                     std::weak_ptr<Reader> reader)
    : channel_(std::move(channel)),
      reader_(std::move(reader)),
      cursor_(after),
      verified_(after == StreamId()) {
  std::lock_guard<std::mutex> lock(channel_->mu);
  channel_->subs.push_back(this);
}

EventHub::Subscription::~Subscription() { Leave(); }

void EventHub::Subscription::Leave() {
  std::lock_guard<std::mutex> lock(channel_->mu);
  if (!member_) return;
  member_ = false;
  waiting_ = false;
  fetched_.reset();
  if (ended_.ok()) ended_ = absl::CancelledError("unsubscribed");
  auto& subs = channel_->subs;
  subs.erase(std::remove(subs.begin(), subs.end(), this), subs.end());
}

EventHub::EventHub(EventFeed* feed, AssociationStore* store, Options options, Executor executor)
    : feed_(feed), store_(store), options_(std::move(options)), executor_(std::move(executor)) {
  feed_->SetListener(this);
}

EventHub::~EventHub() = default;

void EventHub::Run(std::function<void()> work) {
  if (executor_) {
    executor_(std::move(work));
  } else {
    work();
  }
}

std::shared_ptr<EventHub::Subscription> EventHub::Subscribe(const std::string& tenant,
                                                            StreamId after,
                                                            std::weak_ptr<Reader> reader) {
  std::lock_guard<std::mutex> follow(follow_mu_);
  std::shared_ptr<Channel> ch;
  bool created = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto& slot = channels_[tenant];
    if (!slot) {
      slot = std::make_shared<Channel>(tenant);
      created = true;
    }
    ch = slot;
  }
  auto sub = std::make_shared<Subscription>(ch, after, std::move(reader));
  if (created) feed_->Follow(tenant);
  return sub;
}

void EventHub::Unsubscribe(Subscription& sub) { sub.Leave(); }

void EventHub::CollectIdle() {
  std::lock_guard<std::mutex> follow(follow_mu_);
  std::vector<std::string> idle;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = channels_.begin(); it != channels_.end();) {
      bool empty;
      {
        std::lock_guard<std::mutex> ch_lock(it->second->mu);
        empty = it->second->subs.empty();
      }
      if (empty) {
        idle.push_back(it->first);
        it = channels_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (const auto& t : idle) feed_->Unfollow(t);
}

size_t EventHub::ChannelCount() {
  std::lock_guard<std::mutex> lock(mu_);
  return channels_.size();
}

EventHub::Counts EventHub::CountsOf(const std::string& tenant) {
  Counts counts;
  auto ch = Find(tenant);
  if (!ch) return counts;
  std::lock_guard<std::mutex> lock(ch->mu);
  counts.subscriptions = ch->subs.size();
  for (const Subscription* s : ch->subs) counts.waiting += s->waiting_ ? 1 : 0;
  return counts;
}

std::shared_ptr<EventHub::Channel> EventHub::Find(const std::string& tenant) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = channels_.find(tenant);
  return it == channels_.end() ? nullptr : it->second;
}

absl::StatusOr<std::vector<EventPtr>> EventHub::Pull(Subscription& sub) {
  Channel& ch = *sub.channel_;
  std::unique_lock<std::mutex> lock(ch.mu);
  if (!sub.ended_.ok()) return sub.ended_;
  if (sub.fetched_) {
    EventPage page = std::move(*sub.fetched_);
    sub.fetched_.reset();
    if (sub.cursor_ < page.next) sub.cursor_ = page.next;
    // A page of only undecodable entries still moved the cursor: look again from there.
    if (!page.events.empty()) return std::move(page.events);
  }
  // One flag per subscription, however often it is asked: a quiet tenant's waiters cannot pile up.
  if (sub.fetching_) {
    sub.waiting_ = true;
    return std::vector<EventPtr>{};
  }
  if (!sub.verified_) {
    // A resuming cursor is checked against the store once (its first page comes with it).
    ReadStore(sub, lock, /*catch_up=*/false);
    return std::vector<EventPtr>{};
  }
  if (!ch.ready) {
    sub.waiting_ = true;
    return std::vector<EventPtr>{};
  }
  if (sub.cursor_ < ch.base) {
    // Behind the ring: read the store for it. The reader is woken when the page is in.
    ReadStore(sub, lock, /*catch_up=*/true);
    return std::vector<EventPtr>{};
  }
  StreamId last = ch.ring.empty() ? ch.base : ch.ring.back().first;
  if (sub.cursor_ >= last) {
    sub.waiting_ = true;
    return std::vector<EventPtr>{};
  }
  auto it = std::upper_bound(ch.ring.begin(), ch.ring.end(), sub.cursor_,
                             [](const StreamId& a, const auto& e) { return a < e.first; });
  std::vector<EventPtr> out;
  for (; it != ch.ring.end() && out.size() < static_cast<size_t>(options_.page); ++it) {
    out.push_back(it->second);
    sub.cursor_ = it->first;
  }
  return out;
}

void EventHub::ReadStore(Subscription& sub, std::unique_lock<std::mutex>& lock, bool catch_up) {
  sub.fetching_ = true;
  sub.waiting_ = true;
  StreamId from = sub.cursor_;
  std::string tenant = sub.channel_->tenant;
  lock.unlock();
  if (options_.on_catchup_read) options_.on_catchup_read();
  std::weak_ptr<Subscription> weak = sub.weak_from_this();
  store_->ReadEvents(tenant, from, options_.page, absl::Now() + options_.store_timeout,
                     [weak, from, catch_up](absl::StatusOr<EventPage> page) {
                       Fetched(weak, from, catch_up, std::move(page));
                     });
}

void EventHub::Fetched(const std::weak_ptr<Subscription>& weak, StreamId from, bool catch_up,
                       absl::StatusOr<EventPage> page) {
  auto sub = weak.lock();
  if (!sub) return;
  std::shared_ptr<Reader> reader;
  absl::Status ended;
  {
    std::lock_guard<std::mutex> lock(sub->channel_->mu);
    sub->fetching_ = false;
    if (!sub->member_ || !sub->ended_.ok()) return;
    if (!page.ok()) {
      sub->ended_ = page.status();
    } else if (catch_up && page->events.empty() && page->next <= from) {
      // The ring says there is more, the store has nothing after the cursor.
      sub->ended_ = absl::AbortedError("event stream changed underneath; resume from your cursor");
    } else {
      sub->verified_ = true;
      sub->fetched_ = std::move(*page);
    }
    ended = sub->ended_;
    if (sub->waiting_ || !ended.ok()) reader = sub->reader_.lock();
    sub->waiting_ = false;
  }
  if (!reader) return;
  if (ended.ok()) {
    reader->OnReady();
  } else {
    reader->OnEnded(ended);
  }
}

void EventHub::OnFollowing(const std::string& tenant, StreamId base) {
  auto ch = Find(tenant);
  if (!ch) return;
  Readers readers;
  {
    std::lock_guard<std::mutex> lock(ch->mu);
    ch->ready = true;
    ch->base = base;
    ch->ring.clear();
    readers = TakeWaiting(*ch);
  }
  WakeReady(std::move(readers));
}

void EventHub::OnEvents(const std::string& tenant, std::vector<EventPtr> events) {
  auto ch = Find(tenant);
  if (!ch) return;
  Readers readers;
  {
    std::lock_guard<std::mutex> lock(ch->mu);
    if (!ch->ready) return;
    for (auto& ev : events) {
      auto id = StreamId::Parse(ev->cursor());
      if (!id) continue;
      ch->ring.emplace_back(*id, std::move(ev));
    }
    while (ch->ring.size() > options_.ring_size) {
      ch->base = ch->ring.front().first;
      ch->ring.pop_front();
    }
    readers = TakeWaiting(*ch);
  }
  WakeReady(std::move(readers));
}

EventHub::Readers EventHub::TakeWaiting(Channel& ch) {
  Readers readers;
  for (Subscription* s : ch.subs) {
    if (!s->waiting_) continue;
    s->waiting_ = false;
    readers.push_back(s->reader_);
  }
  return readers;
}

void EventHub::WakeReady(Readers readers) {
  if (readers.empty()) return;
  Run([readers = std::move(readers)] {
    for (auto& r : readers)
      if (auto reader = r.lock()) reader->OnReady();
  });
}

void EventHub::OnLost(const std::string& tenant, absl::Status why) {
  auto ch = Find(tenant);
  if (!ch) return;
  Readers readers;
  {
    std::lock_guard<std::mutex> lock(ch->mu);
    // Every subscriber followed the lost history; the channel starts again from the feed's next
    // OnFollowing.
    ch->ready = false;
    ch->ring.clear();
    for (Subscription* s : ch->subs) {
      if (!s->ended_.ok()) continue;
      s->ended_ = why;
      s->waiting_ = false;
      s->fetched_.reset();
      readers.push_back(s->reader_);
    }
  }
  if (readers.empty()) return;
  Run([readers = std::move(readers), why] {
    for (auto& r : readers)
      if (auto reader = r.lock()) reader->OnEnded(why);
  });
}

}  // namespace hotdesk
