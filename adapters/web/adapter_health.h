// The adapters' health as the console shows it: each configured adapter's HTTP health URL
// (feature codes /healthz, the XSP bridge's /status, ...) probed with a short timeout, the
// results kept for a couple of seconds so a busy console does not multiply probes.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include <google/protobuf/struct.pb.h>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace hotdesk::web {

struct AdapterTarget {
  std::string name;  // "featurecodes"
  std::string url;   // "http://127.0.0.1:8080/healthz"
};

// Parses "name=url,name=url"; errors name the bad entry.
absl::StatusOr<std::vector<AdapterTarget>> ParseAdapterTargets(const std::string& spec);

class AdapterHealth {
 public:
  explicit AdapterHealth(std::vector<AdapterTarget> targets);
  // {"adapters":[{"name","ok","detail"}]}
  google::protobuf::Struct Check();

 private:
  std::vector<AdapterTarget> targets_;
  std::mutex mu_;
  absl::Time checked_ = absl::InfinitePast();
  google::protobuf::Struct last_;
};

// GETs an http:// URL with a short timeout: the body on 2xx, else an error naming the problem.
absl::StatusOr<std::string> HttpGet(const std::string& url, absl::Duration timeout);

}  // namespace hotdesk::web
