#include "services/store/store_util.h"
#include "absl/strings/string_view.h"

#include "absl/strings/str_cat.h"
#include "google/rpc/error_details.pb.h"
#include "services/common/status.h"

namespace hotdesk {

google::protobuf::Timestamp TimestampFromMillis(int64_t ms) {
  google::protobuf::Timestamp ts;
  ts.set_seconds(ms / 1000);
  ts.set_nanos(static_cast<int32_t>((ms % 1000) * 1000000));
  return ts;
}

EventPtr MakeEvent(const std::string& cursor, v1::EventType type, const v1::Association& assoc,
                   v1::CancelReason reason, v1::Source source, int64_t time_ms,
                   const std::string& request_id) {
  auto ev = std::make_shared<v1::AssociationEvent>();
  ev->set_cursor(cursor);
  ev->set_type(type);
  *ev->mutable_association() = assoc;
  ev->set_reason(reason);
  ev->set_source(source);
  *ev->mutable_time() = TimestampFromMillis(time_ms);
  ev->set_request_id(request_id);
  return ev;
}

namespace {
absl::Status Conflict(absl::string_view reason, const v1::Association& present,
                      const std::string& description) {
  absl::Status s = ErrorWithReason(absl::StatusCode::kFailedPrecondition, reason, description);
  google::rpc::PreconditionFailure pf;
  auto* v = pf.add_violations();
  v->set_type(std::string(reason));
  v->set_subject(absl::StrCat("tenants/", present.tenant(), "/hosts/", present.host()));
  v->set_description(description);
  AddDetail(&s, pf);
  AddDetail(&s, present);
  return s;
}
}  // namespace

absl::Status HostBusyError(const v1::Association& present) {
  return Conflict("HOST_BUSY", present,
                  absl::StrCat("host ", present.host(), " is in use by guest ", present.guest(),
                               " and on_host_busy is REJECT"));
}

absl::Status GuestElsewhereError(const v1::Association& present) {
  return Conflict("GUEST_ELSEWHERE", present,
                  absl::StrCat("guest ", present.guest(), " is associated with host ",
                               present.host(), " and on_guest_elsewhere is REJECT"));
}

absl::Status NotAssociatedError(const std::string& host, const std::string& guest,
                                const std::string& actual_guest) {
  return ErrorWithReason(absl::StatusCode::kFailedPrecondition, "NOT_ASSOCIATED",
                         absl::StrCat("host ", host, " is associated with ", actual_guest,
                                      ", not with guest ", guest));
}

absl::Status NotFoundError(const std::string& tenant, const std::string& host,
                           const std::string& guest) {
  return ErrorWithReason(
      absl::StatusCode::kNotFound, "NO_ASSOCIATION",
      host.empty() ? absl::StrCat("guest ", guest, " has no association in tenant ", tenant)
                   : absl::StrCat("host ", host, " has no association in tenant ", tenant));
}

absl::Status RequestIdReusedError(const std::string& request_id) {
  FieldViolations v;
  v.Add("request_id",
        absl::StrCat("already used for a request with other parameters (", request_id, ")"));
  return v.ToStatus();
}

absl::Status GuestDisabledError(const std::string& guest) {
  return ErrorWithReason(absl::StatusCode::kFailedPrecondition, "GUEST_DISABLED",
                         absl::StrCat("guest ", guest, " is registered with hot desking disabled"));
}

absl::Status TrimmedError(StreamId after) {
  return ErrorWithReason(absl::StatusCode::kOutOfRange, "CURSOR_TRIMMED",
                         absl::StrCat("events after cursor ", after.ToString(),
                                      " are no longer retained; resync: list, then watch"));
}

absl::Status HistoryLostError(StreamId after) {
  return ErrorWithReason(
      absl::StatusCode::kOutOfRange, "HISTORY_LOST",
      absl::StrCat("cursor ", after.ToString(),
                   " names an event this stream no longer has: Redis lost history (a failover "
                   "that dropped acknowledged writes?); resync: list, then watch"));
}

absl::Status BadPageTokenError() {
  FieldViolations v;
  v.Add("page_token", "not a token returned by this list call");
  return v.ToStatus();
}

}  // namespace hotdesk
