// Input rules of the device and guest registry, shared by the server, hotdeskctl and the
// feature-code adapter.
#pragma once

#include <set>
#include <string>

#include "absl/strings/string_view.h"
#include "hotdesk/v1/devices.pb.h"
#include "hotdesk/v1/guests.pb.h"
#include "services/common/status.h"
#include "services/core/commands.h"

namespace hotdesk {

inline constexpr size_t kMaxDisplayName = 64;
inline constexpr size_t kMinPinDigits = 4;
inline constexpr size_t kMaxPinDigits = 15;

// "" when valid, else why not.
std::string DisplayNameProblem(absl::string_view name);
std::string ModelProblem(absl::string_view model);
// 4-15 decimal digits. The description never repeats the PIN.
std::string PinProblem(absl::string_view pin);

// Checks the writable fields of a device named in `fields` (all when empty), reporting them as
// "<prefix>.<field>". MAC and hotdesk_extension are required when `creating`.
void CheckDevice(const v1::Device& device, const std::set<std::string>& fields, bool creating,
                 const std::string& prefix, FieldViolations* v);
// Same for a guest (id required when creating); the association limit follows `rules`.
void CheckGuest(const v1::Guest& guest, const std::set<std::string>& fields, bool creating,
                const LimitRules& rules, const std::string& prefix, FieldViolations* v);

}  // namespace hotdesk
