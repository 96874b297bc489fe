// Serving a Prometheus registry over HTTP, the same way in every hotdesk program.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace prometheus {
class Exposer;
class Registry;
}  // namespace prometheus

namespace hotdesk {

// Serves `registry` at http://`listen`/metrics until the returned exposer is destroyed; nullptr
// when `listen` is empty (metrics off). prometheus-cpp reports a busy or malformed address by
// throwing: that becomes UNAVAILABLE naming --metrics_listen and the address, so no exception
// leaves this module.
absl::StatusOr<std::unique_ptr<prometheus::Exposer>> ServeMetrics(
    const std::string& listen, std::shared_ptr<prometheus::Registry> registry);

}  // namespace hotdesk
