#include "services/common/process.h"

#include <pthread.h>

#include <csignal>

#include "services/common/log.h"

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
