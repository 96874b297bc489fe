#include "tests/faults/web_client.h"

#include <httplib.h>

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "services/common/status.h"

namespace hotdesk::faults {

grpc::StatusCode WebAnswerCode(int http_status, const std::string& body, std::string* message) {
  google::protobuf::Struct json;
  google::protobuf::util::JsonParseOptions lenient;
  lenient.ignore_unknown_fields = true;
  if (google::protobuf::util::JsonStringToMessage(body, &json, lenient).ok()) {
    const auto& f = json.fields();
    auto code = f.find("code");
    auto msg = f.find("message");
    if (msg != f.end()) *message = msg->second.string_value();
    if (code != f.end() && code->second.kind_case() == google::protobuf::Value::kNumberValue) {
      int c = static_cast<int>(code->second.number_value());
      if (c > 0 && c <= 16 && HttpStatusCode(static_cast<absl::StatusCode>(c)) == http_status)
        return static_cast<grpc::StatusCode>(c);
    }
  }
  if (message->empty()) *message = absl::StrCat("HTTP ", http_status, " ", body.substr(0, 200));
  switch (http_status) {
    case 400: return grpc::StatusCode::INVALID_ARGUMENT;
    case 401: return grpc::StatusCode::UNAUTHENTICATED;
    case 403: return grpc::StatusCode::PERMISSION_DENIED;
    case 404: return grpc::StatusCode::NOT_FOUND;
    case 409: return grpc::StatusCode::ABORTED;
    case 429: return grpc::StatusCode::RESOURCE_EXHAUSTED;
    case 499: return grpc::StatusCode::CANCELLED;
    case 502:
    case 503: return grpc::StatusCode::UNAVAILABLE;
    case 504: return grpc::StatusCode::DEADLINE_EXCEEDED;
    case 500: return grpc::StatusCode::INTERNAL;
    default: return grpc::StatusCode::UNKNOWN;
  }
}

grpc::Status WebCall(int port, const std::string& path, const google::protobuf::Message& request,
                     google::protobuf::Message* response, const std::string& token,
                     absl::Duration deadline) {
  std::string body;
  if (!google::protobuf::util::MessageToJsonString(request, &body).ok())
    return grpc::Status(grpc::StatusCode::INTERNAL, "web: cannot encode the request as JSON");
  httplib::Client http("127.0.0.1", port);
  http.set_connection_timeout(1);
  int64_t ms = absl::ToInt64Milliseconds(deadline);
  http.set_read_timeout(ms / 1000, (ms % 1000) * 1000);
  http.set_write_timeout(ms / 1000, (ms % 1000) * 1000);
  httplib::Headers headers;
  if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
  auto res = http.Post(path.c_str(), headers, body, "application/json");
  if (!res)
    return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                        absl::StrCat("web :", port, " ", path, ": ",
                                     httplib::to_string(res.error()),
                                     " (no answer: retried with the same request id)"));
  if (res->status == 200) {
    google::protobuf::util::JsonParseOptions lenient;
    lenient.ignore_unknown_fields = true;
    if (!google::protobuf::util::JsonStringToMessage(res->body, response, lenient).ok())
      return grpc::Status(grpc::StatusCode::INTERNAL,
                          "web: 200 with a body that is not the response: " +
                              res->body.substr(0, 200));
    return grpc::Status::OK;
  }
  std::string message;
  grpc::StatusCode code = WebAnswerCode(res->status, res->body, &message);
  return grpc::Status(code, absl::StrCat("web ", res->status, ": ", message));
}

}  // namespace hotdesk::faults
