// MAC addresses of hot-desk phones: accepted in the usual spellings, kept as 12 lower-case hex
// digits.
#pragma once

#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace hotdesk {

// "AA-BB-CC-DD-EE-FF", "aa:bb:cc:dd:ee:ff", "AABB.CCDD.EEFF", "aabbccddeeff" -> "aabbccddeeff".
// Separators must be used consistently and group the digits as those spellings do. nullopt when
// the text is not a MAC address.
std::optional<std::string> NormalizeMac(absl::string_view text);

// "" when `text` is a valid MAC address, else why not (for FieldViolations).
std::string MacProblem(absl::string_view text);

}  // namespace hotdesk
