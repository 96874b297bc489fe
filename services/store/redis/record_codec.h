// The compact encodings the Redis store uses: the association record kept in the by-host hash
// and carried by events, and stream entries decoded into AssociationEvents.
#pragma once

#include <map>
#include <string>

#include <hiredis/hiredis.h>

#include "absl/status/statusor.h"
#include "hotdesk/v1/association.pb.h"
#include "services/store/association_store.h"

namespace hotdesk {

// "limit \t attributes": the part of a record the server supplies; the script prepends
// "guest \t since_ms \t expire_ms \t source \t cursor \t".
std::string EncodeRecordTail(const v1::AssociationLimit& limit,
                             const std::map<std::string, std::string>& attributes);

// Decodes a record of host `host`. `cursor_override` replaces an empty cursor field (events
// carry the ESTABLISHED entry's own id as the association's cursor).
absl::StatusOr<v1::Association> DecodeRecord(const std::string& tenant, const std::string& host,
                                             const std::string& record,
                                             const std::string& cursor_override = "");

// One XRANGE/XREAD entry: [id, [field, value, ...]].
absl::StatusOr<EventPtr> DecodeStreamEntry(const std::string& tenant, const redisReply* entry);

}  // namespace hotdesk
