// WatchEvents: catch-up from a cursor (or a snapshot), then live events from the hub.
#pragma once

#include <map>
#include <memory>
#include <mutex>

#include <grpcpp/grpcpp.h>

#include "absl/status/status.h"

#include "hotdesk/v1/associations.pb.h"
#include "services/events/event_hub.h"
#include "services/server/metrics.h"
#include "services/store/association_store.h"

namespace hotdesk {

// Open watch streams of this server, so that shutdown can end them at once (a client resumes
// from its cursor on another replica) instead of holding the drain until its deadline.
class WatchRegistry {
 public:
  class Entry {
   public:
    virtual ~Entry() = default;
    virtual void End(const absl::Status& status) = 0;
  };
  void Add(const std::shared_ptr<Entry>& e);
  void Remove(const Entry* e);
  // Ends every open watch; later watches end immediately too.
  void EndAll(const absl::Status& status);

 private:
  std::mutex mu_;
  std::map<const Entry*, std::weak_ptr<Entry>> entries_;
  absl::Status closed_;
};

struct WatchDeps {
  AssociationStore* store;
  EventHub* hub;
  ServerMetrics* metrics;
  MethodMetrics* method;
  WatchRegistry* registry;
};

// Starts serving one WatchEvents call; the reactor deletes itself when the call ends.
grpc::ServerWriteReactor<v1::AssociationEvent>* StartWatch(grpc::CallbackServerContext* ctx,
                                                           const v1::WatchEventsRequest* req,
                                                           WatchDeps deps);

}  // namespace hotdesk
