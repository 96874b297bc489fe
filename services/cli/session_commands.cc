// hotdeskctl token | whoami: mint a development token from a local private key; ask the server
// who it takes the caller for.
#include <iostream>

#include "absl/flags/flag.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "hotdesk/v1/session.grpc.pb.h"
#include "services/auth/token_minter.h"
#include "services/cli/cli.h"

ABSL_FLAG(std::string, signing_key, "",
          "token: PEM private key (RSA or EC P-256/384/521) to sign with (HOTDESK_SIGNING_KEY)");
ABSL_FLAG(std::string, role, "viewer", "token: viewer | agent | operator | admin");
ABSL_FLAG(std::vector<std::string>, tenants, {},
          "token: tenants the token grants, comma-separated, or * for all (default: --tenant)");
ABSL_FLAG(std::string, subject, "hotdeskctl", "token: subject (sub)");
ABSL_FLAG(std::string, token_source, "",
          "token: the source of changes it may claim: csta | xsp | feature_code (adapters)");
ABSL_FLAG(absl::Duration, ttl, absl::Hours(1), "token: lifetime");
ABSL_FLAG(std::string, audience, "", "token: audience (aud)");
ABSL_FLAG(std::string, issuer, "", "token: issuer (iss)");
ABSL_FLAG(std::string, kid, "", "token: key id header (kid), for JWKS with several keys");

namespace hotdesk::cli {
namespace {

int Token(const Context& ctx, const std::vector<std::string>& args) {
  if (!args.empty()) return Usage("token takes flags only");
  if (absl::GetFlag(FLAGS_signing_key).empty()) return Usage("token: --signing_key is required");
  if (absl::GetFlag(FLAGS_ttl) <= absl::ZeroDuration()) return Usage("--ttl must be positive");
  auth::TokenClaims c;
  c.subject = absl::GetFlag(FLAGS_subject);
  c.role = absl::GetFlag(FLAGS_role);
  c.tenants = absl::GetFlag(FLAGS_tenants);
  if (c.tenants.empty()) c.tenants = {ctx.tenant};
  c.source = absl::GetFlag(FLAGS_token_source);
  c.ttl = absl::GetFlag(FLAGS_ttl);
  c.audience = absl::GetFlag(FLAGS_audience);
  c.issuer = absl::GetFlag(FLAGS_issuer);
  c.kid = absl::GetFlag(FLAGS_kid);
  auto token = auth::MintTokenFromFile(absl::GetFlag(FLAGS_signing_key), c);
  if (!token.ok()) {
    std::cerr << "error: " << token.status().message() << std::endl;
    return 1;
  }
  std::cout << *token << std::endl;
  return 0;
}

int WhoAmI(const Context& ctx, const std::vector<std::string>& args) {
  if (!args.empty()) return Usage("whoami takes no arguments");
  auto call = ctx.Call();
  v1::WhoAmIResponse resp;
  grpc::Status st = v1::Session::NewStub(ctx.channel)->WhoAmI(call.get(), v1::WhoAmIRequest(), &resp);
  if (!st.ok()) return Fail(st);
  if (ctx.json) {
    PrintJson(resp);
    return 0;
  }
  if (resp.authentication_disabled()) {
    std::cout << "authentication is OFF on this server: everyone may do everything" << std::endl;
    return 0;
  }
  std::cout << "subject=" << resp.subject() << " role=" << resp.role()
            << " tenants=" << (resp.all_tenants() ? "*" : absl::StrJoin(resp.tenants(), ","))
            << " source=" << resp.source()
            << " expires=" << FormatTime(resp.expire_time().seconds()) << std::endl;
  return 0;
}

}  // namespace

std::vector<Command> SessionCommands() {
  return {
      {"token",
       "token --signing_key KEY.pem [--role R] [--tenants a,b|*] [--token_source csta] [--ttl 1h]"
       "   mint a token (development)",
       &Token},
      {"whoami", "whoami                                             the caller, as the server "
                 "verified it",
       &WhoAmI},
  };
}

}  // namespace hotdesk::cli
