// A small JSON reader for test assertions on the simulator's journal and the bridge's /status.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace hotdesk::xsp::testing {

struct Json {
  enum Type { kNull, kBool, kNumber, kString, kArray, kObject } type = kNull;
  bool b = false;
  double num = 0;
  std::string str;
  std::vector<Json> arr;
  std::map<std::string, Json> obj;

  const Json& operator[](const std::string& key) const;
  const Json& operator[](size_t i) const;
  size_t size() const { return type == kArray ? arr.size() : obj.size(); }
  int64_t Int() const { return static_cast<int64_t>(num); }
};

// Parses `text`; returns false (and *error) when it is not JSON.
bool ParseJson(const std::string& text, Json* out, std::string* error = nullptr);

}  // namespace hotdesk::xsp::testing
