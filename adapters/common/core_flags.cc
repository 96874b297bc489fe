#include "adapters/common/core_flags.h"

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

ABSL_FLAG(std::string, core_token_file, "",
          "file holding this adapter's bearer token for hotdesk-server (re-read when it changes, "
          "so a rotated Secret is used without a restart)");
ABSL_FLAG(std::string, core_token, "",
          "this adapter's bearer token for hotdesk-server (prefer HOTDESK_CORE_TOKEN or "
          "--core_token_file: a command line is visible to every user of the machine)");
ABSL_FLAG(bool, core_tls, false,
          "TLS to hotdesk-server, trusting the system's CAs (implied by --core_tls_ca, "
          "--core_tls_cert)");
ABSL_FLAG(std::string, core_tls_ca, "", "PEM CA certificate(s) of hotdesk-server's certificate");
ABSL_FLAG(std::string, core_tls_cert, "",
          "PEM client certificate, for a hotdesk-server that requires mTLS (with --core_tls_key)");
ABSL_FLAG(std::string, core_tls_key, "", "PEM private key of --core_tls_cert");
ABSL_FLAG(std::string, core_tls_server_name, "",
          "name expected in hotdesk-server's certificate, if not the host of --server");

namespace hotdesk::adapters {

absl::StatusOr<auth::ClientAuthOptions> CoreAuthFromFlags() {
  auth::ClientAuthOptions o;
  o.token = absl::GetFlag(FLAGS_core_token);
  o.token_file = absl::GetFlag(FLAGS_core_token_file);
  if (!o.token.empty() && !o.token_file.empty())
    return absl::InvalidArgumentError(
        "--core_token and --core_token_file (or HOTDESK_CORE_TOKEN*): give only one");
  o.tls.ca_file = absl::GetFlag(FLAGS_core_tls_ca);
  o.tls.cert_file = absl::GetFlag(FLAGS_core_tls_cert);
  o.tls.key_file = absl::GetFlag(FLAGS_core_tls_key);
  o.tls.server_name = absl::GetFlag(FLAGS_core_tls_server_name);
  o.tls.enabled =
      absl::GetFlag(FLAGS_core_tls) || !o.tls.ca_file.empty() || !o.tls.cert_file.empty();
  if (!o.tls.enabled && (!o.tls.key_file.empty() || !o.tls.server_name.empty()))
    return absl::InvalidArgumentError(
        "--core_tls_key/--core_tls_server_name: only with TLS (--core_tls, --core_tls_ca or "
        "--core_tls_cert)");
  // services/auth checks the files and names its own flags (hotdeskctl's --tls_cert,
  // --token_file); the same checks here, said with this program's flag names.
  auto rename = [](const absl::Status& s) {
    return absl::InvalidArgumentError(absl::StrReplaceAll(
        s.message(), {{"--tls_", "--core_tls_"}, {"--token_file", "--core_token_file"}}));
  };
  if (auto creds = auth::MakeChannelCredentials(o.tls); !creds.ok()) return rename(creds.status());
  if (auto source = auth::TokenSource::Create(o.token, o.token_file); !source.ok())
    return rename(source.status());
  return o;
}

bool CoreTokenFlagsGiven() {
  return !absl::GetFlag(FLAGS_core_token).empty() || !absl::GetFlag(FLAGS_core_token_file).empty();
}

}  // namespace hotdesk::adapters
