#include "adapters/xsp/sim/sim_store.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace hotdesk::xsp::sim {
namespace {

void Put(std::string* out, const char* key, const std::optional<bool>& v) {
  if (v) absl::StrAppend(out, "\t", key, "=", *v ? "1" : "0");
}
void Put(std::string* out, const char* key, const std::optional<int>& v) {
  if (v) absl::StrAppend(out, "\t", key, "=", *v);
}
void Put(std::string* out, const char* key, const std::optional<std::string>& v) {
  if (v) absl::StrAppend(out, "\t", key, "=", absl::CEscape(*v));
}

bool Get(absl::string_view v, std::optional<bool>* out) {
  if (v != "0" && v != "1") return false;
  *out = v == "1";
  return true;
}
bool Get(absl::string_view v, std::optional<int>* out) {
  int n = 0;
  if (!absl::SimpleAtoi(v, &n)) return false;
  *out = n;
  return true;
}
bool Get(absl::string_view v, std::optional<std::string>* out) {
  std::string s;
  if (!absl::CUnescape(v, &s)) return false;
  *out = std::move(s);
  return true;
}

}  // namespace

std::string EncodeUsers(const std::map<std::string, SimUser>& users) {
  std::string out;
  for (const auto& [id, u] : users) {
    out += absl::CEscape(id);
    Put(&out, "guest.active", u.guest.active);
    Put(&out, "guest.limit", u.guest.enable_association_limit);
    Put(&out, "guest.hours", u.guest.association_limit_hours);
    Put(&out, "guest.host", u.guest.host_user_id);
    Put(&out, "host.active", u.host.active);
    Put(&out, "host.enforce", u.host.enforce_association_limit);
    Put(&out, "host.hours", u.host.association_limit_hours);
    Put(&out, "host.access", u.host.access_level);
    Put(&out, "cfa.active", u.cfa.active);
    Put(&out, "cfa.number", u.cfa.forward_to_phone_number);
    Put(&out, "cfa.splash", u.cfa.ring_splash);
    Put(&out, "agent", std::optional<std::string>(u.agent_state));
    out += "\n";
  }
  return out;
}

absl::StatusOr<std::map<std::string, SimUser>> DecodeUsers(const std::string& text) {
  std::map<std::string, SimUser> users;
  int line_no = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_no;
    if (line.empty()) continue;
    std::vector<absl::string_view> fields = absl::StrSplit(line, '\t');
    std::string id;
    if (!absl::CUnescape(fields[0], &id) || id.empty())
      return absl::DataLossError(absl::StrCat("line ", line_no, ": no user id"));
    SimUser u;
    for (size_t k = 1; k < fields.size(); ++k) {
      std::pair<absl::string_view, absl::string_view> kv = absl::StrSplit(fields[k], '=');
      std::optional<std::string> agent;
      bool ok = kv.first == "guest.active"   ? Get(kv.second, &u.guest.active)
                : kv.first == "guest.limit"  ? Get(kv.second, &u.guest.enable_association_limit)
                : kv.first == "guest.hours"  ? Get(kv.second, &u.guest.association_limit_hours)
                : kv.first == "guest.host"   ? Get(kv.second, &u.guest.host_user_id)
                : kv.first == "host.active"  ? Get(kv.second, &u.host.active)
                : kv.first == "host.enforce" ? Get(kv.second, &u.host.enforce_association_limit)
                : kv.first == "host.hours"   ? Get(kv.second, &u.host.association_limit_hours)
                : kv.first == "host.access"  ? Get(kv.second, &u.host.access_level)
                : kv.first == "cfa.active"   ? Get(kv.second, &u.cfa.active)
                : kv.first == "cfa.number"   ? Get(kv.second, &u.cfa.forward_to_phone_number)
                : kv.first == "cfa.splash"   ? Get(kv.second, &u.cfa.ring_splash)
                : kv.first == "agent"        ? Get(kv.second, &agent)
                                             : false;
      if (!ok)
        return absl::DataLossError(
            absl::StrCat("line ", line_no, ": cannot read field '", kv.first, "'"));
      if (agent) u.agent_state = *agent;
    }
    users[id] = std::move(u);
  }
  return users;
}

absl::Status WriteFileReplacing(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f << text;
    f.flush();
    if (!f) return absl::InternalError(absl::StrCat("cannot write ", tmp));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0)
    return absl::InternalError(absl::StrCat("cannot rename ", tmp, " to ", path, ": ",
                                            std::strerror(errno)));
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return absl::NotFoundError(absl::StrCat(path, " does not exist"));
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

}  // namespace hotdesk::xsp::sim
