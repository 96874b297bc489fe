#include "adapters/featurecodes/request_body.h"

#include <google/protobuf/stubs/common.h>
#include <google/protobuf/util/json_util.h>
#include <httplib.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace hotdesk::featurecodes {

absl::Status ReadRequestBody(absl::string_view content_type, absl::string_view body,
                             const std::multimap<std::string, std::string>& query,
                             google::protobuf::Message* m) {
  if (absl::StartsWith(content_type, "application/json")) {
    google::protobuf::util::JsonParseOptions opts;
    auto st = google::protobuf::util::JsonStringToMessage(std::string(body), m, opts);
    if (!st.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("body: ", st.message().as_string()));
    }
    return absl::OkStatus();
  }
  std::multimap<std::string, std::string> params = query;
  if (absl::StartsWith(content_type, "application/x-www-form-urlencoded") && !body.empty()) {
    for (absl::string_view kv : absl::StrSplit(body, '&', absl::SkipEmpty())) {
      size_t eq = kv.find('=');
      std::string k(kv.substr(0, eq));
      std::string v(eq == absl::string_view::npos ? "" : kv.substr(eq + 1));
      params.emplace(httplib::detail::decode_url(k, true), httplib::detail::decode_url(v, true));
    }
  }
  const auto* d = m->GetDescriptor();
  const auto* r = m->GetReflection();
  for (const auto& [k, v] : params) {
    const auto* f = d->FindFieldByName(k);
    if (f == nullptr || f->type() != google::protobuf::FieldDescriptor::TYPE_STRING) continue;
    // A proto string holds UTF-8 text: bytes that are not would be refused later, or break the
    // call to the core, instead of being named here. (Found by fuzzing.)
    if (!google::protobuf::internal::IsStructurallyValidUTF8(v.data(),
                                                             static_cast<int>(v.size()))) {
      return absl::InvalidArgumentError(absl::StrCat(k, ": not UTF-8 text"));
    }
    r->SetString(m, f, v);
  }
  return absl::OkStatus();
}

}  // namespace hotdesk::featurecodes
