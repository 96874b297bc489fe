#include "services/common/log.h"
#include "absl/strings/string_view.h"

#include <atomic>
#include <cstdio>
#include <ctime>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace hotdesk {
namespace {
std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};
std::atomic<bool> g_json{false};

const char* LevelName(LogLevel l) {
  switch (l) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

void AppendQuoted(std::string* out, absl::string_view v, bool always) {
  bool plain = !always && !v.empty();
  for (char c : v) {
    if (c == ' ' || c == '"' || c == '=' || c == '\\' || static_cast<unsigned char>(c) < 0x20) {
      plain = false;
      break;
    }
  }
  if (plain) {
    out->append(v.data(), v.size());
    return;
  }
  out->push_back('"');
  for (char c : v) {
    unsigned char u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(c);
    } else if (c == '\n') {
      out->append("\\n");
    } else if (u < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", u);
      out->append(buf);
    } else {
      out->push_back(c);
    }
  }
  out->push_back('"');
}
}  // namespace

bool ParseLogLevel(absl::string_view text, LogLevel* out) {
  if (text == "debug")
    *out = LogLevel::kDebug;
  else if (text == "info")
    *out = LogLevel::kInfo;
  else if (text == "warn" || text == "warning")
    *out = LogLevel::kWarn;
  else if (text == "error")
    *out = LogLevel::kError;
  else
    return false;
  return true;
}
void SetLogLevel(LogLevel level) { g_level = static_cast<int>(level); }
bool LogEnabled(LogLevel level) { return static_cast<int>(level) >= g_level.load(); }
void SetLogJson(bool json) { g_json = json; }

LogLine::LogLine(LogLevel level, absl::string_view msg)
    : level_(level), msg_(msg), json_(g_json.load()) {}

LogLine& LogLine::kv(absl::string_view key, absl::string_view value) {
  if (json_) {
    fields_.append(",");
    AppendQuoted(&fields_, key, true);
    fields_.append(":");
    AppendQuoted(&fields_, value, true);
  } else {
    fields_.append(" ");
    fields_.append(key.data(), key.size());
    fields_.append("=");
    AppendQuoted(&fields_, value, false);
  }
  return *this;
}

LogLine::~LogLine() {
  // Formatted by hand: absl::FormatTime is too slow for a line per request under load.
  timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  tm utc;
  gmtime_r(&now.tv_sec, &utc);
  char ts[32];
  std::snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                now.tv_nsec / 1000000);
  std::string line;
  if (json_) {
    line = std::string("{\"ts\":\"") + ts + "\",\"level\":\"" + LevelName(level_) + "\",\"msg\":";
    AppendQuoted(&line, msg_, true);
    line += fields_;
    line += "}\n";
  } else {
    line = std::string("ts=") + ts + " level=" + LevelName(level_) + " msg=";
    AppendQuoted(&line, msg_, true);
    line += fields_;
    line += "\n";
  }
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace hotdesk
