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

// An association record: "guest \t since_ms \t expire_ms \t source \t cursor \t limit \t
// attributes". The server supplies the tail (limit and attributes); establish.lua writes the
// head in Redis, as only it knows the commit time and the event id (an empty cursor in an
// event's copy means "this event's own id").
std::string EncodeRecordTail(const v1::AssociationLimit& limit,
                             const std::map<std::string, std::string>& attributes);
// The head as establish.lua writes it (for tools and tests).
std::string EncodeRecordHead(const std::string& guest, int64_t since_ms, int64_t expire_ms,
                             v1::Source source, const std::string& cursor);

// Decodes a record of host `host`. `cursor_override` replaces an empty cursor field (events
// carry the ESTABLISHED entry's own id as the association's cursor).
absl::StatusOr<v1::Association> DecodeRecord(const std::string& tenant, const std::string& host,
                                             const std::string& record,
                                             const std::string& cursor_override = "");

// One XRANGE/XREAD entry: [id, [field, value, ...]].
absl::StatusOr<EventPtr> DecodeStreamEntry(const std::string& tenant, const redisReply* entry);

}  // namespace hotdesk
