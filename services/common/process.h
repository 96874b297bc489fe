// What every hotdesk program does the same way at start and stop.
#pragma once

#include <string>
#include <vector>

namespace hotdesk {

// Start of every hotdesk program: sets the usage text, reads HOTDESK_<FLAG> environment
// variables, parses the command line, and configures logging from the shared --log_level and
// --log_format flags. On bad input prints which flag and why, and exits with status 2.
// Returns the positional arguments.
std::vector<char*> InitProgram(int argc, char** argv, const std::string& usage);

// Applies --log_level (debug|info|warn|error) and --log_format (logfmt|json) values. Returns ""
// on success, else a message naming the bad flag.
std::string ConfigureLogging(const std::string& level, const std::string& format);

// Blocks SIGTERM and SIGINT in the calling thread and in every thread started after it (call it
// before starting any), so that WaitForTermination() takes them synchronously; ignores SIGPIPE.
void BlockTerminationSignals();
// Waits for SIGTERM or SIGINT, logs it, returns it.
int WaitForTermination();

}  // namespace hotdesk
