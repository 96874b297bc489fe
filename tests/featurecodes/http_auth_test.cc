// The PBX-facing API of the real hotdesk-featurecodes binary, over real HTTP (and gRPC): the PBX
// authenticates (HTTP Basic against a credentials file of Argon2 hashes, or a bearer JWT checked
// like hotdesk-server checks it), the tenant comes from the credential, state changes only by
// POST, bodies are capped and slow clients cut off. The adapter itself reaches a hotdesk-server
// that checks tokens (TLS, --auth_keys) with its own token file (role operator, source
// FEATURE_CODE), so a login lands with source FEATURE_CODE.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include <google/protobuf/util/json_util.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "hotdesk/v1/associations.grpc.pb.h"
#include "hotdesk/v1/devices.grpc.pb.h"
#include "hotdesk/v1/featurecodes.grpc.pb.h"
#include "hotdesk/v1/guests.grpc.pb.h"
#include "tests/support/pki.h"
#include "tests/support/processes.h"

namespace hotdesk {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::ChildProcess;
using testing::HotdeskServerProcess;
using testing::RedisServer;
using testing::RunCommand;
using testing::SharedPki;
using testing::TestPki;

constexpr char kPin[] = "73915";
constexpr char kMac[] = "0015657a1b2c";
constexpr char kAcmeSecret[] = "acme pbx secret";
constexpr char kBetaSecret[] = "beta pbx secret";
constexpr char kPhoneSecret[] = "desk one";
constexpr char kOtherPhoneSecret[] = "desk two";

std::unique_ptr<grpc::ClientContext> Ctx() {
  auto c = std::make_unique<grpc::ClientContext>();
  c->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  return c;
}

// The Argon2 hash of `secret`, as an operator makes it: echo secret | hotdesk-featurecodes
// --hash_secret.
std::string HashSecret(const std::string& secret) {
  std::string out, err;
  int rc = RunCommand({"/bin/sh", "-c",
                       absl::StrCat("printf '%s\\n' '", secret, "' | ", FEATURECODES_BIN,
                                    " --hash_secret")},
                      &out, &err);
  EXPECT_EQ(rc, 0) << err;
  return std::string(absl::StripAsciiWhitespace(out));
}

class FeatureCodesHttpAuth : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(redis_.Start());
    ASSERT_TRUE(server_.StartSecure(redis_.addr(), pki_, false, {"--pin_hash_cost=min"}));
    auto admin = server_.SecureChannel(pki_.Token("*", "admin"));
    v1::CreateDeviceRequest dev;
    dev.set_tenant("acme");
    dev.mutable_device()->set_mac(kMac);
    dev.mutable_device()->set_hotdesk_extension("HD0001");
    v1::Device d;
    grpc::Status st = v1::Devices::NewStub(admin)->CreateDevice(Ctx().get(), dev, &d);
    ASSERT_TRUE(st.ok()) << st.error_message();
    v1::CreateGuestRequest guest;
    guest.set_tenant("acme");
    guest.mutable_guest()->set_id("101");
    guest.mutable_guest()->set_hotdesking_enabled(true);
    guest.set_pin(kPin);
    v1::Guest g;
    st = v1::Guests::NewStub(admin)->CreateGuest(Ctx().get(), guest, &g);
    ASSERT_TRUE(st.ok()) << st.error_message();
    assoc_ = v1::Associations::NewStub(server_.SecureChannel(pki_.Token("*", "viewer")));

    std::string dir = absl::StrCat(pki_.scratch, "/fc_http_auth_", ::getpid());
    ::mkdir(dir.c_str(), 0700);
    credentials_ = dir + "/pbx.credentials";
    std::ofstream(credentials_) << "# PBX accounts\n"
                                << "pbx-acme acme " << HashSecret(kAcmeSecret) << "\n"
                                << "pbx-beta beta " << HashSecret(kBetaSecret) << "\n";
    phones_ = dir + "/phones.credentials";
    std::ofstream(phones_) << "00-15-65-7A-1B-2C acme " << HashSecret(kPhoneSecret) << "\n"
                           << "0015.657a.1b2d acme " << HashSecret(kOtherPhoneSecret) << "\n";
    core_token_ = dir + "/core.token";
    std::ofstream(core_token_) << pki_.Token("acme", "operator", "FEATURE_CODE") << "\n";
  }
  void TearDown() override {
    if (fc_.Running()) {
      EXPECT_EQ(fc_.Stop(), 0);
    }
    server_.Stop();
  }

  void StartAdapter(std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {FEATURECODES_BIN,
                                     "--server=" + server_.addr(),
                                     "--core_token_file=" + core_token_,
                                     "--core_tls_ca=" + pki_.ca_cert,
                                     "--tenant=acme",
                                     "--listen=127.0.0.1:0",
                                     "--http_listen=127.0.0.1:0",
                                     "--metrics_listen=",
                                     "--pbx_credentials_file=" + credentials_,
                                     "--pbx_auth_keys=" + pki_.jwt_public,
                                     "--http_max_body_bytes=1024",
                                     "--http_read_timeout=1s",
                                     "--provisioning_credentials_file=" + phones_,
                                     "--provisioning_allow_networks=127.0.0.2/32"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    ASSERT_TRUE(fc_.Start(argv));
    std::string line = fc_.WaitForLine("http listening on port", absl::Seconds(20));
    ASSERT_FALSE(line.empty()) << fc_.Stderr();
    port_ = std::atoi(line.substr(line.rfind(' ') + 1).c_str());
    std::string grpc_line = fc_.WaitForLine("listening on port", absl::Seconds(1));
    grpc_port_ = std::atoi(grpc_line.substr(grpc_line.rfind(' ') + 1).c_str());
    // It follows the tenant's events with its own token.
    EXPECT_THAT(fc_.Stderr(), HasSubstr("following association events"));
  }

  std::unique_ptr<httplib::Client> Client(const std::string& user = "",
                                          const std::string& secret = "") {
    auto c = std::make_unique<httplib::Client>("127.0.0.1", port_);
    c->set_read_timeout(10, 0);
    if (!user.empty()) c->set_basic_auth(user.c_str(), secret.c_str());
    return c;
  }

  // POSTs a dial with a JSON body; the response.
  httplib::Result Dial(httplib::Client& c, const std::string& digits,
                       const std::string& tenant = "") {
    std::string body = absl::StrCat("{\"device\":\"HD0001\",\"digits\":\"", digits, "\"",
                                    tenant.empty() ? "" : ",\"tenant\":\"" + tenant + "\"", "}");
    return c.Post("/v1/dial", body, "application/json");
  }
  httplib::Result Pin(httplib::Client& c, const std::string& session, const std::string& pin) {
    return c.Post("/v1/pin", absl::StrCat("session_id=", session, "&pin=", pin),
                  "application/x-www-form-urlencoded");
  }
  std::string SessionOf(const httplib::Result& res) {
    v1::DialResponse d;
    if (!res || res->status != 200) return "";
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(res->body, &d).ok()) << res->body;
    EXPECT_EQ(d.action(), v1::DialResponse::PROMPT_PIN) << res->body;
    return d.session_id();
  }
  // The association at HD0001 ("" when none) and its source.
  std::string GuestAtDesk(v1::Source* source = nullptr) {
    v1::GetAssociationRequest req;
    req.set_tenant("acme");
    req.set_host("HD0001");
    v1::Association a;
    if (!assoc_->GetAssociation(Ctx().get(), req, &a).ok()) return "";
    if (source) *source = a.source();
    return a.guest();
  }
  void LogIn(httplib::Client& c) {
    std::string session = SessionOf(Dial(c, "*77*101*"));
    ASSERT_FALSE(session.empty());
    auto res = Pin(c, session, kPin);
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200) << res->body;
    ASSERT_THAT(res->body, HasSubstr("LOGGED_IN"));
  }

  const TestPki& pki_ = SharedPki();
  RedisServer redis_;
  HotdeskServerProcess server_;
  std::unique_ptr<v1::Associations::Stub> assoc_;
  ChildProcess fc_;
  int port_ = 0;
  int grpc_port_ = 0;
  std::string credentials_, phones_, core_token_;
};

TEST_F(FeatureCodesHttpAuth, BasicCredentialsLogInAsFeatureCode) {
  StartAdapter();
  auto pbx = Client("pbx-acme", kAcmeSecret);
  LogIn(*pbx);
  v1::Source source = v1::SOURCE_UNSPECIFIED;
  EXPECT_EQ(GuestAtDesk(&source), "101");
  EXPECT_EQ(source, v1::SOURCE_FEATURE_CODE);
  // Neither the PBX's secret nor the adapter's token reach the log.
  EXPECT_EQ(fc_.Stderr().find(kAcmeSecret), std::string::npos);
  EXPECT_EQ(fc_.Stderr().find(kPin), std::string::npos);
}

TEST_F(FeatureCodesHttpAuth, WithoutCredentialsTheApiAnswers401AndChangesNothing) {
  StartAdapter();
  auto anonymous = Client();
  auto res = Dial(*anonymous, "*77*101*");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401) << res->body;
  EXPECT_THAT(res->get_header_value("WWW-Authenticate"), HasSubstr("Basic"));
  EXPECT_THAT(res->get_header_value("WWW-Authenticate"), HasSubstr("Bearer"));

  auto wrong = Client("pbx-acme", "not the secret");
  res = Dial(*wrong, "*77*101*");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401) << res->body;
  auto unknown = Client("nobody", kAcmeSecret);
  res = Dial(*unknown, "*77*101*");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401) << res->body;

  auto forged = Client();
  auth::TokenClaims claims;
  claims.subject = "pbx";
  claims.tenants = {"acme"};
  claims.role = "agent";
  forged->set_bearer_token_auth(pki_.Token(claims, pki_.forger_private));
  res = Dial(*forged, "*77*101*");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401) << res->body;
  EXPECT_EQ(GuestAtDesk(), "");
}

TEST_F(FeatureCodesHttpAuth, BearerTokensNeedRoleAgentAndTheirTenant) {
  StartAdapter();
  auto viewer = Client();
  viewer->set_bearer_token_auth(pki_.Token("acme", "viewer"));
  auto res = Dial(*viewer, "*77*101*");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 403) << res->body;
  EXPECT_THAT(res->body, HasSubstr("agent"));

  auto beta = Client();
  beta->set_bearer_token_auth(pki_.Token("beta", "agent"));
  res = Dial(*beta, "*77*101*", "acme");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 403) << res->body;
  EXPECT_THAT(res->body, HasSubstr("\\\"acme\\\""));
  EXPECT_EQ(GuestAtDesk(), "");

  auto agent = Client();
  agent->set_bearer_token_auth(pki_.Token("acme", "agent"));
  LogIn(*agent);
  EXPECT_EQ(GuestAtDesk(), "101");
}

TEST_F(FeatureCodesHttpAuth, TheTenantComesFromTheCredential) {
  StartAdapter();
  // pbx-beta names tenant acme: refused, naming it.
  auto beta = Client("pbx-beta", kBetaSecret);
  auto res = Dial(*beta, "*77*101*", "acme");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 403) << res->body;
  EXPECT_THAT(res->body, HasSubstr("\\\"acme\\\""));
  // Without a tenant it acts in its own (beta), which this adapter's core token does not even
  // grant.
  res = Dial(*beta, "*77*101*");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
  EXPECT_THAT(res->body, HasSubstr("REJECT"));
  EXPECT_THAT(res->body, HasSubstr("beta"));

  // A session opened by acme's PBX cannot be completed with beta's credential; it stays usable.
  auto acme = Client("pbx-acme", kAcmeSecret);
  std::string session = SessionOf(Dial(*acme, "*77*101*"));
  ASSERT_FALSE(session.empty());
  res = Pin(*beta, session, kPin);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 403) << res->body;
  EXPECT_EQ(GuestAtDesk(), "");
  res = Pin(*acme, session, kPin);
  ASSERT_TRUE(res);
  EXPECT_THAT(res->body, HasSubstr("LOGGED_IN"));
  EXPECT_EQ(GuestAtDesk(), "101");
}

TEST_F(FeatureCodesHttpAuth, TheGrpcApiAuthenticatesTheSameWay) {
  StartAdapter();
  auto stub = v1::FeatureCodes::NewStub(grpc::CreateChannel(
      "127.0.0.1:" + std::to_string(grpc_port_), grpc::InsecureChannelCredentials()));
  v1::DialRequest req;
  req.set_device("HD0001");
  req.set_digits("*77*101*");
  v1::DialResponse resp;
  EXPECT_EQ(stub->Dial(Ctx().get(), req, &resp).error_code(), grpc::StatusCode::UNAUTHENTICATED);

  auto as = [&](const std::string& authorization) {
    auto ctx = Ctx();
    ctx->AddMetadata("authorization", authorization);
    return ctx;
  };
  std::string basic_beta =
      "Basic " + absl::Base64Escape(absl::StrCat("pbx-beta:", kBetaSecret));
  req.set_tenant("acme");
  grpc::Status st = stub->Dial(as(basic_beta).get(), req, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(st.error_message(), HasSubstr("\"acme\""));

  std::string bearer = "Bearer " + pki_.Token("acme", "agent");
  ASSERT_TRUE(stub->Dial(as(bearer).get(), req, &resp).ok());
  ASSERT_EQ(resp.action(), v1::DialResponse::PROMPT_PIN) << resp.ShortDebugString();
  v1::SubmitPinRequest pin;
  pin.set_session_id(resp.session_id());
  pin.set_pin(kPin);
  v1::SubmitPinResponse done;
  st = stub->SubmitPin(as(basic_beta).get(), pin, &done);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(GuestAtDesk(), "");
  ASSERT_TRUE(stub->SubmitPin(as(bearer).get(), pin, &done).ok());
  EXPECT_EQ(done.result(), v1::SubmitPinResponse::LOGGED_IN);
  EXPECT_EQ(GuestAtDesk(), "101");
}

TEST_F(FeatureCodesHttpAuth, StateChangesOnlyByPost) {
  StartAdapter();
  auto pbx = Client("pbx-acme", kAcmeSecret);
  LogIn(*pbx);
  // A link or an image tag with the logout code: 405, and the desk stays logged in.
  auto res = pbx->Get("/v1/dial?device=HD0001&digits=*77*5*");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 405) << res->body;
  EXPECT_EQ(res->get_header_value("Allow"), "POST");
  res = pbx->Delete("/v1/dial?device=HD0001&digits=*77*5*");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 405);
  res = pbx->Get("/v1/pin?session_id=x&pin=1");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 405);
  EXPECT_EQ(res->get_header_value("Allow"), "POST");
  res = pbx->Put("/v1/pin", "session_id=x&pin=1", "application/x-www-form-urlencoded");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 405);
  EXPECT_EQ(GuestAtDesk(), "101");
  // The same by POST logs out.
  res = Dial(*pbx, "*77*5*");
  ASSERT_TRUE(res);
  EXPECT_THAT(res->body, HasSubstr("LOGGED_OUT"));
  EXPECT_EQ(GuestAtDesk(), "");
}

TEST_F(FeatureCodesHttpAuth, LargeBodiesAre413) {
  StartAdapter();
  auto pbx = Client("pbx-acme", kAcmeSecret);
  std::string body = absl::StrCat("{\"device\":\"HD0001\",\"digits\":\"*77*101*\",\"x\":\"",
                                  std::string(2000, 'a'), "\"}");
  auto res = pbx->Post("/v1/dial", body, "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 413);
}

TEST_F(FeatureCodesHttpAuth, ASlowClientIsCutOff) {
  StartAdapter();
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port_));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  std::string partial = "POST /v1/dial HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"dev";
  ASSERT_EQ(::send(fd, partial.data(), partial.size(), 0), static_cast<ssize_t>(partial.size()));
  // The rest never comes: the server gives up after --http_read_timeout (1s) and closes.
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  absl::Time start = absl::Now();
  char buf[512];
  ssize_t n;
  std::string got;
  while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) got.append(buf, static_cast<size_t>(n));
  EXPECT_EQ(n, 0) << "the connection was not closed";
  EXPECT_THAT(got, ::testing::Not(HasSubstr("200 OK")));
  EXPECT_LT(absl::Now() - start, absl::Seconds(4));
  ::close(fd);
  EXPECT_EQ(GuestAtDesk(), "");
}

// A plain HTTP/1.0 GET from `source` (a loopback address); the whole response.
std::string GetFrom(const std::string& source, int port, const std::string& path) {
  int fd = testing::ConnectFrom(source, port);
  if (fd < 0) return "";
  std::string req = "GET " + path + " HTTP/1.0\r\nHost: x\r\n\r\n";
  (void)::send(fd, req.data(), req.size(), MSG_NOSIGNAL);
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) out.append(buf, static_cast<size_t>(n));
  ::close(fd);
  return out;
}

TEST_F(FeatureCodesHttpAuth, ProvisioningNeedsThePhonesCredentialsOrAnAllowedNetwork) {
  StartAdapter();
  const std::string path = "/provisioning/00:15:65:7a:1b:2c.cfg";
  auto anonymous = Client();
  auto res = anonymous->Get(path);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401);
  EXPECT_THAT(res->get_header_value("WWW-Authenticate"), HasSubstr("Basic"));
  EXPECT_THAT(res->body, Not(HasSubstr("HD0001")));
  // An unknown device is no different to a stranger.
  res = anonymous->Get("/provisioning/0015657a9999.cfg");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401);

  res = Client("0015657a1b2c", "wrong")->Get(path);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401);
  // The other phone's own credentials do not open this phone's profile.
  res = Client("0015657a1b2d", kOtherPhoneSecret)->Get(path);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 403) << res->body;
  // The PBX's credentials are not a phone's.
  res = Client("pbx-acme", kAcmeSecret)->Get(path);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401);

  // The phone itself, in any MAC spelling.
  res = Client("00-15-65-7A-1B-2C", kPhoneSecret)->Get(path);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
  EXPECT_THAT(res->body, HasSubstr("HD0001"));

  // From the allowed network no credentials are needed.
  std::string raw = GetFrom("127.0.0.2", port_, path);
  EXPECT_THAT(raw, HasSubstr(" 200 "));
  EXPECT_THAT(raw, HasSubstr("HD0001"));
  raw = GetFrom("127.0.0.3", port_, path);
  EXPECT_THAT(raw, HasSubstr(" 401 "));
  EXPECT_EQ(fc_.Stderr().find(kPhoneSecret), std::string::npos);
}

TEST_F(FeatureCodesHttpAuth, StartRefusedWithoutAnAuthenticationChoice) {
  std::string out, err;
  int rc = RunCommand({FEATURECODES_BIN, "--server=" + server_.addr(), "--listen=127.0.0.1:0",
                       "--http_listen=127.0.0.1:0", "--metrics_listen="},
                      &out, &err);
  EXPECT_EQ(rc, 2);
  EXPECT_THAT(err, HasSubstr("--insecure_pbx_no_auth"));
  rc = RunCommand({FEATURECODES_BIN, "--server=" + server_.addr(), "--listen=127.0.0.1:0",
                   "--http_listen=127.0.0.1:0", "--metrics_listen=",
                   "--pbx_credentials_file=/nonexistent/pbx"},
                  &out, &err);
  EXPECT_EQ(rc, 2);
  EXPECT_THAT(err, HasSubstr("--pbx_credentials_file: cannot read /nonexistent/pbx"));
  rc = RunCommand({FEATURECODES_BIN, "--server=" + server_.addr(), "--listen=127.0.0.1:0",
                   "--http_listen=127.0.0.1:0", "--metrics_listen=", "--insecure_pbx_no_auth"},
                  &out, &err);
  EXPECT_EQ(rc, 2);
  EXPECT_THAT(err, HasSubstr("--insecure_provisioning_open"));
  rc = RunCommand({FEATURECODES_BIN, "--server=" + server_.addr(), "--listen=127.0.0.1:0",
                   "--http_listen=127.0.0.1:0", "--metrics_listen=", "--insecure_pbx_no_auth",
                   "--provisioning_allow_networks=10.0.0.1/8"},
                  &out, &err);
  EXPECT_EQ(rc, 2);
  EXPECT_THAT(err, HasSubstr("--provisioning_allow_networks: \"10.0.0.1/8\""));
}

}  // namespace
}  // namespace hotdesk
