#include "adapters/xsp/bridge/id_map.h"

#include <fstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace hotdesk::xsp {

absl::Status IdMapper::Add(const std::string& hotdesk_id, const std::string& bw_user_id) {
  auto a = to_bw_.find(hotdesk_id);
  auto b = to_hd_.find(bw_user_id);
  if ((a != to_bw_.end() && a->second != bw_user_id) ||
      (b != to_hd_.end() && b->second != hotdesk_id)) {
    return absl::InvalidArgumentError(absl::StrCat("id map: '", hotdesk_id, "' <-> '", bw_user_id,
                                                   "' conflicts with an earlier entry"));
  }
  to_bw_[hotdesk_id] = bw_user_id;
  to_hd_[bw_user_id] = hotdesk_id;
  return absl::OkStatus();
}

absl::Status IdMapper::LoadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("id map file: cannot open ", path));
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    absl::string_view l = absl::StripAsciiWhitespace(line);
    if (l.empty() || l[0] == '#') continue;
    std::vector<std::string> parts = absl::StrSplit(l, absl::ByAnyChar(" \t,="), absl::SkipEmpty());
    if (parts.size() != 2) {
      return absl::InvalidArgumentError(
          absl::StrCat("id map file ", path, " line ", n, ": expected 'hotdesk_id bw_user_id'"));
    }
    if (absl::Status s = Add(parts[0], parts[1]); !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(path, " line ", n, ": ", s.message()));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> IdMapper::ToBroadWorks(const std::string& hotdesk_id) const {
  auto it = to_bw_.find(hotdesk_id);
  if (it != to_bw_.end()) return it->second;
  if (absl::StrContains(hotdesk_id, '@')) return hotdesk_id;
  if (domain_.empty()) {
    return absl::NotFoundError(absl::StrCat("no BroadWorks user id for '", hotdesk_id,
                                            "' (no map entry and no --user_domain)"));
  }
  return absl::StrCat(hotdesk_id, "@", domain_);
}

absl::StatusOr<std::string> IdMapper::ToHotdesk(const std::string& bw_user_id) const {
  auto it = to_hd_.find(bw_user_id);
  if (it != to_hd_.end()) return it->second;
  std::string suffix = absl::StrCat("@", domain_);
  if (!domain_.empty() && absl::EndsWith(bw_user_id, suffix) && bw_user_id.size() > suffix.size()) {
    return bw_user_id.substr(0, bw_user_id.size() - suffix.size());
  }
  return absl::NotFoundError(absl::StrCat("BroadWorks user '", bw_user_id, "' is not mapped"));
}

}  // namespace hotdesk::xsp
