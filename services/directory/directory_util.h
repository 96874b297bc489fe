// Pieces both directory stores need: domain errors, record encoding, clock conversions.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "hotdesk/v1/devices.pb.h"
#include "hotdesk/v1/guests.pb.h"

namespace hotdesk {

absl::Status DeviceNotFoundError(const std::string& tenant, const std::string& what);
absl::Status DeviceExistsError(const std::string& mac);
absl::Status ExtensionTakenError(const std::string& extension, const std::string& owner_mac);
absl::Status GuestNotFoundError(const std::string& tenant, const std::string& id);
absl::Status GuestExistsError(const std::string& id);

// Records are the API messages as JSON (readable in redis-cli, tolerant of added fields).
absl::StatusOr<std::string> EncodeDevice(const v1::Device& device);
absl::StatusOr<v1::Device> DecodeDevice(const std::string& json);
// Output-only PIN fields are not stored with the guest record.
absl::StatusOr<std::string> EncodeGuest(v1::Guest guest);
absl::StatusOr<v1::Guest> DecodeGuest(const std::string& json);

// Fills the output-only PIN fields of `guest` from the PIN state as of `now`.
void ApplyPinState(bool has_pin, int failures, absl::Time locked_until, absl::Time now,
                   v1::Guest* guest);

void SetTime(absl::Time t, google::protobuf::Timestamp* ts);
absl::Time GetTime(const google::protobuf::Timestamp& ts);

}  // namespace hotdesk
