// The pure decision: what the digits dialled at a device mean under a dial plan.
#pragma once

#include <string>

#include "absl/strings/string_view.h"
#include "adapters/featurecodes/dial_plan.h"

namespace hotdesk::featurecodes {

struct Decision {
  enum class Kind { kLogin, kLogout, kEmergency, kNormal, kReject };
  Kind kind = Kind::kReject;
  std::string extension;  // kLogin: the extension dialled
  std::string reason;     // kReject: BAD_EXTENSION, IDLE_DEVICE
  std::string message;
};

// "" when the digits are acceptable input (1-64 of 0-9 * # +), else why not.
std::string DigitsProblem(absl::string_view digits);

// `idle`: nobody is logged in at the device. Digits must be acceptable (DigitsProblem).
Decision Classify(const DialPlan& plan, absl::string_view digits, bool idle);

}  // namespace hotdesk::featurecodes
