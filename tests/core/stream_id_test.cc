#include "services/core/stream_id.h"

#include <gtest/gtest.h>

namespace hotdesk {
namespace {

TEST(StreamIdTest, ParsesAndOrders) {
  auto a = StreamId::Parse("1700000000123-5");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->ms, 1700000000123u);
  EXPECT_EQ(a->seq, 5u);
  EXPECT_EQ(a->ToString(), "1700000000123-5");
  EXPECT_LT(*StreamId::Parse("9-9"), *StreamId::Parse("10-0"));
  EXPECT_LT(*StreamId::Parse("10-0"), *StreamId::Parse("10-1"));
  for (const char* bad : {"", "1", "-1", "1-", "a-1", "1-b", "1-2-3", " 1-2"})
    EXPECT_FALSE(StreamId::Parse(bad)) << bad;
}

}  // namespace
}  // namespace hotdesk
