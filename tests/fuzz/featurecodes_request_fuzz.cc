// libFuzzer target: what a PBX sends to the feature-code adapter's HTTP API
// (adapters/featurecodes/request_body.h) - JSON bodies, form bodies and query parameters - read
// into the Dial and SubmitPin requests, whose fields then go through the adapter's input checks
// (tenant, device id, digits). Beyond "no crash, no sanitizer report": a request that is refused
// is refused as INVALID_ARGUMENT naming the body or the field; what is accepted, written back as
// JSON by protobuf, reads back the same (so it can also be sent to the core); a form or query
// field sets exactly the string field it names.
#include <fuzzer/FuzzedDataProvider.h>

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "adapters/featurecodes/dial_engine.h"
#include "adapters/featurecodes/request_body.h"
#include "hotdesk/v1/featurecodes.pb.h"
#include "services/core/ids.h"

using namespace hotdesk;
using namespace hotdesk::featurecodes;

namespace {

[[noreturn]] void Fail(const std::string& what, const std::string& body) {
  std::fprintf(stderr, "featurecodes_request_fuzz: %s\nbody: %s\n", what.c_str(), body.c_str());
  std::abort();
}

void Check(const char* type, const std::string& body,
           const std::multimap<std::string, std::string>& query, google::protobuf::Message* m) {
  absl::Status st = ReadRequestBody(type, body, query, m);
  if (!st.ok()) {
    std::string named = std::string(st.message().substr(0, st.message().find(':')));
    if (st.code() != absl::StatusCode::kInvalidArgument ||
        (named != "body" && m->GetDescriptor()->FindFieldByName(named) == nullptr)) {
      Fail("a refusal that is not INVALID_ARGUMENT naming the body or a field: " + st.ToString(),
           body);
    }
    return;
  }
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(*m, &json).ok())
    Fail("an accepted request does not print as JSON", body);
  std::unique_ptr<google::protobuf::Message> back(m->New());
  if (!google::protobuf::util::JsonStringToMessage(json, back.get()).ok() ||
      !google::protobuf::util::MessageDifferencer::Equals(*m, *back)) {
    Fail("an accepted request does not read back from its JSON: " + json, body);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  const int kind = in.ConsumeIntegralInRange(0, 2);
  std::multimap<std::string, std::string> query;
  const std::string qkey = in.ConsumeRandomLengthString(16);
  const std::string qvalue = in.ConsumeRandomLengthString(64);
  if (in.ConsumeBool()) query.emplace(qkey, qvalue);
  const std::string body = in.ConsumeRemainingBytesAsString();
  const char* type = kind == 0   ? "application/json"
                     : kind == 1 ? "application/x-www-form-urlencoded"
                                 : "text/plain";

  v1::DialRequest dial;
  Check(type, body, query, &dial);
  // The adapter's checks of what was read (DialService::Dial) take anything.
  (void)TenantProblem(dial.tenant());
  (void)IdProblem(dial.device());
  if (DigitsProblem(dial.digits()).empty() && dial.digits().empty())
    Fail("empty digits accepted", body);
  v1::SubmitPinRequest pin;
  Check(type, body, query, &pin);

  // A query parameter named like a string field sets that field (when no body overrides it).
  if (kind == 2 && !query.empty()) {
    v1::DialRequest q;
    if (!ReadRequestBody("text/plain", "", query, &q).ok()) return 0;  // checked above
    const auto* f = q.GetDescriptor()->FindFieldByName(qkey);
    if (f != nullptr && f->type() == google::protobuf::FieldDescriptor::TYPE_STRING &&
        q.GetReflection()->GetString(q, f) != qvalue) {
      Fail("query field " + qkey + " did not get its value", qvalue);
    }
  }
  return 0;
}
