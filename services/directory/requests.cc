#include "services/directory/requests.h"

#include "services/common/status.h"
#include "services/core/ids.h"
#include "services/directory/mac_address.h"
#include "services/directory/validation.h"

namespace hotdesk {
namespace {

// Longest string VerifyPin looks at; anything longer is refused before it is counted.
constexpr size_t kMaxPinInput = 64;

void CheckTenant(const std::string& tenant, FieldViolations* v) {
  if (auto p = TenantProblem(tenant); !p.empty()) v->Add("tenant", p);
}

void CheckId(const char* field, const std::string& id, FieldViolations* v) {
  if (auto p = IdProblem(id); !p.empty()) v->Add(field, p);
}

void CheckMac(const std::string& mac, const char* field, FieldViolations* v) {
  if (auto p = MacProblem(mac); !p.empty()) v->Add(field, p);
}

void CheckRequestId(const std::string& request_id, FieldViolations* v) {
  if (!request_id.empty()) CheckId("request_id", request_id, v);
}

// Unspecified enums and model are stored as what they mean, so that every reader agrees.
void ApplyDefaults(v1::Device* d) {
  if (d->provisioning() == v1::PROVISIONING_METHOD_UNSPECIFIED)
    d->set_provisioning(v1::PROVISIONING_METHOD_PNP);
  if (d->network() == v1::NETWORK_LOCATION_UNSPECIFIED) d->set_network(v1::NETWORK_LOCATION_LAN);
  if (d->model().empty()) d->set_model("generic");
}

const std::set<std::string>& WritableDeviceFields() {
  static const std::set<std::string> f = {"hotdesk_extension", "display_name", "provisioning",
                                          "network", "model"};
  return f;
}

const std::set<std::string>& WritableGuestFields() {
  static const std::set<std::string> f = {"display_name", "hotdesking_enabled",
                                          "association_limit"};
  return f;
}

// The update mask's paths, each checked against `writable` (an empty mask means all of them).
std::set<std::string> MaskedFields(const google::protobuf::FieldMask& mask,
                                   const std::set<std::string>& writable, const char* hint,
                                   FieldViolations* v) {
  std::set<std::string> fields(mask.paths().begin(), mask.paths().end());
  for (const auto& f : fields) {
    if (!writable.count(f))
      v->Add("update_mask", "unknown or read-only field \"" + f + "\" (writable: " + hint + ")");
  }
  return fields.empty() ? writable : fields;
}

absl::StatusOr<GuestRef> PrepareGuestRef(const std::string& tenant, const std::string& id) {
  FieldViolations v;
  CheckTenant(tenant, &v);
  CheckId("id", id, &v);
  if (!v.empty()) return v.ToStatus();
  return GuestRef{tenant, id};
}

}  // namespace

// ---- Devices ----

void DeviceUpdate::ApplyTo(v1::Device* d) const {
  if (fields.count("hotdesk_extension")) d->set_hotdesk_extension(patch.hotdesk_extension());
  if (fields.count("display_name")) d->set_display_name(patch.display_name());
  if (fields.count("provisioning")) d->set_provisioning(patch.provisioning());
  if (fields.count("network")) d->set_network(patch.network());
  if (fields.count("model")) d->set_model(patch.model());
}

absl::StatusOr<v1::Device> PrepareCreateDevice(const v1::CreateDeviceRequest& req) {
  FieldViolations v;
  CheckTenant(req.tenant(), &v);
  if (!req.has_device())
    v.Add("device", "required");
  else
    CheckDevice(req.device(), {}, /*creating=*/true, "device", &v);
  if (!v.empty()) return v.ToStatus();
  v1::Device d = req.device();
  d.set_tenant(req.tenant());
  d.set_mac(*NormalizeMac(d.mac()));
  d.clear_create_time();
  d.clear_update_time();
  ApplyDefaults(&d);
  return d;
}

absl::StatusOr<DeviceRef> PrepareGetDevice(const v1::GetDeviceRequest& req) {
  FieldViolations v;
  CheckTenant(req.tenant(), &v);
  if (req.mac().empty() == req.hotdesk_extension().empty()) {
    v.Add("mac", "give exactly one of mac and hotdesk_extension");
  } else if (!req.mac().empty()) {
    CheckMac(req.mac(), "mac", &v);
  } else {
    CheckId("hotdesk_extension", req.hotdesk_extension(), &v);
  }
  if (!v.empty()) return v.ToStatus();
  if (req.mac().empty()) return DeviceRef{req.tenant(), "", req.hotdesk_extension()};
  return DeviceRef{req.tenant(), *NormalizeMac(req.mac()), ""};
}

absl::StatusOr<DeviceUpdate> PrepareUpdateDevice(const v1::UpdateDeviceRequest& req) {
  FieldViolations v;
  CheckTenant(req.tenant(), &v);
  std::set<std::string> fields =
      MaskedFields(req.update_mask(), WritableDeviceFields(),
                   "hotdesk_extension, display_name, provisioning, network, model", &v);
  CheckMac(req.device().mac(), "device.mac", &v);
  CheckDevice(req.device(), fields, /*creating=*/false, "device", &v);
  if (!v.empty()) return v.ToStatus();
  DeviceUpdate u;
  u.tenant = req.tenant();
  u.mac = *NormalizeMac(req.device().mac());
  u.fields = std::move(fields);
  u.patch = req.device();
  ApplyDefaults(&u.patch);
  return u;
}

absl::StatusOr<DeviceRef> PrepareDeleteDevice(const v1::DeleteDeviceRequest& req) {
  FieldViolations v;
  CheckTenant(req.tenant(), &v);
  CheckMac(req.mac(), "mac", &v);
  if (!v.empty()) return v.ToStatus();
  return DeviceRef{req.tenant(), *NormalizeMac(req.mac()), ""};
}

absl::StatusOr<DeviceForceLogout> PrepareForceLogoutDevice(
    const v1::ForceLogoutDeviceRequest& req) {
  FieldViolations v;
  CheckTenant(req.tenant(), &v);
  CheckMac(req.mac(), "mac", &v);
  CheckRequestId(req.request_id(), &v);
  if (!v.empty()) return v.ToStatus();
  return DeviceForceLogout{DeviceRef{req.tenant(), *NormalizeMac(req.mac()), ""}, req.request_id()};
}

// ---- Guests ----

void GuestUpdate::ApplyTo(v1::Guest* g) const {
  if (fields.count("display_name")) g->set_display_name(patch.display_name());
  if (fields.count("hotdesking_enabled")) g->set_hotdesking_enabled(patch.hotdesking_enabled());
  if (fields.count("association_limit")) {
    if (patch.has_association_limit())
      *g->mutable_association_limit() = patch.association_limit();
    else
      g->clear_association_limit();
  }
}

absl::StatusOr<NewGuest> PrepareCreateGuest(const v1::CreateGuestRequest& req,
                                            const LimitRules& rules) {
  FieldViolations v;
  CheckTenant(req.tenant(), &v);
  if (!req.has_guest())
    v.Add("guest", "required");
  else
    CheckGuest(req.guest(), {}, /*creating=*/true, rules, "guest", &v);
  if (!req.pin().empty()) {
    if (auto p = PinProblem(req.pin()); !p.empty()) v.Add("pin", p);
  }
  if (!v.empty()) return v.ToStatus();
  NewGuest n{req.guest(), req.pin()};
  n.guest.set_tenant(req.tenant());
  n.guest.clear_create_time();
  n.guest.clear_update_time();
  return n;
}

absl::StatusOr<GuestRef> PrepareGetGuest(const v1::GetGuestRequest& req) {
  return PrepareGuestRef(req.tenant(), req.id());
}

absl::StatusOr<GuestUpdate> PrepareUpdateGuest(const v1::UpdateGuestRequest& req,
                                               const LimitRules& rules) {
  FieldViolations v;
  CheckTenant(req.tenant(), &v);
  CheckId("guest.id", req.guest().id(), &v);
  std::set<std::string> fields =
      MaskedFields(req.update_mask(), WritableGuestFields(),
                   "display_name, hotdesking_enabled, association_limit; the PIN has SetPin", &v);
  CheckGuest(req.guest(), fields, /*creating=*/false, rules, "guest", &v);
  if (!v.empty()) return v.ToStatus();
  return GuestUpdate{GuestRef{req.tenant(), req.guest().id()}, std::move(fields), req.guest()};
}

absl::StatusOr<GuestRef> PrepareDeleteGuest(const v1::DeleteGuestRequest& req) {
  return PrepareGuestRef(req.tenant(), req.id());
}

absl::StatusOr<PinChange> PrepareSetPin(const v1::SetPinRequest& req) {
  FieldViolations v;
  CheckTenant(req.tenant(), &v);
  CheckId("id", req.id(), &v);
  if (auto p = PinProblem(req.pin()); !p.empty()) v.Add("pin", p);
  if (!v.empty()) return v.ToStatus();
  return PinChange{GuestRef{req.tenant(), req.id()}, req.pin()};
}

absl::StatusOr<PinCheck> PrepareVerifyPin(const v1::VerifyPinRequest& req) {
  FieldViolations v;
  CheckTenant(req.tenant(), &v);
  CheckId("id", req.id(), &v);
  if (req.pin().empty())
    v.Add("pin", "required");
  else if (req.pin().size() > kMaxPinInput)
    v.Add("pin", "too long");
  if (!req.origin().empty()) CheckId("origin", req.origin(), &v);
  if (!v.empty()) return v.ToStatus();
  return PinCheck{GuestRef{req.tenant(), req.id()}, req.pin(), req.origin(),
                  PinProblem(req.pin()).empty()};
}

absl::StatusOr<CancelCommand> PrepareForceLogoutGuest(const v1::ForceLogoutGuestRequest& req) {
  FieldViolations v;
  CheckTenant(req.tenant(), &v);
  CheckId("id", req.id(), &v);
  CheckRequestId(req.request_id(), &v);
  if (!v.empty()) return v.ToStatus();
  return ForcedLogoutCommand(req.tenant(), "", req.id(), req.request_id());
}

absl::StatusOr<CancelCommand> ForcedLogoutCommand(const std::string& tenant,
                                                  const std::string& host, const std::string& guest,
                                                  const std::string& request_id) {
  v1::CancelRequest cancel;
  cancel.set_tenant(tenant);
  cancel.set_host(host);
  cancel.set_guest(guest);
  cancel.set_reason(v1::CANCEL_REASON_FORCED);
  cancel.set_source(v1::SOURCE_API);
  cancel.set_request_id(request_id);
  return PrepareCancel(cancel);
}

}  // namespace hotdesk
