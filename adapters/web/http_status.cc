#include "adapters/web/http_status.h"

#include <google/protobuf/util/json_util.h>

#include "absl/strings/cord.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "hotdesk/v1/association.pb.h"

namespace hotdesk::web {

int HttpCode(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return 200;
    case absl::StatusCode::kCancelled:
      return 499;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kOutOfRange:
      return 400;
    case absl::StatusCode::kDeadlineExceeded:
      return 504;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kAborted:
      return 409;
    case absl::StatusCode::kPermissionDenied:
      return 403;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    case absl::StatusCode::kResourceExhausted:
      return 429;
    case absl::StatusCode::kUnimplemented:
      return 501;
    case absl::StatusCode::kUnavailable:
      return 503;
    default:
      return 500;
  }
}

std::string StatusJson(const absl::Status& status) {
  // The detail types the core attaches must be known to the JSON printer (it resolves "@type"
  // through the generated pool): name them so the linker keeps them.
  (void)google::rpc::BadRequest::descriptor();
  (void)google::rpc::ErrorInfo::descriptor();
  (void)google::rpc::PreconditionFailure::descriptor();
  (void)hotdesk::v1::Association::descriptor();

  google::rpc::Status rpc;
  rpc.set_code(static_cast<int>(status.code()));
  rpc.set_message(std::string(status.message()));
  status.ForEachPayload([&](absl::string_view type_url, const absl::Cord& payload) {
    auto* any = rpc.add_details();
    any->set_type_url(std::string(type_url));
    any->set_value(std::string(payload));
  });
  std::string out;
  if (!google::protobuf::util::MessageToJsonString(rpc, &out).ok()) {
    // A detail of a type this binary does not know: keep code and message.
    rpc.clear_details();
    out.clear();
    (void)google::protobuf::util::MessageToJsonString(rpc, &out);
  }
  return out;
}

}  // namespace hotdesk::web
