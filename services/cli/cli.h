// hotdeskctl plumbing shared by its command files.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <google/protobuf/message.h>
#include <grpcpp/grpcpp.h>

#include "absl/time/time.h"
#include "hotdesk/v1/associations.pb.h"

namespace hotdesk::cli {

struct Context {
  std::shared_ptr<grpc::Channel> channel;
  std::string tenant;
  bool json = false;
  absl::Duration timeout = absl::Seconds(10);

  // A ClientContext with the configured deadline.
  std::unique_ptr<grpc::ClientContext> Call() const;
};

// Prints a failed call ("error: NOT_FOUND: ..." plus field violations) to stderr; returns the
// process exit code (1).
int Fail(const grpc::Status& status);
// Prints a usage error; returns 2.
int Usage(const std::string& message);
// One message as a single JSON line on stdout; false (the error on stderr) when it cannot be
// printed.
bool PrintJson(const google::protobuf::Message& m);
std::string FormatTime(int64_t seconds);
// Prints the result of a force logout (devices and guests alike); returns the exit code.
int PrintForcedLogout(const Context& ctx, const hotdesk::v1::CancelResponse& out);

using CommandFn = int (*)(const Context& ctx, const std::vector<std::string>& args);
struct Command {
  const char* name;
  const char* usage;
  CommandFn fn;
};
// Each command file contributes its commands.
std::vector<Command> AssociationCommands();
std::vector<Command> DeviceCommands();
std::vector<Command> GuestCommands();
std::vector<Command> SessionCommands();

}  // namespace hotdesk::cli
