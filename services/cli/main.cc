// hotdeskctl: the operator CLI.
#include <cstdio>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "services/cli/cli.h"
#include "services/common/env_flags.h"

ABSL_FLAG(std::string, server, "127.0.0.1:50051", "hotdesk-server address (HOTDESK_SERVER)");
ABSL_FLAG(std::string, tenant, "default", "tenant (HOTDESK_TENANT)");
ABSL_FLAG(bool, json, false, "print JSON, one object per line");
ABSL_FLAG(absl::Duration, timeout, absl::Seconds(10), "per-call deadline");

int main(int argc, char** argv) {
  using namespace hotdesk::cli;
  std::vector<Command> commands = AssociationCommands();
  for (auto* more : {&DeviceCommands, &GuestCommands})
    for (const auto& c : more()) commands.push_back(c);
  std::string usage = "hotdeskctl [--server ADDR] [--tenant T] [--json] COMMAND ...\ncommands:\n";
  for (const auto& c : commands) absl::StrAppend(&usage, "  ", c.usage, "\n");
  absl::SetProgramUsageMessage(usage);
  for (const auto& err : hotdesk::ApplyEnvironmentToFlags()) {
    std::fprintf(stderr, "invalid environment: %s\n", err.c_str());
    return 2;
  }
  std::vector<char*> rest = absl::ParseCommandLine(argc, argv);
  if (rest.size() < 2) {
    std::fprintf(stderr, "%s", usage.c_str());
    return 2;
  }
  Context ctx;
  ctx.channel =
      grpc::CreateChannel(absl::GetFlag(FLAGS_server), grpc::InsecureChannelCredentials());
  ctx.tenant = absl::GetFlag(FLAGS_tenant);
  ctx.json = absl::GetFlag(FLAGS_json);
  ctx.timeout = absl::GetFlag(FLAGS_timeout);
  std::string name = rest[1];
  std::vector<std::string> args(rest.begin() + 2, rest.end());
  for (const auto& c : commands)
    if (name == c.name) return c.fn(ctx, args);
  std::fprintf(stderr, "unknown command %s\n%s", name.c_str(), usage.c_str());
  return 2;
}
