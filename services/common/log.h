// Structured logging: one key=value line per event worth a human's time, to stderr.
#pragma once

#include <sstream>
#include <string>
#include "absl/strings/string_view.h"

#include "absl/strings/string_view.h"

namespace hotdesk {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

// Parses "debug|info|warn|error"; false on anything else.
bool ParseLogLevel(absl::string_view text, LogLevel* out);
void SetLogLevel(LogLevel level);
bool LogEnabled(LogLevel level);
// "logfmt" (default) or "json".
void SetLogJson(bool json);

// Builds one line; writes it when destroyed. Values are quoted when they need it.
class LogLine {
 public:
  LogLine(LogLevel level, absl::string_view msg);
  ~LogLine();
  LogLine(const LogLine&) = delete;
  LogLine& operator=(const LogLine&) = delete;

  LogLine& kv(absl::string_view key, absl::string_view value);
  LogLine& kv(absl::string_view key, const char* value) {
    return kv(key, absl::string_view(value));
  }
  LogLine& kv(absl::string_view key, const std::string& value) {
    return kv(key, absl::string_view(value));
  }
  template <typename T>
  LogLine& kv(absl::string_view key, const T& value) {
    std::ostringstream os;
    os << value;
    return kv(key, absl::string_view(os.str()));
  }

 private:
  LogLevel level_;
  std::string msg_;
  std::string fields_;
  bool json_;
};

}  // namespace hotdesk

#define HD_LOG(level, msg)                                  \
  if (!::hotdesk::LogEnabled(::hotdesk::LogLevel::level)) { \
  } else                                                    \
    ::hotdesk::LogLine(::hotdesk::LogLevel::level, msg)
