// The admin console's files (adapters/web/console/*), embedded into the binary at build time so
// the console works with no network and no files beside the binary.
#pragma once

#include <vector>

namespace hotdesk::web {

struct Asset {
  const char* path;          // "/index.html"
  const char* content_type;  // "text/html; charset=utf-8"
  const char* body;
};

const std::vector<Asset>& ConsoleAssets();

}  // namespace hotdesk::web
