// Maps hotdesk ids (e.g. "7002") to BroadWorks user ids ("7002@example.com") and back, per
// tenant: explicit entries from a map file win; otherwise "@<domain>" is appended / stripped.
#pragma once

#include <map>
#include <string>

#include "absl/status/statusor.h"

namespace hotdesk::xsp {

class IdMapper {
 public:
  IdMapper() = default;
  explicit IdMapper(std::string domain) : domain_(std::move(domain)) {}
  // Adds an explicit pair; INVALID_ARGUMENT if either side is already mapped differently.
  absl::Status Add(const std::string& hotdesk_id, const std::string& bw_user_id);
  // File: one "hotdesk_id bw_user_id" pair per line; '#' comments and blank lines ignored.
  absl::Status LoadFile(const std::string& path);

  // BroadWorks user id for a hotdesk id; NOT_FOUND when neither a map entry nor a domain applies.
  absl::StatusOr<std::string> ToBroadWorks(const std::string& hotdesk_id) const;
  // hotdesk id for a BroadWorks user id; NOT_FOUND when it is not ours.
  absl::StatusOr<std::string> ToHotdesk(const std::string& bw_user_id) const;

 private:
  std::string domain_;
  std::map<std::string, std::string> to_bw_;
  std::map<std::string, std::string> to_hd_;
};

}  // namespace hotdesk::xsp
