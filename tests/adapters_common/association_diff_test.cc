#include "adapters/common/association_diff.h"

#include <gtest/gtest.h>

namespace hotdesk::adapters {
namespace {

v1::Association Assoc(const std::string& host, const std::string& guest) {
  v1::Association a;
  a.set_tenant("t");
  a.set_host(host);
  a.set_guest(guest);
  a.set_source(v1::SOURCE_API);
  return a;
}

TEST(AssociationDiff, CancelsGoneAndChangedThenEstablishesNew) {
  std::map<std::string, std::string> known = {{"h1", "g1"}, {"h2", "g2"}, {"h4", "g4"}};
  // h1 unchanged, h2 has another guest, h3 new, h4 gone.
  auto d = DiffAssociations(known, {Assoc("h1", "g1"), Assoc("h2", "g9"), Assoc("h3", "g3")}, "t");
  ASSERT_EQ(d.size(), 4u);
  EXPECT_EQ(d[0].type(), v1::EVENT_TYPE_CANCELLED);
  EXPECT_EQ(d[0].association().host(), "h2");
  EXPECT_EQ(d[0].association().guest(), "g2");
  EXPECT_EQ(d[0].association().tenant(), "t");
  EXPECT_EQ(d[1].type(), v1::EVENT_TYPE_CANCELLED);
  EXPECT_EQ(d[1].association().host(), "h4");
  EXPECT_EQ(d[2].type(), v1::EVENT_TYPE_ESTABLISHED);
  EXPECT_EQ(d[2].association().host(), "h2");
  EXPECT_EQ(d[2].association().guest(), "g9");
  EXPECT_EQ(d[2].source(), v1::SOURCE_API);
  EXPECT_EQ(d[3].association().host(), "h3");
}

TEST(AssociationDiff, NothingWhenTheSame) {
  EXPECT_TRUE(DiffAssociations({{"h1", "g1"}}, {Assoc("h1", "g1")}, "t").empty());
  EXPECT_TRUE(DiffAssociations({}, {}, "t").empty());
}

}  // namespace
}  // namespace hotdesk::adapters
