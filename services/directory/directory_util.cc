#include "services/directory/directory_util.h"

#include <google/protobuf/util/time_util.h>

#include "absl/strings/str_cat.h"
#include "services/common/proto_json.h"
#include "services/common/status.h"

namespace hotdesk {
namespace {

absl::Status FromRecord(const std::string& json, google::protobuf::Message* m) {
  if (auto st = ProtoFromJson(json, m); !st.ok())
    return absl::InternalError(absl::StrCat("corrupt directory record: ", st.message()));
  return absl::OkStatus();
}

}  // namespace

absl::Status DeviceNotFoundError(const std::string& tenant, const std::string& what) {
  return ErrorWithReason(absl::StatusCode::kNotFound, "DEVICE_NOT_FOUND",
                         absl::StrCat("no device ", what, " in tenant ", tenant));
}

absl::Status DeviceExistsError(const std::string& mac) {
  return ErrorWithReason(absl::StatusCode::kAlreadyExists, "DEVICE_EXISTS",
                         absl::StrCat("a device with MAC ", mac, " already exists"));
}

absl::Status ExtensionTakenError(const std::string& extension, const std::string& owner_mac) {
  return ErrorWithReason(
      absl::StatusCode::kAlreadyExists, "EXTENSION_TAKEN",
      absl::StrCat("hot-desk extension ", extension, " already belongs to device ", owner_mac));
}

absl::Status GuestNotFoundError(const std::string& tenant, const std::string& id) {
  return ErrorWithReason(absl::StatusCode::kNotFound, "GUEST_NOT_FOUND",
                         absl::StrCat("no guest ", id, " in tenant ", tenant));
}

absl::Status GuestExistsError(const std::string& id) {
  return ErrorWithReason(absl::StatusCode::kAlreadyExists, "GUEST_EXISTS",
                         absl::StrCat("guest ", id, " already exists"));
}

absl::StatusOr<std::string> EncodeDevice(const v1::Device& device) {
  return ProtoToJson(device);
}

absl::StatusOr<v1::Device> DecodeDevice(const std::string& json) {
  v1::Device d;
  if (auto st = FromRecord(json, &d); !st.ok()) return st;
  return d;
}

absl::StatusOr<std::string> EncodeGuest(v1::Guest guest) {
  guest.clear_has_pin();
  guest.clear_failed_attempts();
  guest.clear_locked_until();
  return ProtoToJson(guest);
}

absl::StatusOr<v1::Guest> DecodeGuest(const std::string& json) {
  v1::Guest g;
  if (auto st = FromRecord(json, &g); !st.ok()) return st;
  return g;
}

void ApplyPinState(bool has_pin, int failures, absl::Time locked_until, absl::Time now,
                   v1::Guest* guest) {
  guest->set_has_pin(has_pin);
  guest->clear_locked_until();
  guest->set_failed_attempts(0);
  if (!has_pin) return;
  if (locked_until > now) {
    guest->set_failed_attempts(failures);
    SetTime(locked_until, guest->mutable_locked_until());
  } else if (locked_until == absl::UnixEpoch() || locked_until == absl::InfinitePast()) {
    guest->set_failed_attempts(failures);
  }
  // A lockout that has run out counts as a fresh start.
}

void SetTime(absl::Time t, google::protobuf::Timestamp* ts) {
  int64_t ns = absl::ToUnixNanos(t);
  ts->set_seconds(ns / 1000000000);
  ts->set_nanos(static_cast<int32_t>(ns % 1000000000));
}

absl::Time GetTime(const google::protobuf::Timestamp& ts) {
  return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
}

}  // namespace hotdesk
