#include "services/common/process.h"

#include <pthread.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "services/common/env_flags.h"
#include "services/common/log.h"

ABSL_FLAG(std::string, log_level, "info", "debug | info | warn | error");
ABSL_FLAG(std::string, log_format, "logfmt", "logfmt | json");

namespace hotdesk {
namespace {
sigset_t TerminationSet() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}
}  // namespace

std::vector<char*> InitProgram(int argc, char** argv, const std::string& usage) {
  absl::SetProgramUsageMessage(usage + "\nEvery flag can also be set as HOTDESK_<FLAG>.");
  for (const auto& err : ApplyEnvironmentToFlags()) {
    std::fprintf(stderr, "invalid environment: %s\n", err.c_str());
    std::exit(2);
  }
  std::vector<char*> rest = absl::ParseCommandLine(argc, argv);
  if (std::string err =
          ConfigureLogging(absl::GetFlag(FLAGS_log_level), absl::GetFlag(FLAGS_log_format));
      !err.empty()) {
    std::fprintf(stderr, "%s\n", err.c_str());
    std::exit(2);
  }
  return rest;
}

std::string ConfigureLogging(const std::string& level, const std::string& format) {
  LogLevel parsed;
  if (!ParseLogLevel(level, &parsed)) return "--log_level: expected debug|info|warn|error";
  if (format != "logfmt" && format != "json") return "--log_format: expected logfmt|json";
  SetLogLevel(parsed);
  SetLogJson(format == "json");
  return "";
}

void BlockTerminationSignals() {
  sigset_t set = TerminationSet();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
}

int WaitForTermination() {
  sigset_t set = TerminationSet();
  int sig = 0;
  sigwait(&set, &sig);
  HD_LOG(kInfo, "signal received").kv("signal", sig == SIGTERM ? "SIGTERM" : "SIGINT");
  return sig;
}

}  // namespace hotdesk
