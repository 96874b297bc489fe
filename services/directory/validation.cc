#include "services/directory/validation.h"

#include <cctype>

#include "absl/time/clock.h"
#include "google/rpc/error_details.pb.h"
#include "hotdesk/v1/associations.pb.h"
#include "services/core/ids.h"
#include "services/directory/mac_address.h"

namespace hotdesk {
namespace {

bool Wants(const std::set<std::string>& fields, const char* name) {
  return fields.empty() || fields.count(name) > 0;
}

// Counts UTF-8 code points; false on control characters.
bool CountChars(absl::string_view s, size_t* n) {
  *n = 0;
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return false;
    if ((c & 0xc0) != 0x80) ++*n;
  }
  return true;
}

}  // namespace

std::string DisplayNameProblem(absl::string_view name) {
  size_t n;
  if (!CountChars(name, &n)) return "must not contain control characters";
  if (n > kMaxDisplayName) return "at most 64 characters";
  return "";
}

std::string ModelProblem(absl::string_view model) {
  if (model.size() > 32) return "at most 32 characters";
  for (char c : model) {
    if (!std::islower(static_cast<unsigned char>(c)) &&
        !std::isdigit(static_cast<unsigned char>(c)) && c != '-' && c != '_')
      return "only lower-case letters, digits, '-' and '_'";
  }
  return "";
}

std::string PinProblem(absl::string_view pin) {
  if (pin.empty()) return "required";
  for (char c : pin) {
    if (c < '0' || c > '9') return "must contain only digits";
  }
  if (pin.size() < kMinPinDigits || pin.size() > kMaxPinDigits) return "must be 4-15 digits";
  return "";
}

void CheckDevice(const v1::Device& device, const std::set<std::string>& fields, bool creating,
                 const std::string& prefix, FieldViolations* v) {
  if (creating) {
    if (auto p = MacProblem(device.mac()); !p.empty()) v->Add(prefix + ".mac", p);
  }
  if (creating || Wants(fields, "hotdesk_extension")) {
    if (device.hotdesk_extension().empty()) {
      v->Add(prefix + ".hotdesk_extension", "required");
    } else if (auto p = IdProblem(device.hotdesk_extension()); !p.empty()) {
      v->Add(prefix + ".hotdesk_extension", p);
    }
  }
  if (Wants(fields, "display_name")) {
    if (auto p = DisplayNameProblem(device.display_name()); !p.empty())
      v->Add(prefix + ".display_name", p);
  }
  if (Wants(fields, "provisioning") && !v1::ProvisioningMethod_IsValid(device.provisioning()))
    v->Add(prefix + ".provisioning", "unknown provisioning method");
  if (Wants(fields, "network") && !v1::NetworkLocation_IsValid(device.network()))
    v->Add(prefix + ".network", "unknown network location");
  if (Wants(fields, "model")) {
    if (auto p = ModelProblem(device.model()); !p.empty()) v->Add(prefix + ".model", p);
  }
}

void CheckGuest(const v1::Guest& guest, const std::set<std::string>& fields, bool creating,
                const LimitRules& rules, const std::string& prefix, FieldViolations* v) {
  if (creating) {
    if (auto p = IdProblem(guest.id()); !p.empty()) v->Add(prefix + ".id", p);
  }
  if (Wants(fields, "display_name")) {
    if (auto p = DisplayNameProblem(guest.display_name()); !p.empty())
      v->Add(prefix + ".display_name", p);
  }
  if (Wants(fields, "association_limit") && guest.has_association_limit()) {
    // The limit must be one Establish would accept: validate it the same way.
    v1::EstablishRequest probe;
    probe.set_tenant("probe");
    probe.set_host("probe");
    probe.set_guest("probe");
    *probe.mutable_limit() = guest.association_limit();
    auto cmd = PrepareEstablish(probe, rules, absl::Now());
    if (!cmd.ok()) {
      google::rpc::BadRequest bad;
      if (GetDetail(cmd.status(), &bad)) {
        for (const auto& fv : bad.field_violations()) {
          std::string field = fv.field();
          if (field.rfind("limit", 0) == 0) field = "association_limit" + field.substr(5);
          v->Add(prefix + "." + field, fv.description());
        }
      } else {
        v->Add(prefix + ".association_limit", cmd.status().message());
      }
    }
  }
}

}  // namespace hotdesk
