#include "services/common/proto_json.h"

#include <google/protobuf/util/json_util.h>

#include "absl/strings/str_cat.h"

namespace hotdesk {

absl::StatusOr<std::string> ProtoToJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions opts;
  opts.preserve_proto_field_names = true;
  std::string out;
  auto st = google::protobuf::util::MessageToJsonString(message, &out, opts);
  if (!st.ok())
    return absl::InternalError(absl::StrCat("cannot write ", message.GetTypeName(),
                                            " as JSON: ", st.ToString()));
  return out;
}

absl::Status ProtoFromJson(absl::string_view json, google::protobuf::Message* message) {
  google::protobuf::util::JsonParseOptions opts;
  opts.ignore_unknown_fields = true;
  auto st = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), message, opts);
  if (!st.ok())
    return absl::InternalError(
        absl::StrCat("cannot read ", message->GetTypeName(), " from JSON: ", st.ToString()));
  return absl::OkStatus();
}

}  // namespace hotdesk
