// Who may hot-desk: the one rule, used by the directory (which keeps the per-tenant set of
// disabled guests that the establish script reads) and by the memory store.
#pragma once

#include "hotdesk/v1/guests.pb.h"

namespace hotdesk {

// `registered`: the guest's record in Guests, or null when it has none. Unregistered guests may
// hot-desk (CSTA and XSP deployments often have no registry); registered ones only when enabled.
inline bool MayHotDesk(const v1::Guest* registered) {
  return registered == nullptr || registered->hotdesking_enabled();
}

}  // namespace hotdesk
