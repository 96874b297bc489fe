#include "services/common/env_flags.h"

#include <cctype>
#include <cstdlib>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/reflection.h"

namespace hotdesk {

std::vector<std::string> ApplyEnvironmentToFlags() {
  std::vector<std::string> errors;
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    // Only hotdesk's own flags (defined under services/ or adapters/).
    std::string file = flag->Filename();
    if (file.find("services/") == std::string::npos && file.find("adapters/") == std::string::npos)
      continue;
    std::string env = "HOTDESK_";
    for (char c : name) env.push_back(c == '-' ? '_' : static_cast<char>(std::toupper(c)));
    const char* value = std::getenv(env.c_str());
    if (value == nullptr) continue;
    std::string err;
    if (!flag->ParseFrom(value, &err)) errors.push_back(env + ": " + err);
  }
  return errors;
}

}  // namespace hotdesk
