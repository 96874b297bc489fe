// WatchEvents on gRPC's callback API: the reactor validates the request, takes a place within the
// watcher limits and hands the stream to a WatchSession (services/events), which decides what is
// written and when the stream ends; the reactor only writes and reports back.
#pragma once

#include <map>
#include <memory>
#include <mutex>

#include <grpcpp/grpcpp.h>

#include "absl/status/status.h"

#include "hotdesk/v1/associations.pb.h"
#include "services/events/event_hub.h"
#include "services/events/watch_session.h"
#include "services/rpc/method_metrics.h"
#include "services/server/metrics.h"
#include "services/server/watch_limits.h"
#include "services/store/association_store.h"

namespace hotdesk {

// Open watch streams of this server, so that shutdown can end them at once (a client resumes
// from its cursor on another replica) instead of holding the drain until its deadline.
class WatchRegistry {
 public:
  void Add(const std::shared_ptr<WatchSession>& s);
  void Remove(const WatchSession* s);
  // Ends every open watch; later watches end immediately too.
  void EndAll(const absl::Status& status);

 private:
  std::mutex mu_;
  std::map<const WatchSession*, std::weak_ptr<WatchSession>> sessions_;
  absl::Status closed_;
};

struct WatchDeps {
  AssociationStore* store;
  EventHub* hub;
  ServerMetrics* metrics;
  MethodMetrics* method;
  WatchRegistry* registry;
  WatchLimits* limits;
};

// Starts serving one WatchEvents call; the reactor deletes itself when the call ends.
// `caller` is who the gatekeeper admitted (auth::CallerKey): what the per-caller limit counts by.
grpc::ServerWriteReactor<v1::AssociationEvent>* StartWatch(const std::string& caller,
                                                           const v1::WatchEventsRequest* req,
                                                           WatchDeps deps);

}  // namespace hotdesk
