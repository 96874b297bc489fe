// Escaping of text and attribute values for the XML the adapters write (CSTA, Xsi, phone
// provisioning profiles).
#pragma once

#include <string>

#include "absl/strings/string_view.h"

namespace hotdesk {

// Replaces & < > " ' with their entities.
std::string XmlEscape(absl::string_view text);

}  // namespace hotdesk
