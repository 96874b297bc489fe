// The events that turn what a follower knew into what a snapshot shows, for a resync after the
// stream no longer reached back to the follower's cursor. Pure.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "hotdesk/v1/association.pb.h"

namespace hotdesk::adapters {

// CANCELLED (reason unspecified: the real events were trimmed) for every known association that
// is gone or has another guest, in host order; then ESTABLISHED for every association of `after`
// that was not known, in the snapshot's order. `known` is host -> guest. Events carry no cursor.
std::vector<v1::AssociationEvent> DiffAssociations(const std::map<std::string, std::string>& known,
                                                   const std::vector<v1::Association>& after,
                                                   const std::string& tenant);

}  // namespace hotdesk::adapters
