// Dial plans as configuration: which digit strings log in, log out, and which emergency numbers
// an idle device may still dial. Presets for 3CX and PortSIP, or a custom file.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace hotdesk::featurecodes {

// A feature code as written in a plan: literal dial characters (0-9 * # +) with at most one
// "{ext}" placeholder for the extension's digits.
struct Code {
  std::string role;     // "login", "logout", "emergency"
  std::string pattern;  // as written, e.g. "*77*{ext}*"
  std::string prefix;   // before {ext} (the whole code when it has none)
  std::string suffix;   // after {ext}
  bool has_ext = false;
};

struct DialPlan {
  std::string name;
  Code login;
  Code logout;
  std::vector<std::string> emergency_numbers;
  int ext_min_digits = 2;
  int ext_max_digits = 10;

  // "*77*<ext>*" for messages and the README.
  static std::string Display(const Code& code);
};

// "3cx", "portsip", or a path to a plan file (see README: key = value lines). The emergency
// numbers given here are added to the plan's own. The plan is validated (ValidateDialPlan).
absl::StatusOr<DialPlan> LoadDialPlan(absl::string_view spec,
                                      const std::vector<std::string>& emergency_numbers);
// Parses the text of a plan file; `origin` names it in errors.
absl::StatusOr<DialPlan> ParseDialPlan(absl::string_view text, absl::string_view origin);
// Refuses a plan in which a string one code matches is a prefix of (or equal to) a string
// another code matches: the PBX could never reach the longer code. The error names both.
absl::Status ValidateDialPlan(const DialPlan& plan);
// Parses "*77*{ext}*" into a Code.
absl::StatusOr<Code> ParseCode(absl::string_view role, absl::string_view pattern);

}  // namespace hotdesk::featurecodes
