#include "services/common/status.h"
#include "absl/strings/string_view.h"

#include <google/protobuf/any.pb.h>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace hotdesk {
namespace {
constexpr char kTypePrefix[] = "type.googleapis.com/";
}

void FieldViolations::Add(absl::string_view field, absl::string_view description) {
  items_.emplace_back(std::string(field), std::string(description));
}

absl::Status FieldViolations::ToStatus() const {
  if (items_.empty()) return absl::OkStatus();
  google::rpc::BadRequest detail;
  std::string message = "invalid request:";
  for (size_t i = 0; i < items_.size(); ++i) {
    auto* v = detail.add_field_violations();
    v->set_field(items_[i].first);
    v->set_description(items_[i].second);
    absl::StrAppend(&message, i ? ";" : "", " ", items_[i].first, ": ", items_[i].second);
  }
  absl::Status status = absl::InvalidArgumentError(message);
  AddDetail(&status, detail);
  return status;
}

void AddDetail(absl::Status* status, const google::protobuf::Message& detail) {
  if (status->ok()) return;
  status->SetPayload(absl::StrCat(kTypePrefix, detail.GetDescriptor()->full_name()),
                     absl::Cord(detail.SerializeAsString()));
}

bool GetDetail(const absl::Status& status, google::protobuf::Message* detail) {
  auto payload = status.GetPayload(absl::StrCat(kTypePrefix, detail->GetDescriptor()->full_name()));
  if (!payload) return false;
  return detail->ParseFromString(std::string(*payload));
}

absl::Status ErrorWithReason(absl::StatusCode code, absl::string_view reason,
                             absl::string_view message) {
  absl::Status status(code, message);
  google::rpc::ErrorInfo info;
  info.set_reason(std::string(reason));
  info.set_domain("hotdesk.v1");
  AddDetail(&status, info);
  return status;
}

std::string ErrorReason(const absl::Status& status) {
  google::rpc::ErrorInfo info;
  if (!GetDetail(status, &info)) return "";
  return info.reason();
}

const char* GrpcCodeLabel(grpc::StatusCode code) {
  static const char* kLabels[17] = {
      "OK",       "Canceled",       "Unknown",          "InvalidArgument",   "DeadlineExceeded",
      "NotFound", "AlreadyExists",  "PermissionDenied", "ResourceExhausted", "FailedPrecondition",
      "Aborted",  "OutOfRange",     "Unimplemented",    "Internal",          "Unavailable",
      "DataLoss", "Unauthenticated"};
  int c = static_cast<int>(code);
  return c >= 0 && c <= 16 ? kLabels[c] : "Unknown";
}

google::rpc::Status ToRpcStatus(const absl::Status& status) {
  google::rpc::Status rpc;
  rpc.set_code(static_cast<int>(status.code()));
  rpc.set_message(std::string(status.message()));
  status.ForEachPayload([&](absl::string_view type_url, const absl::Cord& payload) {
    auto* any = rpc.add_details();
    any->set_type_url(std::string(type_url));
    any->set_value(std::string(payload));
  });
  return rpc;
}

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  google::rpc::Status rpc = ToRpcStatus(status);
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()),
                      rpc.details_size() ? rpc.SerializeAsString() : std::string());
}

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  absl::Status out(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
  google::rpc::Status rpc;
  if (!status.error_details().empty() && rpc.ParseFromString(status.error_details())) {
    for (const auto& any : rpc.details()) out.SetPayload(any.type_url(), absl::Cord(any.value()));
  }
  return out;
}

int HttpStatusCode(absl::StatusCode code) {
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

}  // namespace hotdesk
