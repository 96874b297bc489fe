// JSON string escaping for the small hand-built JSON documents (status pages, simulator journal,
// bench report, HTTP errors) where a protobuf message would be overkill.
#pragma once

#include <string>

#include "absl/strings/string_view.h"

namespace hotdesk {

// Escapes " and \ and every control character (\n \r \t, others as \u00XX); no quotes added.
std::string JsonEscape(absl::string_view text);
// JsonEscape wrapped in double quotes: a complete JSON string.
std::string JsonQuote(absl::string_view text);

}  // namespace hotdesk
