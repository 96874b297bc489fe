// The request layer of the Devices and Guests RPCs, in the style of services/core/commands.h:
// each Prepare* checks every field of one request at once (INVALID_ARGUMENT with a BadRequest
// naming each) and returns its validated, normalised form; the services only run it.
#pragma once

#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "hotdesk/v1/devices.pb.h"
#include "hotdesk/v1/guests.pb.h"
#include "services/core/commands.h"

namespace hotdesk {

// ---- Devices ----

// One device of a tenant: by MAC (normalised), or by hot-desk extension when `mac` is empty.
struct DeviceRef {
  std::string tenant;
  std::string mac;
  std::string hotdesk_extension;
};

// The fields an update may change, and what they become.
struct DeviceUpdate {
  std::string tenant;
  std::string mac;  // normalised
  std::set<std::string> fields;
  v1::Device patch;  // defaults applied

  // Copies the fields to be changed from the patch onto `device`.
  void ApplyTo(v1::Device* device) const;
};

// The device to store: tenant set, MAC normalised, output-only fields cleared, defaults applied.
absl::StatusOr<v1::Device> PrepareCreateDevice(const v1::CreateDeviceRequest& req);
absl::StatusOr<DeviceRef> PrepareGetDevice(const v1::GetDeviceRequest& req);
// An empty update mask means every writable field.
absl::StatusOr<DeviceUpdate> PrepareUpdateDevice(const v1::UpdateDeviceRequest& req);
absl::StatusOr<DeviceRef> PrepareDeleteDevice(const v1::DeleteDeviceRequest& req);

// A force logout of whoever is at a device: the device, then its association's cancel.
struct DeviceForceLogout {
  DeviceRef device;
  std::string request_id;
};
absl::StatusOr<DeviceForceLogout> PrepareForceLogoutDevice(const v1::ForceLogoutDeviceRequest& req);

// ---- Guests ----

struct GuestRef {
  std::string tenant;
  std::string id;
};

struct NewGuest {
  v1::Guest guest;  // tenant set, output-only fields cleared
  std::string pin;  // "" for none
};

struct GuestUpdate {
  GuestRef guest;
  std::set<std::string> fields;
  v1::Guest patch;

  void ApplyTo(v1::Guest* guest) const;
};

struct PinChange {
  GuestRef guest;
  std::string pin;
};

struct PinCheck {
  GuestRef guest;
  std::string pin;
  std::string origin;  // where the adapter says the attempt came from (its PIN budget), or ""
  // A PIN of the wrong shape cannot match, but it still counts as a wrong attempt.
  bool well_formed = false;
};

// The association limit follows `rules`, as Establish checks it.
absl::StatusOr<NewGuest> PrepareCreateGuest(const v1::CreateGuestRequest& req,
                                            const LimitRules& rules);
absl::StatusOr<GuestRef> PrepareGetGuest(const v1::GetGuestRequest& req);
absl::StatusOr<GuestUpdate> PrepareUpdateGuest(const v1::UpdateGuestRequest& req,
                                               const LimitRules& rules);
absl::StatusOr<GuestRef> PrepareDeleteGuest(const v1::DeleteGuestRequest& req);
absl::StatusOr<PinChange> PrepareSetPin(const v1::SetPinRequest& req);
absl::StatusOr<PinCheck> PrepareVerifyPin(const v1::VerifyPinRequest& req);
// The cancel of the guest's association (reason FORCED).
absl::StatusOr<CancelCommand> PrepareForceLogoutGuest(const v1::ForceLogoutGuestRequest& req);

// The cancel of a force logout (reason FORCED, source API) at `host` or of `guest`.
absl::StatusOr<CancelCommand> ForcedLogoutCommand(const std::string& tenant,
                                                  const std::string& host, const std::string& guest,
                                                  const std::string& request_id);

}  // namespace hotdesk
