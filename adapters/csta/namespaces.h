// ECMA-323 CSTA namespaces: liberal in what we accept (ed2-ed6 and beyond, the old ecma.ch host,
// the no-hyphen "ecmainternational" typo some phone firmware uses), exact in what we send.
#pragma once

#include <string>

#include "absl/strings/string_view.h"

namespace hotdesk::csta {

// The canonical URI of an edition: "ed3" ->
// http://www.ecma-international.org/standards/ecma-323/csta/ed3
// ("ed2" uses the historic www.ecma.ch host). "" for anything that is not edN with N in 2..9.
std::string NamespaceForEdition(absl::string_view edition);

// True for a CSTA message namespace:
// http(s)://www.ecma-international.org|www.ecmainternational.org|
// www.ecma.ch/standards/ecma-323/csta/edN (N a number), with or without a trailing slash.
bool IsCstaNamespace(absl::string_view uri);

}  // namespace hotdesk::csta
