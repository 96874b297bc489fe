#include "adapters/featurecodes/dial_plan.h"

#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace hotdesk::featurecodes {
namespace {

constexpr char kExt[] = "{ext}";
constexpr char kDialChars[] = "0123456789*#+";

bool IsDialChar(char c) { return std::string(kDialChars).find(c) != std::string::npos; }

// A code as a small automaton: literal characters and one run of min..max digits.
struct Token {
  char c = 0;
  bool ext = false;
};

struct Automaton {
  std::vector<Token> tokens;
  int min = 0;
  int max = 0;

  // A state is (token index, digits consumed in the run at that index).
  using State = std::pair<int, int>;
  using States = std::set<State>;

  States Close(States s) const {
    States out = s;
    std::vector<State> work(s.begin(), s.end());
    while (!work.empty()) {
      State st = work.back();
      work.pop_back();
      int i = st.first;
      if (i < static_cast<int>(tokens.size()) && tokens[i].ext && st.second >= min) {
        State next{i + 1, 0};
        if (out.insert(next).second) work.push_back(next);
      }
    }
    return out;
  }
  States Start() const { return Close({{0, 0}}); }
  States Step(const States& s, char ch) const {
    States out;
    for (const auto& [i, n] : s) {
      if (i >= static_cast<int>(tokens.size())) continue;
      const Token& t = tokens[i];
      if (!t.ext && t.c == ch) out.insert({i + 1, 0});
      if (t.ext && ch >= '0' && ch <= '9' && n + 1 <= max) out.insert({i, n + 1});
    }
    return Close(out);
  }
  bool Accepting(const States& s) const {
    return s.count({static_cast<int>(tokens.size()), 0}) > 0;
  }
};

Automaton Build(const Code& code, int min, int max) {
  Automaton a;
  a.min = min;
  a.max = max;
  for (char c : code.prefix) a.tokens.push_back({c, false});
  if (code.has_ext) a.tokens.push_back({0, true});
  for (char c : code.suffix) a.tokens.push_back({c, false});
  return a;
}

std::string Key(const Automaton::States& a, const Automaton::States& b) {
  std::string k;
  for (const auto& [i, n] : a) absl::StrAppend(&k, i, ",", n, ";");
  k += "|";
  for (const auto& [i, n] : b) absl::StrAppend(&k, i, ",", n, ";");
  return k;
}

// True when some string of `a` is a prefix of, or equal to, some string of `b`; `witness` gets
// that string of `a`.
bool PrefixOf(const Automaton& a, const Automaton& b, std::string* witness) {
  struct Item {
    Automaton::States sa, sb;
    std::string text;
  };
  std::vector<Item> work = {{a.Start(), b.Start(), ""}};
  std::set<std::string> seen = {Key(work[0].sa, work[0].sb)};
  while (!work.empty()) {
    Item it = std::move(work.back());
    work.pop_back();
    // Every live state of b can still be completed, so b has a string extending this one.
    if (a.Accepting(it.sa) && !it.sb.empty()) {
      *witness = it.text;
      return true;
    }
    for (char ch : std::string(kDialChars)) {
      Item next{a.Step(it.sa, ch), b.Step(it.sb, ch), it.text + ch};
      if (next.sa.empty() || next.sb.empty()) continue;
      if (seen.insert(Key(next.sa, next.sb)).second) work.push_back(std::move(next));
    }
  }
  return false;
}

DialPlan Preset(const char* name, const char* login, const char* logout) {
  DialPlan p;
  p.name = name;
  p.login = *ParseCode("login", login);
  p.logout = *ParseCode("logout", logout);
  return p;
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read dial plan file ", path));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

std::string DialPlan::Display(const Code& code) {
  return code.has_ext ? absl::StrCat(code.prefix, "<ext>", code.suffix) : code.prefix;
}

absl::StatusOr<Code> ParseCode(absl::string_view role, absl::string_view pattern) {
  Code c;
  c.role = std::string(role);
  c.pattern = std::string(pattern);
  size_t at = pattern.find(kExt);
  c.has_ext = at != absl::string_view::npos;
  c.prefix = std::string(c.has_ext ? pattern.substr(0, at) : pattern);
  c.suffix = c.has_ext ? std::string(pattern.substr(at + std::strlen(kExt))) : "";
  if (c.suffix.find(kExt) != std::string::npos)
    return absl::InvalidArgumentError(absl::StrCat(role, " code \"", pattern, "\": {ext} twice"));
  for (char ch : c.prefix + c.suffix) {
    if (!IsDialChar(ch))
      return absl::InvalidArgumentError(
          absl::StrCat(role, " code \"", pattern, "\": only 0-9 * # + and one {ext} are allowed"));
  }
  if (c.prefix.empty() && !c.has_ext)
    return absl::InvalidArgumentError(absl::StrCat(role, " code: empty"));
  if (c.has_ext && c.prefix.empty())
    return absl::InvalidArgumentError(
        absl::StrCat(role, " code \"", pattern, "\": must start with a fixed code before {ext}"));
  return c;
}

absl::Status ValidateDialPlan(const DialPlan& plan) {
  if (!plan.login.has_ext)
    return absl::InvalidArgumentError(
        absl::StrCat("dial plan \"", plan.name, "\": the login code needs {ext}"));
  if (plan.logout.has_ext)
    return absl::InvalidArgumentError(
        absl::StrCat("dial plan \"", plan.name, "\": the logout code cannot contain {ext}"));
  if (plan.ext_min_digits < 1 || plan.ext_max_digits < plan.ext_min_digits ||
      plan.ext_max_digits > 15)
    return absl::InvalidArgumentError(absl::StrCat(
        "dial plan \"", plan.name, "\": extension_digits must be a range within 1-15"));
  std::vector<Code> codes = {plan.login, plan.logout};
  for (const auto& e : plan.emergency_numbers) {
    auto c = ParseCode("emergency number", e);
    if (!c.ok()) return c.status();
    if (c->has_ext)
      return absl::InvalidArgumentError(absl::StrCat("emergency number \"", e, "\": no {ext}"));
    codes.push_back(*c);
  }
  // Each code's automaton once (a plan may list many emergency numbers; fuzzing showed the
  // quadratic rebuilding).
  std::vector<Automaton> automata;
  for (const Code& c : codes)
    automata.push_back(Build(c, plan.ext_min_digits, plan.ext_max_digits));
  for (size_t i = 0; i < codes.size(); ++i) {
    for (size_t j = 0; j < codes.size(); ++j) {
      if (i == j) continue;
      std::string witness;
      if (!PrefixOf(automata[i], automata[j], &witness)) continue;
      std::string what = codes[i].has_ext ? absl::StrCat(" (e.g. \"", witness, "\")") : "";
      auto label = [](const Code& c) {
        return c.role == "emergency number" ? c.role : c.role + " code";
      };
      return absl::InvalidArgumentError(
          absl::StrCat("dial plan \"", plan.name, "\" conflict: ", label(codes[i]), " \"",
                       DialPlan::Display(codes[i]), "\"", what, " is a prefix of ", label(codes[j]),
                       " \"", DialPlan::Display(codes[j]), "\""));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<DialPlan> ParseDialPlan(absl::string_view text, absl::string_view origin) {
  DialPlan plan;
  plan.name = std::string(origin);
  std::map<std::string, std::string> seen;
  int line_no = 0;
  for (absl::string_view raw : absl::StrSplit(text, '\n')) {
    ++line_no;
    absl::string_view line = absl::StripAsciiWhitespace(raw);
    if (line.empty() || line[0] == '#') continue;
    size_t eq = line.find('=');
    auto where = [&] { return absl::StrCat(origin, ":", line_no, ": "); };
    if (eq == absl::string_view::npos)
      return absl::InvalidArgumentError(absl::StrCat(where(), "expected key = value"));
    std::string key(absl::StripAsciiWhitespace(line.substr(0, eq)));
    std::string value(absl::StripAsciiWhitespace(line.substr(eq + 1)));
    if (!seen.emplace(key, value).second)
      return absl::InvalidArgumentError(absl::StrCat(where(), key, " given twice"));
    if (key == "name") {
      plan.name = value;
    } else if (key == "login" || key == "logout") {
      auto code = ParseCode(key, value);
      if (!code.ok())
        return absl::InvalidArgumentError(absl::StrCat(where(), code.status().message()));
      (key == "login" ? plan.login : plan.logout) = *code;
    } else if (key == "extension_digits") {
      std::vector<std::string> r = absl::StrSplit(value, '-');
      if (r.size() != 2 || !absl::SimpleAtoi(r[0], &plan.ext_min_digits) ||
          !absl::SimpleAtoi(r[1], &plan.ext_max_digits))
        return absl::InvalidArgumentError(absl::StrCat(where(), "extension_digits: e.g. 2-6"));
    } else if (key == "emergency") {
      for (absl::string_view n : absl::StrSplit(value, ',', absl::SkipWhitespace()))
        plan.emergency_numbers.emplace_back(absl::StripAsciiWhitespace(n));
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat(where(), "unknown key \"", key,
                       "\" (known: name, login, logout, extension_digits, emergency)"));
    }
  }
  if (!seen.count("login") || !seen.count("logout"))
    return absl::InvalidArgumentError(absl::StrCat(origin, ": login and logout are required"));
  return plan;
}

absl::StatusOr<DialPlan> LoadDialPlan(absl::string_view spec,
                                      const std::vector<std::string>& emergency_numbers) {
  DialPlan plan;
  if (spec == "3cx") {
    // 3CX: *77*<ext>* then the PIN; *77*5* logs out.
    plan = Preset("3cx", "*77*{ext}*", "*77*5*");
  } else if (spec == "portsip") {
    // PortSIP: *70<ext> then the PIN; *71 logs out.
    plan = Preset("portsip", "*70{ext}", "*71");
  } else {
    auto text = ReadFile(std::string(spec));
    if (!text.ok()) return text.status();
    auto parsed = ParseDialPlan(*text, spec);
    if (!parsed.ok()) return parsed.status();
    plan = *parsed;
  }
  for (const auto& n : emergency_numbers) {
    if (std::find(plan.emergency_numbers.begin(), plan.emergency_numbers.end(), n) ==
        plan.emergency_numbers.end())
      plan.emergency_numbers.push_back(n);
  }
  if (auto st = ValidateDialPlan(plan); !st.ok()) return st;
  return plan;
}

}  // namespace hotdesk::featurecodes
