// Keys and certificates for tests, made once per test binary with the openssl command in a
// temporary directory: a CA with a server certificate (localhost, 127.0.0.1) and a client
// certificate, a second CA the server does not trust with its own client certificate, and JWT
// signing keys (RSA and P-256) plus one the server does not know, for forged tokens.
#pragma once

#include <string>

#include "services/auth/token_minter.h"

namespace hotdesk::testing {

struct TestPki {
  std::string dir;      // the keys and certificates (shared by the build's test processes)
  std::string scratch;  // this process's own directory for files a test writes
  std::string ca_cert, server_cert, server_key, client_cert, client_key;
  std::string other_ca_cert, other_client_cert, other_client_key;
  std::string jwt_private, jwt_public;        // RSA 2048: RS256
  std::string jwt_ec_private, jwt_ec_public;  // P-256: ES256
  std::string forger_private;                 // a key nobody trusts

  // A token signed with jwt_private (or `key_file`); aborts the test on failure.
  std::string Token(const auth::TokenClaims& claims, const std::string& key_file = "") const;
  // Shorthand: a token for `tenant` ("*" for all) with `role`, valid for an hour.
  std::string Token(const std::string& tenant, const std::string& role,
                    const std::string& source = "") const;
};

// The binary's PKI, generated on first use.
const TestPki& SharedPki();

}  // namespace hotdesk::testing
