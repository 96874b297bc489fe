#include "services/events/event_hub.h"

#include <algorithm>

namespace hotdesk {
EventHub::EventHub(EventFeed* feed, size_t ring_size, Executor executor)
    : feed_(feed), ring_size_(ring_size), executor_(std::move(executor)) {
  feed_->SetListener(this);
}

void EventHub::WakeAll(std::vector<std::weak_ptr<Waiter>> waiters) {
  if (waiters.empty()) return;
  auto run = [waiters = std::move(waiters)] {
    for (auto& w : waiters)
      if (auto s = w.lock()) s->Wake();
  };
  if (executor_) {
    executor_(std::move(run));
  } else {
    run();
  }
}

EventHub::~EventHub() = default;

std::shared_ptr<EventHub::Channel> EventHub::Join(const std::string& tenant) {
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
    ++slot->members_;
    ch = slot;
  }
  if (created) feed_->Follow(tenant);
  return ch;
}

void EventHub::Leave(const std::shared_ptr<Channel>& channel) {
  std::lock_guard<std::mutex> lock(mu_);
  --channel->members_;
}

void EventHub::CollectIdle() {
  std::lock_guard<std::mutex> follow(follow_mu_);
  std::vector<std::string> idle;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = channels_.begin(); it != channels_.end();) {
      if (it->second->members_ == 0) {
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

std::shared_ptr<EventHub::Channel> EventHub::Find(const std::string& tenant) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = channels_.find(tenant);
  return it == channels_.end() ? nullptr : it->second;
}

EventHub::Fetch EventHub::Next(Channel& ch, StreamId after, size_t max, std::vector<EventPtr>* out,
                               const std::shared_ptr<Waiter>& waiter) {
  std::lock_guard<std::mutex> lock(ch.mu_);
  if (!ch.ready_) {
    ch.waiters_.push_back(waiter);
    return Fetch::kWait;
  }
  if (after < ch.base_) return Fetch::kBehind;
  StreamId last = ch.ring_.empty() ? ch.base_ : ch.ring_.back().first;
  if (after >= last) {
    ch.waiters_.push_back(waiter);
    return Fetch::kWait;
  }
  auto it = std::upper_bound(ch.ring_.begin(), ch.ring_.end(), after,
                             [](const StreamId& a, const auto& e) { return a < e.first; });
  for (; it != ch.ring_.end() && out->size() < max; ++it) out->push_back(it->second);
  return Fetch::kEvents;
}

void EventHub::OnFollowing(const std::string& tenant, StreamId base) {
  auto ch = Find(tenant);
  if (!ch) return;
  std::vector<std::weak_ptr<Waiter>> waiters;
  {
    std::lock_guard<std::mutex> lock(ch->mu_);
    ch->ready_ = true;
    ch->base_ = base;
    ch->ring_.clear();
    waiters.swap(ch->waiters_);
  }
  WakeAll(std::move(waiters));
}

void EventHub::OnEvents(const std::string& tenant, std::vector<EventPtr> events) {
  auto ch = Find(tenant);
  if (!ch) return;
  std::vector<std::weak_ptr<Waiter>> waiters;
  {
    std::lock_guard<std::mutex> lock(ch->mu_);
    if (!ch->ready_) return;
    for (auto& ev : events) {
      auto id = StreamId::Parse(ev->cursor());
      if (!id) continue;
      ch->ring_.emplace_back(*id, std::move(ev));
    }
    while (ch->ring_.size() > ring_size_) {
      ch->base_ = ch->ring_.front().first;
      ch->ring_.pop_front();
    }
    waiters.swap(ch->waiters_);
  }
  WakeAll(std::move(waiters));
}

}  // namespace hotdesk
