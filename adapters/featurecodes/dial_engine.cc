#include "adapters/featurecodes/dial_engine.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace hotdesk::featurecodes {
namespace {

bool AllDigits(absl::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

Decision Reject(const char* reason, std::string message) {
  Decision d;
  d.kind = Decision::Kind::kReject;
  d.reason = reason;
  d.message = std::move(message);
  return d;
}

}  // namespace

std::string DigitsProblem(absl::string_view digits) {
  if (digits.empty()) return "required";
  if (digits.size() > 64) return "at most 64 characters";
  for (char c : digits) {
    if (!((c >= '0' && c <= '9') || c == '*' || c == '#' || c == '+'))
      return "only 0-9 * # + may be dialled";
  }
  return "";
}

Decision Classify(const DialPlan& plan, absl::string_view digits, bool idle) {
  Decision d;
  // Emergency numbers first: they must work whatever else the plan says.
  for (const auto& n : plan.emergency_numbers) {
    if (digits == n) {
      d.kind = Decision::Kind::kEmergency;
      d.message = "emergency number";
      return d;
    }
  }
  if (digits == plan.logout.prefix) {
    d.kind = Decision::Kind::kLogout;
    d.message = "logout code";
    return d;
  }
  const Code& login = plan.login;
  if (absl::StartsWith(digits, login.prefix)) {
    absl::string_view rest = digits.substr(login.prefix.size());
    if (absl::EndsWith(rest, login.suffix)) {
      absl::string_view ext = rest.substr(0, rest.size() - login.suffix.size());
      if (AllDigits(ext) && static_cast<int>(ext.size()) >= plan.ext_min_digits &&
          static_cast<int>(ext.size()) <= plan.ext_max_digits) {
        d.kind = Decision::Kind::kLogin;
        d.extension = std::string(ext);
        d.message = "login code";
        return d;
      }
    }
    // A login code with a malformed extension is refused, never routed as a number.
    return Reject("BAD_EXTENSION",
                  absl::StrCat("login code ", DialPlan::Display(login), " needs an extension of ",
                               plan.ext_min_digits, "-", plan.ext_max_digits, " digits"));
  }
  if (idle)
    return Reject("IDLE_DEVICE",
                  "nobody is logged in at this device: only emergency numbers can be dialled");
  d.kind = Decision::Kind::kNormal;
  d.message = "not a feature code";
  return d;
}

}  // namespace hotdesk::featurecodes
