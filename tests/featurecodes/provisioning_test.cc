// Provisioning templates: every value is escaped for the template's format, so a display name
// cannot add elements to an XML profile or lines to a key=value one.
#include "adapters/featurecodes/provisioning.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace hotdesk::featurecodes {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

ProfileInput Idle(const std::string& model, const std::string& name) {
  ProfileInput in;
  in.device.set_mac("0015657a1b2c");
  in.device.set_hotdesk_extension("HD0001");
  in.device.set_model(model);
  in.device.set_display_name(name);
  in.device.set_tenant("acme");
  return in;
}

constexpr char kHostile[] = "Desk\"/><admin password=\"x\"/><x a=\"&\nsip.server=evil";

TEST(Provisioning, BuiltInXmlTemplateEscapesValues) {
  ProfileRenderer r("", "sip.example.com");
  auto p = r.Render(Idle("polycom", kHostile));
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->content_type, "application/xml");
  EXPECT_THAT(p->body, Not(HasSubstr("<admin")));
  EXPECT_THAT(p->body, HasSubstr("Desk&quot;/&gt;&lt;admin"));
}

TEST(Provisioning, KeyValueTemplateKeepsValuesOnOneLine) {
  ProfileRenderer r("", "sip.example.com");
  auto p = r.Render(Idle("generic", kHostile));
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->content_type, "text/plain");
  EXPECT_THAT(p->body, Not(HasSubstr("\nsip.server=evil")));
}

TEST(Provisioning, CustomXmlTemplateIsEscapedEvenAfterABomOrBlankLines) {
  char tmpl[] = "/tmp/hotdesk-prov-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  std::string dir = tmpl;
  std::ofstream(dir + "/yealink.tmpl")
      << "\xEF\xBB\xBF\n  <?xml version=\"1.0\"?>\n<cfg name=\"{{line_display_name}}\"/>\n";
  ProfileRenderer r(dir, "");
  auto p = r.Render(Idle("yealink", kHostile));
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->content_type, "application/xml");
  EXPECT_THAT(p->body, Not(HasSubstr("<admin")));
  EXPECT_THAT(p->body, HasSubstr("&lt;admin password=&quot;x&quot;/&gt;"));
  std::remove((dir + "/yealink.tmpl").c_str());
  ::rmdir(dir.c_str());
}

TEST(Provisioning, LooksLikeXml) {
  EXPECT_TRUE(LooksLikeXml("<x/>"));
  EXPECT_TRUE(LooksLikeXml("\xEF\xBB\xBF<x/>"));
  EXPECT_TRUE(LooksLikeXml("\n\t <?xml version=\"1.0\"?><x/>"));
  EXPECT_FALSE(LooksLikeXml("account.1.user_name={{line_user}}"));
  EXPECT_FALSE(LooksLikeXml(""));
}

}  // namespace
}  // namespace hotdesk::featurecodes
