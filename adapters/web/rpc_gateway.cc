#include "adapters/web/rpc_gateway.h"

#include <future>

#include <google/protobuf/dynamic_message.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/support/byte_buffer.h>

#include "adapters/web/core_channel.h"
#include "hotdesk/v1/associations.pb.h"
#include "hotdesk/v1/devices.pb.h"
#include "hotdesk/v1/guests.pb.h"
#include "absl/strings/str_cat.h"
#include "services/common/status.h"

namespace hotdesk::web {

void LinkApiDescriptors() {
  (void)v1::EstablishRequest::descriptor();
  (void)v1::CreateDeviceRequest::descriptor();
  (void)v1::CreateGuestRequest::descriptor();
}

RpcGateway::RpcGateway(std::shared_ptr<grpc::Channel> channel, absl::Duration timeout)
    : channel_(std::move(channel)), timeout_(timeout) {
  LinkApiDescriptors();
}

std::unique_ptr<google::protobuf::Message> RpcGateway::NewRequest(
    const google::protobuf::MethodDescriptor* method) {
  const auto* proto =
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(method->input_type());
  return std::unique_ptr<google::protobuf::Message>(proto->New());
}

absl::StatusOr<std::unique_ptr<google::protobuf::Message>> RpcGateway::Call(
    const google::protobuf::MethodDescriptor* method, const google::protobuf::Message& request,
    const std::string& token) {
  std::string wire;
  if (!request.SerializeToString(&wire)) return absl::InternalError("cannot serialize request");
  grpc::Slice slice(wire);
  grpc::ByteBuffer req_buf(&slice, 1), resp_buf;

  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + timeout_));
  AddCallerToken(&ctx, token);
  grpc::GenericStub stub(channel_);
  std::promise<grpc::Status> done;
  stub.UnaryCall(&ctx, absl::StrCat("/", method->service()->full_name(), "/", method->name()),
                 grpc::StubOptions(), &req_buf, &resp_buf,
                 [&done](grpc::Status s) { done.set_value(std::move(s)); });
  grpc::Status st = done.get_future().get();
  if (!st.ok()) return FromGrpcStatus(st);

  std::vector<grpc::Slice> slices;
  if (!resp_buf.Dump(&slices).ok()) return absl::InternalError("cannot read the response");
  std::string bytes;
  for (const auto& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  const auto* proto =
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(method->output_type());
  std::unique_ptr<google::protobuf::Message> resp(proto->New());
  if (!resp->ParseFromString(bytes)) return absl::InternalError("cannot parse the response");
  return resp;
}

}  // namespace hotdesk::web
