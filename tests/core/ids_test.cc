#include "services/core/ids.h"

#include <gtest/gtest.h>

namespace hotdesk {
namespace {

TEST(TenantTest, AcceptsDnsLabels) {
  EXPECT_EQ(TenantProblem("acme"), "");
  EXPECT_EQ(TenantProblem("a"), "");
  EXPECT_EQ(TenantProblem("acme-01"), "");
  EXPECT_EQ(TenantProblem(std::string(63, 'a')), "");
}

TEST(TenantTest, RejectsEverythingElse) {
  EXPECT_EQ(TenantProblem(""), "required");
  EXPECT_NE(TenantProblem(std::string(64, 'a')), "");
  EXPECT_NE(TenantProblem("Acme"), "");
  EXPECT_NE(TenantProblem("-acme"), "");
  EXPECT_NE(TenantProblem("acme-"), "");
  EXPECT_NE(TenantProblem("ac me"), "");
  EXPECT_NE(TenantProblem("ac}me"), "");  // would break the {tenant} hash tag
  EXPECT_NE(TenantProblem("ac.me"), "");
}

TEST(IdTest, AcceptsPrintableIds) {
  EXPECT_EQ(IdProblem("7002"), "");
  EXPECT_EQ(IdProblem("host7002@example.com"), "");
  EXPECT_EQ(IdProblem("HD0001"), "");
  EXPECT_EQ(IdProblem("müller"), "");  // UTF-8 letters are printable
  EXPECT_EQ(IdProblem(std::string(128, 'x')), "");
}

TEST(IdTest, RejectsBadIds) {
  EXPECT_EQ(IdProblem(""), "required");
  EXPECT_NE(IdProblem(std::string(129, 'x')), "");
  EXPECT_NE(IdProblem("70 02"), "");
  EXPECT_NE(IdProblem("7002\n"), "");
  EXPECT_NE(IdProblem("70\t02"), "");
  EXPECT_NE(IdProblem(std::string("70\0"
                                  "02",
                                  5)),
            "");
  EXPECT_NE(IdProblem("70\x7f"
                      "02"),
            "");
  EXPECT_NE(IdProblem("a\xc2\xa0"
                      "b"),
            "");  // no-break space
  EXPECT_NE(IdProblem("a\xe2\x80\x83"
                      "b"),
            "");  // em space
  EXPECT_NE(IdProblem("a\xc2\x85"
                      "b"),
            "");                         // C1 control
  EXPECT_NE(IdProblem("\xff\xfe"), "");  // not UTF-8
  EXPECT_NE(IdProblem("\xc3"), "");      // truncated UTF-8
}

}  // namespace
}  // namespace hotdesk
