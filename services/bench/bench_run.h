// Runs every phase of hotdesk-bench against one environment and assembles the report.
#pragma once

#include "absl/status/statusor.h"
#include "services/bench/config.h"
#include "services/bench/report.h"

namespace hotdesk::bench {

// A non-OK status only when the system under test could not be started or reached; errors of
// individual calls are counted in the report.
absl::StatusOr<Report> RunBench(const BenchConfig& config);

}  // namespace hotdesk::bench
