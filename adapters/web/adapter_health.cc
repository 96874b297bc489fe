#include "adapters/web/adapter_health.h"

#include <httplib.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace hotdesk::web {

absl::StatusOr<std::vector<AdapterTarget>> ParseAdapterTargets(const std::string& spec) {
  std::vector<AdapterTarget> out;
  for (absl::string_view item : absl::StrSplit(spec, ',', absl::SkipWhitespace())) {
    size_t eq = item.find('=');
    if (eq == absl::string_view::npos || eq == 0 ||
        !absl::StartsWith(item.substr(eq + 1), "http://"))
      return absl::InvalidArgumentError(
          absl::StrCat("--adapters: \"", item, "\" is not name=http://host:port/path"));
    out.push_back({std::string(item.substr(0, eq)), std::string(item.substr(eq + 1))});
  }
  return out;
}

absl::StatusOr<std::string> HttpGet(const std::string& url, absl::Duration timeout) {
  // http://host:port/path
  absl::string_view rest = absl::string_view(url).substr(7);
  size_t slash = rest.find('/');
  std::string hostport(rest.substr(0, slash));
  std::string path = slash == absl::string_view::npos ? "/" : std::string(rest.substr(slash));
  httplib::Client cli("http://" + hostport);
  auto secs = absl::ToInt64Seconds(timeout);
  auto usecs = absl::ToInt64Microseconds(timeout - absl::Seconds(secs));
  cli.set_connection_timeout(secs, usecs);
  cli.set_read_timeout(secs, usecs);
  auto res = cli.Get(path.c_str());
  if (!res) return absl::UnavailableError(absl::StrCat("no answer: ", httplib::to_string(res.error())));
  if (res->status / 100 != 2)
    return absl::UnavailableError(absl::StrCat("HTTP ", res->status));
  return res->body;
}

AdapterHealth::AdapterHealth(std::vector<AdapterTarget> targets) : targets_(std::move(targets)) {}

google::protobuf::Struct AdapterHealth::Check() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (absl::Now() - checked_ < absl::Seconds(2)) return last_;
  }
  google::protobuf::Struct out;
  auto* list = (*out.mutable_fields())["adapters"].mutable_list_value();
  for (const auto& t : targets_) {
    auto r = HttpGet(t.url, absl::Seconds(1));
    auto& f = *list->add_values()->mutable_struct_value()->mutable_fields();
    f["name"].set_string_value(t.name);
    f["ok"].set_bool_value(r.ok());
    f["detail"].set_string_value(r.ok() ? "up" : std::string(r.status().message()));
  }
  std::lock_guard<std::mutex> lock(mu_);
  checked_ = absl::Now();
  last_ = out;
  return out;
}

}  // namespace hotdesk::web
