// Live events of the tenants this replica's watchers follow, for the in-process hub.
//
// Per followed tenant: a sharded pub/sub subscription on the channel named like its stream key
// (every script that appends an event publishes the new id there) wakes a read of the stream
// after the last position. Pub/sub only wakes: events always come from the stream, in order, by
// position, so a lost message costs latency, never an event. Redis load and connections do not
// grow with the number of watchers (one subscriber connection per primary, shared).
//
// Every read checks that the position is still part of the stream's history. When it is not —
// trimmed while the reader was away, or lost in a failover that dropped acknowledged writes —
// the listener hears OnLost and the tenant is followed again from the stream's new end.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "services/redis/redis_client.h"
#include "services/store/association_store.h"
#include "services/keyspace/redis_keys.h"

namespace hotdesk {

class RedisEventFeed final : public EventFeed {
 public:
  RedisEventFeed(RedisClient* client, RedisKeys keys);
  ~RedisEventFeed() override;
  // Ends every subscription; no listener call follows.
  void Stop();
  void SetListener(Listener* listener) override { listener_ = listener; }
  void Follow(const std::string& tenant) override;
  void Unfollow(const std::string& tenant) override;

 private:
  class Follower;
  RedisClient* client_;
  RedisKeys keys_;
  Listener* listener_ = nullptr;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<Follower>> followers_;
};

}  // namespace hotdesk
