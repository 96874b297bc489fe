#include "services/common/secret.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace hotdesk {

absl::StatusOr<std::string> ReadSecret(const std::string& file, const char* file_flag,
                                       const char* env) {
  if (file.empty()) {
    const char* v = std::getenv(env);
    return std::string(v ? v : "");
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) return absl::InvalidArgumentError(absl::StrCat(file_flag, ": cannot read ", file));
  std::stringstream ss;
  ss << in.rdbuf();
  std::string secret = ss.str();
  while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
  if (secret.empty()) return absl::InvalidArgumentError(absl::StrCat(file_flag, ": ", file, " is empty"));
  return secret;
}

}  // namespace hotdesk
