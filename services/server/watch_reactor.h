// WatchEvents: catch-up from a cursor (or a snapshot), then live events from the hub.
#pragma once

#include <grpcpp/grpcpp.h>

#include "hotdesk/v1/associations.pb.h"
#include "services/events/event_hub.h"
#include "services/server/metrics.h"
#include "services/store/association_store.h"

namespace hotdesk {

struct WatchDeps {
  AssociationStore* store;
  EventHub* hub;
  ServerMetrics* metrics;
  MethodMetrics* method;
};

// Starts serving one WatchEvents call; the reactor deletes itself when the call ends.
grpc::ServerWriteReactor<v1::AssociationEvent>* StartWatch(grpc::CallbackServerContext* ctx,
                                                           const v1::WatchEventsRequest* req,
                                                           WatchDeps deps);

}  // namespace hotdesk
