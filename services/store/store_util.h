// Pieces both stores need: event construction and the domain errors.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "hotdesk/v1/association.pb.h"
#include "services/store/association_store.h"

namespace hotdesk {

google::protobuf::Timestamp TimestampFromMillis(int64_t ms);

EventPtr MakeEvent(const std::string& cursor, v1::EventType type, const v1::Association& assoc,
                   v1::CancelReason reason, v1::Source source, int64_t time_ms,
                   const std::string& request_id);

// FAILED_PRECONDITION HOST_BUSY / GUEST_ELSEWHERE, with the conflicting association attached.
absl::Status HostBusyError(const v1::Association& present);
absl::Status GuestElsewhereError(const v1::Association& present);
// FAILED_PRECONDITION NOT_ASSOCIATED: Cancel named a host and a guest that are not a pair.
absl::Status NotAssociatedError(const std::string& host, const std::string& guest,
                                const std::string& actual_guest);
absl::Status NotFoundError(const std::string& tenant, const std::string& host,
                           const std::string& guest);
absl::Status RequestIdReusedError(const std::string& request_id);
// FAILED_PRECONDITION GUEST_DISABLED: the guest is registered with hot desking disabled.
absl::Status GuestDisabledError(const std::string& guest);
absl::Status TrimmedError(StreamId after);
// OUT_OF_RANGE HISTORY_LOST: the cursor's own event is gone from the stream (not trimmed: lost).
absl::Status HistoryLostError(StreamId after);
absl::Status BadPageTokenError();


}  // namespace hotdesk
