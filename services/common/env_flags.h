// Every flag has an environment-variable equivalent: HOTDESK_<FLAG_NAME_UPPER>. Values from the
// environment apply only when the flag was not given on the command line.
#pragma once

#include <string>
#include <vector>

namespace hotdesk {

// Call before absl::ParseCommandLine. Sets each registered flag `foo_bar` from
// HOTDESK_FOO_BAR if that variable is set. Returns errors as readable messages.
std::vector<std::string> ApplyEnvironmentToFlags();

}  // namespace hotdesk
