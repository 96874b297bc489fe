#include "services/store/redis/record_codec.h"

#include <gtest/gtest.h>

namespace hotdesk {
namespace {

TEST(RecordCodecTest, AttributesSurviveSeparatorCharacters) {
  v1::AssociationLimit limit;
  limit.mutable_daily()->set_time_zone("America/Argentina/Buenos_Aires");
  limit.mutable_daily()->set_hour(23);
  limit.mutable_daily()->set_minute(5);
  std::map<std::string, std::string> attrs = {{"display_name", "Ann\t=&% Example\n"}, {"k", ""}};
  std::string record = EncodeRecordHead("7003", 1700000000123, 0, v1::SOURCE_CSTA, "1700000000123-0") +
                       EncodeRecordTail(limit, attrs);
  auto a = DecodeRecord("acme", "7002", record);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->guest(), "7003");
  EXPECT_EQ(a->source(), v1::SOURCE_CSTA);
  EXPECT_EQ(a->cursor(), "1700000000123-0");
  EXPECT_EQ(a->establish_time().seconds(), 1700000000);
  EXPECT_EQ(a->establish_time().nanos(), 123000000);
  EXPECT_FALSE(a->has_expire_time());
  EXPECT_EQ(a->limit().daily().time_zone(), "America/Argentina/Buenos_Aires");
  EXPECT_EQ(a->limit().daily().hour(), 23);
  EXPECT_EQ(a->attributes().at("display_name"), "Ann\t=&% Example\n");
  EXPECT_EQ(a->attributes().at("k"), "");
}

TEST(RecordCodecTest, RejectsCorruptRecords) {
  EXPECT_FALSE(DecodeRecord("acme", "7002", "7003\tnot-a-number\t0\t1\tc\t\t").ok());
  EXPECT_FALSE(DecodeRecord("acme", "7002", "7003").ok());
}

}  // namespace
}  // namespace hotdesk
