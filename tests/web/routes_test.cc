// The HTTP mapping as pure functions: route matching, request building through protobuf's JSON
// mapping, error bodies and codes, sealed session cookies, token display.
#include <google/protobuf/descriptor.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <set>

#include "absl/strings/str_cat.h"
#include "adapters/web/http_status.h"
#include "adapters/web/identity.h"
#include "adapters/web/json_mapping.h"
#include "adapters/web/routes.h"
#include "adapters/web/rpc_gateway.h"
#include "adapters/web/session_cookie.h"
#include "absl/strings/escaping.h"
#include "google/rpc/error_details.pb.h"
#include "hotdesk/v1/associations.pb.h"
#include "hotdesk/v1/devices.pb.h"
#include "hotdesk/v1/guests.pb.h"
#include "services/common/status.h"

namespace hotdesk::web {
namespace {

std::string Var(const RouteMatch& m, const std::string& name) {
  for (const auto& [k, v] : m.vars)
    if (k == name) return v;
  return "<none>";
}

TEST(RoutesTest, EveryRouteNamesAnExistingRpcAndEveryRpcHasARoute) {
  LinkApiDescriptors();
  const auto* pool = google::protobuf::DescriptorPool::generated_pool();
  std::set<std::string> routed;
  for (const auto& r : Routes()) {
    if (std::string(r.rpc).empty()) continue;
    EXPECT_NE(pool->FindMethodByName(r.rpc), nullptr) << r.rpc;
    routed.insert(r.rpc);
  }
  for (const char* service : {"hotdesk.v1.Associations", "hotdesk.v1.Devices", "hotdesk.v1.Guests"}) {
    const auto* s = pool->FindServiceByName(service);
    ASSERT_NE(s, nullptr) << service;
    for (int i = 0; i < s->method_count(); ++i)
      EXPECT_TRUE(routed.count(s->method(i)->full_name())) << "no HTTP route for "
                                                          << s->method(i)->full_name();
  }
}

TEST(RoutesTest, MatchesPathsVerbsAndMethods) {
  auto m = MatchRoute("POST", "/v1/tenants/acme/associations:establish");
  ASSERT_NE(m.route, nullptr);
  EXPECT_STREQ(m.route->rpc, "hotdesk.v1.Associations.Establish");
  EXPECT_EQ(Var(m, "tenant"), "acme");

  m = MatchRoute("GET", "/v1/tenants/acme/associations/HD0001");
  ASSERT_NE(m.route, nullptr);
  EXPECT_STREQ(m.route->rpc, "hotdesk.v1.Associations.GetAssociation");
  EXPECT_EQ(Var(m, "host"), "HD0001");

  m = MatchRoute("POST", "/v1/tenants/acme/devices/0015657a1b2c:forceLogout");
  ASSERT_NE(m.route, nullptr);
  EXPECT_STREQ(m.route->rpc, "hotdesk.v1.Devices.ForceLogoutDevice");
  EXPECT_EQ(Var(m, "mac"), "0015657a1b2c");

  m = MatchRoute("PATCH", "/v1/tenants/acme/devices/0015657a1b2c");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(Var(m, "device.mac"), "0015657a1b2c");
}

TEST(RoutesTest, EncodedSlashAndColonStayInsideTheId) {
  auto m = MatchRoute("POST", "/v1/tenants/acme/associations/sip%3A7002%2Fa:cancel");
  ASSERT_NE(m.route, nullptr);
  EXPECT_STREQ(m.route->rpc, "hotdesk.v1.Associations.Cancel");
  EXPECT_EQ(Var(m, "host"), "sip:7002/a");
  m = MatchRoute("GET", "/v1/tenants/acme/associations/sip%3A7002");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(Var(m, "host"), "sip:7002");
}

TEST(RoutesTest, WrongMethodListsTheAllowedOnesAndUnknownPathsMatchNothing) {
  auto m = MatchRoute("PUT", "/v1/tenants/acme/devices/0015657a1b2c");
  EXPECT_EQ(m.route, nullptr);
  EXPECT_EQ(std::set<std::string>(m.allowed.begin(), m.allowed.end()),
            (std::set<std::string>{"GET", "PATCH", "DELETE"}));
  m = MatchRoute("GET", "/v1/tenants/acme/nothing");
  EXPECT_EQ(m.route, nullptr);
  EXPECT_TRUE(m.allowed.empty());
  EXPECT_EQ(MatchRoute("GET", "/v1/tenants//associations").route, nullptr);
  EXPECT_EQ(MatchRoute("GET", "/v1/tenants/a%zz/associations").route, nullptr);
  EXPECT_EQ(MatchRoute("GET", "/v1/tenants/a%2/associations").route, nullptr);
}

TEST(BuildRequestTest, BodyThenQueryThenPathWhichWins) {
  v1::CancelRequest req;
  HttpParts p;
  p.path_vars = {{"tenant", "acme"}, {"host", "HD0001"}};
  p.body_field = "*";
  p.body = R"({"host":"other","reason":"CANCEL_REASON_FORCED","requestId":"r1"})";
  ASSERT_TRUE(BuildRequest(p, &req).ok());
  EXPECT_EQ(req.tenant(), "acme");
  EXPECT_EQ(req.host(), "HD0001");
  EXPECT_EQ(req.reason(), v1::CANCEL_REASON_FORCED);
  EXPECT_EQ(req.request_id(), "r1");
}

TEST(BuildRequestTest, QueryParametersAreTypedByTheField) {
  v1::ListAssociationsRequest list;
  HttpParts p;
  p.path_vars = {{"tenant", "acme"}};
  p.query = {{"pageSize", "50"}, {"page_token", "abc"}};
  ASSERT_TRUE(BuildRequest(p, &list).ok());
  EXPECT_EQ(list.page_size(), 50);
  EXPECT_EQ(list.page_token(), "abc");

  v1::WatchEventsRequest watch;
  HttpParts w;
  w.query = {{"includeSnapshot", "true"}, {"host", "HD0001"}};
  ASSERT_TRUE(BuildRequest(w, &watch).ok());
  EXPECT_TRUE(watch.include_snapshot());
  EXPECT_EQ(watch.host(), "HD0001");

  v1::UpdateDeviceRequest update;
  HttpParts u;
  u.path_vars = {{"tenant", "acme"}, {"device.mac", "0015657a1b2c"}};
  u.body_field = "device";
  u.body = R"({"displayName":"Desk 7"})";
  u.query = {{"updateMask", "displayName,hotdeskExtension"}};
  ASSERT_TRUE(BuildRequest(u, &update).ok());
  EXPECT_EQ(update.device().mac(), "0015657a1b2c");
  EXPECT_EQ(update.device().display_name(), "Desk 7");
  ASSERT_EQ(update.update_mask().paths_size(), 2);
  EXPECT_EQ(update.update_mask().paths(0), "display_name");
}

// Every error names where the problem is.
void ExpectViolation(const absl::Status& st, const std::string& field) {
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument) << st;
  google::rpc::BadRequest bad;
  ASSERT_TRUE(GetDetail(st, &bad)) << st;
  ASSERT_EQ(bad.field_violations_size(), 1);
  EXPECT_EQ(bad.field_violations(0).field(), field);
}

TEST(BuildRequestTest, ErrorsNameTheBodyOrTheParameter) {
  v1::ListAssociationsRequest list;
  HttpParts p;
  p.query = {{"pageSize", "many"}};
  ExpectViolation(BuildRequest(p, &list), "pageSize");
  p.query = {{"colour", "red"}};
  ExpectViolation(BuildRequest(p, &list), "colour");

  v1::WatchEventsRequest watch;
  HttpParts w;
  w.query = {{"includeSnapshot", "yes"}};
  ExpectViolation(BuildRequest(w, &watch), "includeSnapshot");

  v1::EstablishRequest est;
  HttpParts b;
  b.body_field = "*";
  b.body = R"({"host":"h","gest":"g"})";
  ExpectViolation(BuildRequest(b, &est), "body");
  b.body = "{not json";
  ExpectViolation(BuildRequest(b, &est), "body");

  HttpParts none;
  none.body = "{}";
  ExpectViolation(BuildRequest(none, &list), "body");
}

TEST(HttpStatusTest, CodesFollowGrpcMappingAndBodiesAreGoogleRpcStatus) {
  EXPECT_EQ(HttpStatusCode(absl::StatusCode::kInvalidArgument), 400);
  EXPECT_EQ(HttpStatusCode(absl::StatusCode::kFailedPrecondition), 400);
  EXPECT_EQ(HttpStatusCode(absl::StatusCode::kOutOfRange), 400);
  EXPECT_EQ(HttpStatusCode(absl::StatusCode::kUnauthenticated), 401);
  EXPECT_EQ(HttpStatusCode(absl::StatusCode::kPermissionDenied), 403);
  EXPECT_EQ(HttpStatusCode(absl::StatusCode::kNotFound), 404);
  EXPECT_EQ(HttpStatusCode(absl::StatusCode::kAlreadyExists), 409);
  EXPECT_EQ(HttpStatusCode(absl::StatusCode::kAborted), 409);
  EXPECT_EQ(HttpStatusCode(absl::StatusCode::kResourceExhausted), 429);
  EXPECT_EQ(HttpStatusCode(absl::StatusCode::kCancelled), 499);
  EXPECT_EQ(HttpStatusCode(absl::StatusCode::kUnimplemented), 501);
  EXPECT_EQ(HttpStatusCode(absl::StatusCode::kUnavailable), 503);
  EXPECT_EQ(HttpStatusCode(absl::StatusCode::kDeadlineExceeded), 504);
  EXPECT_EQ(HttpStatusCode(absl::StatusCode::kInternal), 500);

  FieldViolations v;
  v.Add("device.mac", "not a MAC");
  std::string json = StatusJson(v.ToStatus());
  EXPECT_NE(json.find(R"("code":3)"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("@type":"type.googleapis.com/google.rpc.BadRequest")"), std::string::npos)
      << json;
  EXPECT_NE(json.find(R"("field":"device.mac")"), std::string::npos) << json;
}

TEST(SessionSealerTest, OpensWhatItSealedAndNothingElse) {
  SessionSealer a("secret"), same("secret"), other("another");
  absl::Time now = absl::Now();
  std::string cookie = a.Seal("tok.en.x", now + absl::Hours(1));
  EXPECT_EQ(cookie.find("tok"), std::string::npos) << "the token must not be readable";
  EXPECT_EQ(*same.Open(cookie, now), "tok.en.x") << "replicas sharing the secret open it";
  EXPECT_EQ(other.Open(cookie, now).status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(a.Open(cookie, now + absl::Hours(2)).status().code(),
            absl::StatusCode::kUnauthenticated);
  std::string flipped = cookie;
  flipped[flipped.size() / 2] = flipped[flipped.size() / 2] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(a.Open(flipped, now).ok());
  EXPECT_FALSE(a.Open("!!", now).ok());
}

TEST(IdentityTest, DecodesJwtClaimsForDisplay) {
  std::string payload =
      R"({"sub":"ops@example.com","role":"operator","tenants":["acme","beta"],"exp":4102444800})";
  std::string token = "eyJhbGciOiJFUzI1NiJ9." + absl::WebSafeBase64Escape(payload) + ".sig";
  Identity id = DecodeForDisplay(token);
  EXPECT_TRUE(id.decoded);
  EXPECT_EQ(id.subject, "ops@example.com");
  EXPECT_EQ(id.role, "operator");
  EXPECT_EQ(id.tenants, (std::vector<std::string>{"acme", "beta"}));
  EXPECT_FALSE(id.all_tenants);
  EXPECT_EQ(absl::ToUnixSeconds(id.expires), 4102444800);

  Identity star = DecodeForDisplay("a." + absl::WebSafeBase64Escape(R"({"tenants":"*"})") + ".b");
  EXPECT_TRUE(star.all_tenants);
  EXPECT_FALSE(DecodeForDisplay("opaque-token").decoded);
}

}  // namespace
}  // namespace hotdesk::web
