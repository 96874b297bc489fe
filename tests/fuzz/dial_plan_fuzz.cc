// libFuzzer target: dial plans and dialled digits (adapters/featurecodes/dial_plan.h,
// dial_engine.h): a plan file's text through ParseDialPlan and ValidateDialPlan, and digit
// strings through DigitsProblem and Classify, under that plan and under the 3CX and PortSIP
// presets. Beyond "no crash, no sanitizer report": a plan that validates classifies its own codes
// as what they are (each emergency number, the logout code, the login code with an extension of
// every allowed length); a login decision's extension is digits of an allowed length that,
// between the code's prefix and suffix, make up exactly what was dialled; an emergency number
// is allowed from an idle device; an idle device dials nothing else but codes.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "adapters/featurecodes/dial_engine.h"
#include "adapters/featurecodes/dial_plan.h"

using namespace hotdesk::featurecodes;

namespace {

[[noreturn]] void Fail(const std::string& what, const std::string& plan,
                       const std::string& digits) {
  std::fprintf(stderr, "dial_plan_fuzz: %s\nplan:\n%s\ndigits: %s\n", what.c_str(), plan.c_str(),
               digits.c_str());
  std::abort();
}

void CheckDecision(const DialPlan& plan, const std::string& text, const std::string& digits,
                   bool idle) {
  if (!DigitsProblem(digits).empty()) return;
  Decision d = Classify(plan, digits, idle);
  switch (d.kind) {
    case Decision::Kind::kLogin: {
      const std::string& ext = d.extension;
      int n = static_cast<int>(ext.size());
      if (n < plan.ext_min_digits || n > plan.ext_max_digits)
        Fail("login extension of a length the plan does not allow", text, digits);
      for (char c : ext)
        if (c < '0' || c > '9') Fail("login extension with a non-digit", text, digits);
      if (plan.login.prefix + ext + plan.login.suffix != digits)
        Fail("login extension is not what was dialled between the code's ends", text, digits);
      break;
    }
    case Decision::Kind::kNormal:
      if (idle) Fail("an idle device may route a normal call", text, digits);
      break;
    case Decision::Kind::kEmergency: {
      bool listed = false;
      for (const auto& e : plan.emergency_numbers) listed |= e == digits;
      if (!listed) Fail("emergency for a number not in the plan", text, digits);
      break;
    }
    case Decision::Kind::kLogout:
      if (digits != plan.logout.prefix) Fail("logout for another string", text, digits);
      break;
    case Decision::Kind::kReject:
      if (d.reason.empty()) Fail("a refusal without a reason", text, digits);
      break;
  }
}

// A validated plan must recognise each of its own codes.
void CheckOwnCodes(const DialPlan& plan, const std::string& text, const std::string& ext_digits) {
  for (const auto& e : plan.emergency_numbers) {
    if (!DigitsProblem(e).empty()) continue;
    if (Classify(plan, e, /*idle=*/true).kind != Decision::Kind::kEmergency)
      Fail("an emergency number is not allowed from an idle device", text, e);
  }
  if (DigitsProblem(plan.logout.prefix).empty() &&
      Classify(plan, plan.logout.prefix, false).kind != Decision::Kind::kLogout)
    Fail("the logout code is not recognised", text, plan.logout.prefix);
  for (int n = std::max(1, plan.ext_min_digits); n <= std::min(plan.ext_max_digits, 64); ++n) {
    std::string ext;
    for (int i = 0; i < n; ++i)
      ext.push_back(ext_digits.empty() ? '1' : ext_digits[i % ext_digits.size()]);
    std::string dialled = plan.login.prefix + ext + plan.login.suffix;
    if (!DigitsProblem(dialled).empty()) break;  // longer ones are too long as well
    Decision d = Classify(plan, dialled, false);
    if (d.kind != Decision::Kind::kLogin || d.extension != ext)
      Fail("the login code with an extension of an allowed length is not a login", text, dialled);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  const std::string digits = in.ConsumeRandomLengthString(80);
  std::string ext_digits;
  for (char c : in.ConsumeRandomLengthString(12))
    if (c >= '0' && c <= '9') ext_digits.push_back(c);
  const bool idle = in.ConsumeBool();
  const std::string text = in.ConsumeRemainingBytesAsString();

  for (const char* preset : {"3cx", "portsip"}) {
    absl::StatusOr<DialPlan> p = LoadDialPlan(preset, {"112", "911"});
    if (!p.ok()) Fail("a preset does not load", preset, "");
    CheckDecision(*p, preset, digits, idle);
  }
  absl::StatusOr<DialPlan> plan = ParseDialPlan(text, "fuzz.plan");
  if (!plan.ok()) {
    if (plan.status().message().empty()) Fail("a refusal without a message", text, "");
    return 0;
  }
  if (!ValidateDialPlan(*plan).ok()) return 0;
  CheckOwnCodes(*plan, text, ext_digits);
  CheckDecision(*plan, text, digits, idle);
  return 0;
}
