#include "adapters/featurecodes/dial_plan.h"

#include <gtest/gtest.h>

#include "adapters/featurecodes/dial_engine.h"
#include "adapters/featurecodes/provisioning.h"
#include "adapters/featurecodes/session_table.h"

namespace hotdesk::featurecodes {
namespace {

const std::vector<std::string> kEmergency = {"112", "911"};

TEST(FeatureCodesDialPlan, PresetsLoad) {
  auto cx = LoadDialPlan("3cx", kEmergency);
  ASSERT_TRUE(cx.ok()) << cx.status();
  EXPECT_EQ(DialPlan::Display(cx->login), "*77*<ext>*");
  EXPECT_EQ(DialPlan::Display(cx->logout), "*77*5*");
  auto ps = LoadDialPlan("portsip", kEmergency);
  ASSERT_TRUE(ps.ok()) << ps.status();
  EXPECT_EQ(DialPlan::Display(ps->login), "*70<ext>");
  EXPECT_EQ(DialPlan::Display(ps->logout), "*71");
  EXPECT_EQ(ps->emergency_numbers, kEmergency);
}

TEST(FeatureCodesDialPlan, RefusesACodeThatIsAPrefixOfAnotherNamingBoth) {
  // 3CX's classic: another code starting with *7 shadows *77*<ext>*.
  auto p = ParseDialPlan("login = *77*{ext}*\nlogout = *7\n", "custom.plan");
  ASSERT_TRUE(p.ok()) << p.status();
  absl::Status st = ValidateDialPlan(*p);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("\"*7\""), absl::string_view::npos) << st;
  EXPECT_NE(st.message().find("\"*77*<ext>*\""), absl::string_view::npos) << st;

  // A fixed code that a login string starts with: *701 is *70 + extension "1...".
  p = ParseDialPlan("login = *70{ext}\nlogout = *701\n", "x");
  st = ValidateDialPlan(*p);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("logout code \"*701\" is a prefix of login code \"*70<ext>\""),
            absl::string_view::npos)
      << st;

  // An emergency number that is a prefix of a code, and one that a code shadows.
  auto e = LoadDialPlan("portsip", {"*7"});
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("emergency number \"*7\" is a prefix of login code "
                                      "\"*70<ext>\""),
            absl::string_view::npos)
      << e.status();
  e = LoadDialPlan("portsip", {"112", "1120"});
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("\"112\" is a prefix of emergency number \"1120\""),
            absl::string_view::npos)
      << e.status();
}

TEST(FeatureCodesDialPlan, ExtensionLengthDecidesOverlaps) {
  // *77*5* is a login string only when one-digit extensions exist.
  auto p = ParseDialPlan("login = *77*{ext}*\nlogout = *77*5*\nextension_digits = 1-6\n", "x");
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(ValidateDialPlan(*p).ok());
  p = ParseDialPlan("login = *77*{ext}*\nlogout = *77*5*\nextension_digits = 2-6\n", "x");
  EXPECT_TRUE(ValidateDialPlan(*p).ok());
}

TEST(FeatureCodesDialPlan, FileErrorsNameTheLine) {
  auto p = ParseDialPlan("# comment\nlogin = *55*{ext}#\nlogot = *56\n", "acme.plan");
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("acme.plan:3: unknown key \"logot\""),
            absl::string_view::npos)
      << p.status();
  p = ParseDialPlan("login = *55*{ext}{ext}\nlogout = *56\n", "acme.plan");
  EXPECT_FALSE(p.ok());
  p = ParseDialPlan("login = *55*{ext}\nlogout = *5a\n", "acme.plan");
  EXPECT_FALSE(p.ok());
  p = ParseDialPlan("login = *55*{ext}#\nlogout = *56#\nemergency = 999, 112\n", "acme.plan");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_TRUE(ValidateDialPlan(*p).ok());
  EXPECT_EQ(p->emergency_numbers.size(), 2u);
}

TEST(FeatureCodesDialPlan, ShippedExampleLoads) {
  auto p = LoadDialPlan(FC_EXAMPLES "/acme.plan", kEmergency);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->name, "acme");
  EXPECT_EQ(Classify(*p, "*55*1234#", true).extension, "1234");
  EXPECT_EQ(Classify(*p, "999", true).kind, Decision::Kind::kEmergency);
  EXPECT_EQ(LoadDialPlan("/nonexistent.plan", {}).status().code(), absl::StatusCode::kNotFound);
}

TEST(FeatureCodesDialEngine, ClassifiesDigits) {
  auto cx = *LoadDialPlan("3cx", kEmergency);
  Decision d = Classify(cx, "*77*101*", true);
  EXPECT_EQ(d.kind, Decision::Kind::kLogin);
  EXPECT_EQ(d.extension, "101");
  EXPECT_EQ(Classify(cx, "*77*5*", false).kind, Decision::Kind::kLogout);
  EXPECT_EQ(Classify(cx, "112", true).kind, Decision::Kind::kEmergency);
  EXPECT_EQ(Classify(cx, "112", false).kind, Decision::Kind::kEmergency);
  d = Classify(cx, "0301234567", true);
  EXPECT_EQ(d.kind, Decision::Kind::kReject);
  EXPECT_EQ(d.reason, "IDLE_DEVICE");
  EXPECT_EQ(Classify(cx, "0301234567", false).kind, Decision::Kind::kNormal);
  EXPECT_EQ(Classify(cx, "*77*101", false).reason, "BAD_EXTENSION");
  EXPECT_EQ(Classify(cx, "*77**", false).reason, "BAD_EXTENSION");
  auto ps = *LoadDialPlan("portsip", kEmergency);
  d = Classify(ps, "*70101", true);
  EXPECT_EQ(d.kind, Decision::Kind::kLogin);
  EXPECT_EQ(d.extension, "101");
  EXPECT_EQ(Classify(ps, "*71", true).kind, Decision::Kind::kLogout);
  EXPECT_NE(DigitsProblem("12a"), "");
  EXPECT_NE(DigitsProblem(""), "");
  EXPECT_EQ(DigitsProblem("+4930*#"), "");
}

TEST(FeatureCodesSessions, ExpireAndAreTakenOnce) {
  absl::Time now = absl::Now();
  SessionTable t(absl::Seconds(60), "", [&] { return now; });
  DialSession in;
  in.tenant = "acme";
  in.mac = "0015657a1b2c";
  in.host = "HD0001";
  in.guest = "101";
  DialSession s = t.Open(in);
  EXPECT_NE(t.Open(in).id, s.id);
  EXPECT_EQ(t.size(), 2u);
  auto taken = t.Take(s.id);
  ASSERT_TRUE(taken.has_value());
  EXPECT_EQ(taken->tenant, "acme");
  EXPECT_EQ(taken->mac, "0015657a1b2c");
  EXPECT_EQ(taken->host, "HD0001");
  EXPECT_EQ(taken->guest, "101");
  EXPECT_EQ(taken->nonce, s.nonce);
  EXPECT_FALSE(t.Take(s.id).has_value());  // one owner at a time
  t.Return(*taken);
  EXPECT_TRUE(t.Take(s.id).has_value());   // returned after a wrong PIN: usable again
  EXPECT_FALSE(t.Take(s.id).has_value());  // taken and not returned: finished
  now += absl::Seconds(61);
  EXPECT_EQ(t.Sweep(), 1);  // the second session, never used
  EXPECT_EQ(t.size(), 0u);
}

TEST(FeatureCodesSessions, SignedIdsWorkAcrossReplicasAndCannotBeForged) {
  absl::Time now = absl::Now();
  auto clock = [&] { return now; };
  SessionTable a(absl::Seconds(60), "shared secret", clock);
  SessionTable b(absl::Seconds(60), "shared secret", clock);
  SessionTable other(absl::Seconds(60), "another secret", clock);
  DialSession in;
  in.tenant = "acme";
  in.host = "HD0001";
  in.guest = "101";
  DialSession s = a.Open(in);
  EXPECT_FALSE(other.Take(s.id).has_value());
  // Changing the guest inside the token breaks the signature.
  std::string forged = s.id;
  forged[3] = forged[3] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(b.Take(forged).has_value());
  EXPECT_FALSE(b.Take("garbage").has_value());
  EXPECT_FALSE(b.Take("").has_value());
  auto taken = b.Take(s.id);
  ASSERT_TRUE(taken.has_value());
  EXPECT_EQ(taken->guest, "101");
  // Expiry is inside the signed token.
  DialSession s2 = a.Open(in);
  now += absl::Seconds(61);
  EXPECT_FALSE(b.Take(s2.id).has_value());
  EXPECT_FALSE(a.Take(s2.id).has_value());
}

TEST(FeatureCodesProvisioning, RendersIdleAndGuestInBothFormats) {
  ProfileInput in;
  in.device.set_mac("0015657a1b2c");
  in.device.set_hotdesk_extension("HD0001");
  in.device.set_display_name("Desk <1>");
  ProfileRenderer r("", "pbx.example");
  auto idle = r.Render(in);
  ASSERT_TRUE(idle.ok());
  EXPECT_EQ(idle->content_type, "text/plain");
  EXPECT_NE(idle->body.find("account.1.user_name=HD0001\n"), std::string::npos) << idle->body;
  EXPECT_NE(idle->body.find("hotdesk.state=idle\n"), std::string::npos);
  in.idle = false;
  in.association.set_guest("101");
  in.guest_name = "Alice & \"Bob\"";
  in.device.set_model("polycom");
  auto guest = r.Render(in);
  ASSERT_TRUE(guest.ok());
  EXPECT_EQ(guest->content_type, "application/xml");
  EXPECT_NE(guest->body.find("reg.1.address=\"101\""), std::string::npos) << guest->body;
  EXPECT_NE(guest->body.find("reg.1.displayName=\"Alice &amp; &quot;Bob&quot;\""),
            std::string::npos)
      << guest->body;
  EXPECT_NE(guest->body.find("device.name=\"Desk &lt;1&gt;\""), std::string::npos);
  EXPECT_EQ(RenderTemplate("a={{x}} b={{nope}}", {{"x", "1\n2"}}, false), "a=1 2 b=");
}

}  // namespace
}  // namespace hotdesk::featurecodes
