// What every hotdesk program does the same way at start and stop.
#pragma once

#include <string>

namespace hotdesk {

// Applies the standard --log_level (debug|info|warn|error) and --log_format (logfmt|json)
// values. Returns "" on success, else a message naming the bad flag.
std::string ConfigureLogging(const std::string& level, const std::string& format);

// Blocks SIGTERM and SIGINT in the calling thread and in every thread started after it (call it
// before starting any), so that WaitForTermination() takes them synchronously; ignores SIGPIPE.
void BlockTerminationSignals();
// Waits for SIGTERM or SIGINT, logs it, returns it.
int WaitForTermination();

}  // namespace hotdesk
