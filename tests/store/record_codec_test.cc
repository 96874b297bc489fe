#include "services/store/redis/record_codec.h"

#include <gtest/gtest.h>

#include "tests/support/processes.h"

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

TEST(RecordCodecTest, APageStepsOverEntriesThatDoNotDecodeAndReportsEachOnce) {
  // Real stream entries from a real Redis: a good one, two foreign ones, a good one.
  testing::RedisServer redis;
  ASSERT_TRUE(redis.Start());
  const std::string record = "g1\t1700000000000\t0\t1\t\t\t";
  std::string good1 = redis.Cmd({"XADD", "ev", "*", "t", "E", "h", "h1", "a", record, "p", "0-0"});
  std::string bad1 = redis.Cmd({"XADD", "ev", "*", "t", "E", "h", "h2", "a", "garbage"});
  std::string good2 = redis.Cmd({"XADD", "ev", "*", "t", "C", "h", "h1", "a", record, "r", "1"});
  std::string bad2 = redis.Cmd({"XADD", "ev", "*", "what", "ever"});
  int counted = 0;
  UndecodableEntries undecodable([&counted] { ++counted; });
  for (int round = 0; round < 2; ++round) {
    redisReply* all = redis.Raw({"XRANGE", "ev", "-", "+"});
    ASSERT_NE(all, nullptr);
    DecodedPage page = DecodeStreamPage("acme", all, &undecodable);
    freeReplyObject(all);
    ASSERT_EQ(page.events.size(), 2u);
    EXPECT_EQ(page.events[0]->cursor(), good1);
    EXPECT_EQ(page.events[1]->cursor(), good2);
    EXPECT_EQ(page.events[1]->type(), v1::EVENT_TYPE_CANCELLED);
    ASSERT_TRUE(page.last);
    EXPECT_EQ(page.last->ToString(), bad2);  // the next read starts after the foreign tail
  }
  EXPECT_EQ(counted, 2);  // two bad entries, read twice, reported once each

  redisReply* only_bad = redis.Raw({"XRANGE", "ev", bad1, bad1});
  DecodedPage page = DecodeStreamPage("acme", only_bad, nullptr);
  freeReplyObject(only_bad);
  EXPECT_TRUE(page.events.empty());
  ASSERT_TRUE(page.last);
  EXPECT_EQ(page.last->ToString(), bad1);
}

}  // namespace
}  // namespace hotdesk
