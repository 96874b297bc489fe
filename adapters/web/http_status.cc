#include "adapters/web/http_status.h"

#include <google/protobuf/util/json_util.h>

#include "google/rpc/error_details.pb.h"
#include "hotdesk/v1/association.pb.h"
#include "services/common/status.h"

namespace hotdesk::web {

std::string StatusJson(const absl::Status& status) {
  // The detail types the core attaches must be known to the JSON printer (it resolves "@type"
  // through the generated pool): name them so the linker keeps them.
  (void)google::rpc::BadRequest::descriptor();
  (void)google::rpc::ErrorInfo::descriptor();
  (void)google::rpc::PreconditionFailure::descriptor();
  (void)hotdesk::v1::Association::descriptor();

  google::rpc::Status rpc = ToRpcStatus(status);
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
