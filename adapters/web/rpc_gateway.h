// Calls any unary RPC of hotdesk-server by its descriptor (the route table names it), with the
// caller's token and a deadline; the request and response are the generated message types.
#pragma once

#include <memory>
#include <string>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <grpcpp/grpcpp.h>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace hotdesk::web {

// Makes sure the descriptors of every hotdesk service are in the generated pool (a static
// library's object is linked only when something names it), so routes can find their RPCs.
void LinkApiDescriptors();

class RpcGateway {
 public:
  RpcGateway(std::shared_ptr<grpc::Channel> channel, absl::Duration timeout);

  // A fresh request message of the method's input type.
  static std::unique_ptr<google::protobuf::Message> NewRequest(
      const google::protobuf::MethodDescriptor* method);

  // Blocks until the call ends. Errors carry the core's details (google.rpc.Status).
  absl::StatusOr<std::unique_ptr<google::protobuf::Message>> Call(
      const google::protobuf::MethodDescriptor* method, const google::protobuf::Message& request,
      const std::string& token);

  std::shared_ptr<grpc::Channel> channel() const { return channel_; }

 private:
  std::shared_ptr<grpc::Channel> channel_;
  absl::Duration timeout_;
};

}  // namespace hotdesk::web
