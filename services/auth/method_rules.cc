#include "services/auth/method_rules.h"

#include "absl/strings/strip.h"

namespace hotdesk::auth {
namespace {

constexpr auto kReq = TenantFrom::kRequest;
constexpr auto kNoTenant = TenantFrom::kNone;
constexpr auto kBound = SourceBinding::kRequest;
constexpr auto kFree = SourceBinding::kNone;
constexpr auto kShow = Redaction::kNone;

// viewer: read associations and watch them, and read the devices (the console's board lists the
// idle ones; a device record holds no secret); agent: log in and out as its own source and check
// PINs (the CSTA gateway, the feature-code adapter, the XSP bridge); operator: force logout and
// read the guests; admin: write the directory and set PINs.
constexpr MethodRule kRules[] = {
    {"hotdesk.v1.Associations/Establish", Role::kAgent, kReq, kBound, kShow},
    {"hotdesk.v1.Associations/Cancel", Role::kAgent, kReq, kBound, kShow},
    {"hotdesk.v1.Associations/GetAssociation", Role::kViewer, kReq, kFree, kShow},
    {"hotdesk.v1.Associations/ListAssociations", Role::kViewer, kReq, kFree, kShow},
    {"hotdesk.v1.Associations/WatchEvents", Role::kViewer, kReq, kFree, kShow},

    {"hotdesk.v1.Devices/CreateDevice", Role::kAdmin, kReq, kFree, kShow},
    {"hotdesk.v1.Devices/GetDevice", Role::kViewer, kReq, kFree, kShow},
    {"hotdesk.v1.Devices/UpdateDevice", Role::kAdmin, kReq, kFree, kShow},
    {"hotdesk.v1.Devices/DeleteDevice", Role::kAdmin, kReq, kFree, kShow},
    {"hotdesk.v1.Devices/ListDevices", Role::kViewer, kReq, kFree, kShow},
    {"hotdesk.v1.Devices/ForceLogoutDevice", Role::kOperator, kReq, kFree, kShow},

    {"hotdesk.v1.Guests/CreateGuest", Role::kAdmin, kReq, kFree, kShow},
    {"hotdesk.v1.Guests/GetGuest", Role::kOperator, kReq, kFree, Redaction::kGuestLockState},
    {"hotdesk.v1.Guests/UpdateGuest", Role::kAdmin, kReq, kFree, kShow},
    {"hotdesk.v1.Guests/DeleteGuest", Role::kAdmin, kReq, kFree, kShow},
    {"hotdesk.v1.Guests/ListGuests", Role::kOperator, kReq, kFree, Redaction::kGuestLockState},
    {"hotdesk.v1.Guests/SetPin", Role::kAdmin, kReq, kFree, kShow},
    {"hotdesk.v1.Guests/VerifyPin", Role::kAgent, kReq, kFree, kShow},
    {"hotdesk.v1.Guests/ForceLogoutGuest", Role::kOperator, kReq, kFree, kShow},

    {"hotdesk.v1.Session/WhoAmI", Role::kNone, kNoTenant, kFree, kShow},
    {"hotdesk.v1.Bench/Ping", Role::kViewer, kNoTenant, kFree, kShow},

    // Served by hotdesk-featurecodes to a PBX.
    {"hotdesk.v1.FeatureCodes/Dial", Role::kAgent, kReq, kFree, kShow},
    {"hotdesk.v1.FeatureCodes/SubmitPin", Role::kAgent, kNoTenant, kFree, kShow},
};

}  // namespace

const MethodRule* FindMethodRule(absl::string_view method) {
  absl::ConsumePrefix(&method, "/");
  for (const MethodRule& r : kRules) {
    if (r.method == method) return &r;
  }
  return nullptr;
}

absl::Span<const MethodRule> AllMethodRules() { return kRules; }

}  // namespace hotdesk::auth
