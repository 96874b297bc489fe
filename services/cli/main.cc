// hotdeskctl: the operator CLI.
#include <cstdio>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "services/auth/client_channel.h"
#include "services/cli/cli.h"
#include "services/common/env_flags.h"

ABSL_FLAG(std::string, server, "127.0.0.1:50051", "hotdesk-server address (HOTDESK_SERVER)");
ABSL_FLAG(std::string, tenant, "default", "tenant (HOTDESK_TENANT)");
ABSL_FLAG(bool, json, false, "print JSON, one object per line");
ABSL_FLAG(absl::Duration, timeout, absl::Seconds(10), "per-call deadline");
ABSL_FLAG(std::string, token, "", "bearer token (prefer HOTDESK_TOKEN or --token_file)");
ABSL_FLAG(std::string, token_file, "", "file holding the bearer token (HOTDESK_TOKEN_FILE)");
ABSL_FLAG(bool, tls, false, "use TLS (implied by --tls_ca, --tls_cert)");
ABSL_FLAG(std::string, tls_ca, "", "PEM CA certificate(s) to trust (default: the system's)");
ABSL_FLAG(std::string, tls_cert, "", "PEM client certificate, for servers that require mTLS");
ABSL_FLAG(std::string, tls_key, "", "PEM private key of --tls_cert");
ABSL_FLAG(std::string, tls_server_name, "",
          "name expected in the server certificate, if not the host of --server");

int main(int argc, char** argv) {
  using namespace hotdesk::cli;
  std::vector<Command> commands = AssociationCommands();
  for (auto* more : {&DeviceCommands, &GuestCommands, &SessionCommands})
    for (const auto& c : more()) commands.push_back(c);
  std::string usage =
      "hotdeskctl [--server ADDR] [--tenant T] [--json] [--token_file F | HOTDESK_TOKEN]\n"
      "           [--tls_ca CA.pem [--tls_cert C.pem --tls_key K.pem]] COMMAND ...\ncommands:\n";
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
  hotdesk::auth::ClientAuthOptions auth;
  auth.token = absl::GetFlag(FLAGS_token);
  auth.token_file = absl::GetFlag(FLAGS_token_file);
  auth.tls.ca_file = absl::GetFlag(FLAGS_tls_ca);
  auth.tls.cert_file = absl::GetFlag(FLAGS_tls_cert);
  auth.tls.key_file = absl::GetFlag(FLAGS_tls_key);
  auth.tls.server_name = absl::GetFlag(FLAGS_tls_server_name);
  auth.tls.enabled = absl::GetFlag(FLAGS_tls) || !auth.tls.ca_file.empty() ||
                     !auth.tls.cert_file.empty();
  auto channel = hotdesk::auth::MakeChannel(absl::GetFlag(FLAGS_server), auth);
  if (!channel.ok()) {
    std::fprintf(stderr, "usage error: %s\n", std::string(channel.status().message()).c_str());
    return 2;
  }
  ctx.channel = *channel;
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
