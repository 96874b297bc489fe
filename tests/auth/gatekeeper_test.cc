// The gate: authentication from the authorization metadata value, then role, tenant and source
// by the method's rule; redaction of guests' lock state below admin.
#include "services/auth/gatekeeper.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "hotdesk/v1/associations.pb.h"
#include "hotdesk/v1/guests.pb.h"
#include "hotdesk/v1/session.pb.h"
#include "services/common/status.h"
#include "tests/support/pki.h"

namespace hotdesk::auth {
namespace {

using ::testing::HasSubstr;
using hotdesk::testing::SharedPki;

Caller Token(std::set<std::string> tenants, Role role, std::optional<v1::Source> source = {}) {
  Caller c;
  c.principal = "sub:t";
  c.tenants = std::move(tenants);
  c.all_tenants = c.tenants.count("*") > 0;
  c.role = role;
  c.source = source;
  return c;
}

v1::EstablishRequest Establish(const std::string& tenant, v1::Source source) {
  v1::EstablishRequest r;
  r.set_tenant(tenant);
  r.set_host("h");
  r.set_guest("g");
  r.set_source(source);
  return r;
}

void ExpectDenied(const absl::Status& s, const std::string& reason, const std::string& words) {
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied) << s;
  EXPECT_EQ(ErrorReason(s), reason) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr(words));
}

const MethodRule* Rule(const char* m) { return FindMethodRule(m); }

TEST(GatekeeperTest, RoleIsCheckedAndTheMessageNamesWhatIsMissing) {
  v1::GetAssociationRequest get;
  get.set_tenant("acme");
  EXPECT_TRUE(Gatekeeper::Authorize(Token({"acme"}, Role::kViewer),
                                    Rule("hotdesk.v1.Associations/GetAssociation"), get)
                  .ok());
  ExpectDenied(Gatekeeper::Authorize(Token({"acme"}, Role::kViewer),
                                     Rule("hotdesk.v1.Associations/Establish"),
                                     Establish("acme", v1::SOURCE_API)),
               "ROLE_REQUIRED", "needs role agent; the token grants viewer");
  v1::SetPinRequest pin;
  pin.set_tenant("acme");
  ExpectDenied(Gatekeeper::Authorize(Token({"acme"}, Role::kOperator), Rule("hotdesk.v1.Guests/SetPin"), pin),
               "ROLE_REQUIRED", "needs role admin");
  EXPECT_TRUE(Gatekeeper::Authorize(Token({"acme"}, Role::kAdmin), Rule("hotdesk.v1.Guests/SetPin"), pin).ok());
  ExpectDenied(Gatekeeper::Authorize(Token({"acme"}, Role::kNone),
                                     Rule("hotdesk.v1.Associations/GetAssociation"), get),
               "ROLE_REQUIRED", "grants none");
  // WhoAmI needs no role.
  EXPECT_TRUE(Gatekeeper::Authorize(Token({}, Role::kNone), Rule("hotdesk.v1.Session/WhoAmI"),
                                    v1::WhoAmIRequest())
                  .ok());
}

TEST(GatekeeperTest, TenantMustBeGranted) {
  v1::ListAssociationsRequest list;
  list.set_tenant("globex");
  ExpectDenied(Gatekeeper::Authorize(Token({"acme"}, Role::kAdmin),
                                     Rule("hotdesk.v1.Associations/ListAssociations"), list),
               "TENANT_NOT_ALLOWED", "tenant \"globex\"");
  EXPECT_TRUE(Gatekeeper::Authorize(Token({"*"}, Role::kViewer),
                                    Rule("hotdesk.v1.Associations/ListAssociations"), list)
                  .ok());
  list.set_tenant("");
  EXPECT_FALSE(Gatekeeper::Authorize(Token({"acme"}, Role::kAdmin),
                                     Rule("hotdesk.v1.Associations/ListAssociations"), list)
                   .ok());
}

TEST(GatekeeperTest, SourceIsBoundToTheToken) {
  const MethodRule* est = Rule("hotdesk.v1.Associations/Establish");
  Caller csta = Token({"acme"}, Role::kAgent, v1::SOURCE_CSTA);
  EXPECT_TRUE(Gatekeeper::Authorize(csta, est, Establish("acme", v1::SOURCE_CSTA)).ok());
  ExpectDenied(Gatekeeper::Authorize(csta, est, Establish("acme", v1::SOURCE_XSP)),
               "SOURCE_NOT_ALLOWED", "source XSP is not the token's: it may act as CSTA only");
  ExpectDenied(Gatekeeper::Authorize(csta, est, Establish("acme", v1::SOURCE_UNSPECIFIED)),
               "SOURCE_NOT_ALLOWED", "source API");
  // Without a source claim a token acts as API, even an admin's: nobody claims XSP by rank.
  Caller admin = Token({"*"}, Role::kAdmin);
  EXPECT_TRUE(Gatekeeper::Authorize(admin, est, Establish("acme", v1::SOURCE_UNSPECIFIED)).ok());
  EXPECT_TRUE(Gatekeeper::Authorize(admin, est, Establish("acme", v1::SOURCE_API)).ok());
  ExpectDenied(Gatekeeper::Authorize(admin, est, Establish("acme", v1::SOURCE_XSP)),
               "SOURCE_NOT_ALLOWED", "XSP");
  v1::CancelRequest cancel;
  cancel.set_tenant("acme");
  cancel.set_host("h");
  cancel.set_source(v1::SOURCE_XSP);
  ExpectDenied(Gatekeeper::Authorize(admin, Rule("hotdesk.v1.Associations/Cancel"), cancel),
               "SOURCE_NOT_ALLOWED", "XSP");
}

TEST(GatekeeperTest, MethodsWithoutARuleAreClosedEvenToUnrestrictedCallers) {
  Caller open;
  open.unrestricted = true;
  ExpectDenied(Gatekeeper::Authorize(open, nullptr, v1::WhoAmIRequest()), "NO_RULE", "no authorization rule");
  EXPECT_TRUE(Gatekeeper::Authorize(open, Rule("hotdesk.v1.Associations/Establish"),
                                    Establish("any", v1::SOURCE_XSP))
                  .ok());
}

TEST(GatekeeperTest, AuthenticateNeedsABearerToken) {
  const auto& pki = SharedPki();
  VerifierOptions o;
  o.key_files = {pki.jwt_public};
  auto v = TokenVerifier::Create(o);
  ASSERT_TRUE(v.ok());
  Gatekeeper gate(v->get());
  auto none = gate.Authenticate(std::nullopt, "");
  EXPECT_EQ(none.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(ErrorReason(none.status()), "TOKEN_MISSING");
  EXPECT_EQ(gate.Authenticate("Basic dXNlcjpwYXNz", "").status().code(),
            absl::StatusCode::kUnauthenticated);
  std::string token = pki.Token("acme", "viewer");
  auto ok = gate.Authenticate("bearer  " + token + " ", "");
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ((*ok)->role, Role::kViewer);

  Gatekeeper off(nullptr);
  auto anyone = off.Authenticate(std::nullopt, "ipv4:127.0.0.1:5555");
  ASSERT_TRUE(anyone.ok());
  EXPECT_TRUE((*anyone)->unrestricted);
  EXPECT_EQ((*anyone)->principal, "peer:ipv4:127.0.0.1");
  EXPECT_EQ((*off.Authenticate(std::nullopt, "ipv6:[::1]:5555"))->principal, "peer:ipv6:[::1]");
}

TEST(GatekeeperTest, LockStateIsHiddenBelowAdmin) {
  v1::ListGuestsResponse list;
  auto* g = list.add_guests();
  g->set_id("g1");
  g->set_failed_attempts(2);
  g->mutable_locked_until()->set_seconds(99);
  const MethodRule& rule = *Rule("hotdesk.v1.Guests/ListGuests");
  v1::ListGuestsResponse for_admin = list;
  Gatekeeper::Redact(Token({"acme"}, Role::kAdmin), rule, &for_admin);
  EXPECT_EQ(for_admin.guests(0).failed_attempts(), 2);
  Gatekeeper::Redact(Token({"acme"}, Role::kOperator), rule, &list);
  EXPECT_EQ(list.guests(0).failed_attempts(), 0);
  EXPECT_FALSE(list.guests(0).has_locked_until());
  EXPECT_EQ(list.guests(0).id(), "g1");
  v1::Guest one;
  one.set_failed_attempts(1);
  Gatekeeper::Redact(Token({"acme"}, Role::kOperator), *Rule("hotdesk.v1.Guests/GetGuest"), &one);
  EXPECT_EQ(one.failed_attempts(), 0);
}

}  // namespace
}  // namespace hotdesk::auth
