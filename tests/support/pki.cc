#include "tests/support/pki.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <sys/stat.h>
#include <unistd.h>

#include <ctime>
#include <mutex>
#include <vector>

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

// Keys are made once per build tree and shared by every test process (each ctest test is its own
// process): made in a fresh directory, then renamed into place, so that concurrent tests never
// see half a set. Certificates last two days; a set older than one is made again.
bool Usable(const std::string& dir) {
  struct stat st;
  return stat((dir + "/complete").c_str(), &st) == 0 && time(nullptr) - st.st_mtime < 86400;
}

std::string PkiDir() {
  std::string dir = HOTDESK_TEST_PKI_DIR;
  if (Usable(dir)) return dir;
  std::string tmp_tmpl = dir + ".XXXXXX";
  std::vector<char> tmpl(tmp_tmpl.begin(), tmp_tmpl.end());
  tmpl.push_back('\0');
  if (!mkdtemp(tmpl.data())) {
    ADD_FAILURE() << "cannot make a directory beside " << dir;
    return dir;
  }
  std::string fresh = tmpl.data();
  std::string out, err;
  int rc = RunCommand({"bash", "-c", std::string(kScript) + "touch complete\n", "pki", fresh},
                      &out, &err);
  if (rc != 0) {
    ADD_FAILURE() << "generating test keys with openssl failed (" << rc << "): " << err;
    return fresh;
  }
  // Another test process may have put a set in place meanwhile: use it. A stale set is moved away.
  if (Usable(dir)) {
    RunCommand({"rm", "-rf", fresh}, &out, &err);
    return dir;
  }
  std::string old = dir + ".old." + std::to_string(getpid());
  if (rename(dir.c_str(), old.c_str()) == 0) RunCommand({"rm", "-rf", old}, &out, &err);
  if (rename(fresh.c_str(), dir.c_str()) != 0) {
    if (Usable(dir)) {
      RunCommand({"rm", "-rf", fresh}, &out, &err);
      return dir;
    }
    return fresh;
  }
  return dir;
}

TestPki Generate() {
  TestPki p;
  p.dir = PkiDir();
  char scratch[] = "/tmp/hotdesk-test-scratch-XXXXXX";
  p.scratch = mkdtemp(scratch) ? scratch : "/tmp";
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
