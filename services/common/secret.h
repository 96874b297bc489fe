// Secrets (passwords, keys) come from a file or an environment variable, never from a command
// line, where every user of the machine can read them in the process list.
#pragma once

#include <string>

#include "absl/status/statusor.h"

namespace hotdesk {

// The secret in `file` (trailing newlines dropped) when `file` is not empty, else the value of
// the environment variable `env` (empty when unset). An unreadable or empty file is an error
// naming `file_flag` and the file.
absl::StatusOr<std::string> ReadSecret(const std::string& file, const char* file_flag,
                                       const char* env);

}  // namespace hotdesk
