#include "tests/support/pki.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <mutex>

#include "tests/support/processes.h"

namespace hotdesk::testing {
namespace {

// One script, so that a missing openssl fails once with its own message.
constexpr char kScript[] = R"(set -e
cd "$1"
ec() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
ca() {  # name
  ec $1.key
  openssl req -x509 -new -key $1.key -out $1.crt -days 2 -subj "/CN=hotdesk test $1" \
    -addext basicConstraints=critical,CA:true -addext keyUsage=critical,keyCertSign,cRLSign
}
leaf() {  # name ca san usage
  ec $1.key
  openssl req -new -key $1.key -out $1.csr -subj "/CN=$1"
  printf 'subjectAltName=%s\nextendedKeyUsage=%s\nbasicConstraints=CA:false\n' "$3" "$4" > $1.ext
  openssl x509 -req -in $1.csr -CA $2.crt -CAkey $2.key -CAcreateserial -out $1.crt -days 2 \
    -extfile $1.ext 2>/dev/null
}
ca ca
leaf server ca "DNS:localhost,IP:127.0.0.1" serverAuth
leaf client ca "DNS:client" clientAuth
ca otherca
leaf otherclient otherca "DNS:client" clientAuth
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out jwt.key 2>/dev/null
openssl pkey -in jwt.key -pubout -out jwt.pub
ec jwt-ec.key
openssl pkey -in jwt-ec.key -pubout -out jwt-ec.pub
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out forger.key 2>/dev/null
chmod 600 *.key
)";

TestPki Generate() {
  char tmpl[] = "/tmp/hotdesk-pki-XXXXXX";
  TestPki p;
  p.dir = mkdtemp(tmpl);
  std::string out, err;
  int rc = RunCommand({"bash", "-c", kScript, "pki", p.dir}, &out, &err);
  if (rc != 0) {
    ADD_FAILURE() << "generating test keys with openssl failed (" << rc << "): " << err;
  }
  auto f = [&](const char* name) { return p.dir + "/" + name; };
  p.ca_cert = f("ca.crt");
  p.server_cert = f("server.crt");
  p.server_key = f("server.key");
  p.client_cert = f("client.crt");
  p.client_key = f("client.key");
  p.other_ca_cert = f("otherca.crt");
  p.other_client_cert = f("otherclient.crt");
  p.other_client_key = f("otherclient.key");
  p.jwt_private = f("jwt.key");
  p.jwt_public = f("jwt.pub");
  p.jwt_ec_private = f("jwt-ec.key");
  p.jwt_ec_public = f("jwt-ec.pub");
  p.forger_private = f("forger.key");
  return p;
}

}  // namespace

const TestPki& SharedPki() {
  static std::once_flag once;
  static TestPki* pki = nullptr;
  std::call_once(once, [] { pki = new TestPki(Generate()); });
  return *pki;
}

std::string TestPki::Token(const auth::TokenClaims& claims, const std::string& key_file) const {
  auto token = auth::MintTokenFromFile(key_file.empty() ? jwt_private : key_file, claims);
  if (!token.ok()) {
    ADD_FAILURE() << "minting a test token: " << token.status();
    return "";
  }
  return *token;
}

std::string TestPki::Token(const std::string& tenant, const std::string& role,
                           const std::string& source) const {
  auth::TokenClaims c;
  c.subject = "test-" + role;
  c.tenants = {tenant};
  c.role = role;
  c.source = source;
  return Token(c);
}

}  // namespace hotdesk::testing
