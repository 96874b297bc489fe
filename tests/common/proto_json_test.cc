#include "services/common/proto_json.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "hotdesk/v1/devices.pb.h"

namespace hotdesk {
namespace {

using ::testing::HasSubstr;

TEST(ProtoJsonTest, ProtoFieldNamesRoundTrip) {
  v1::Device d;
  d.set_mac("0015657a1b2c");
  d.set_hotdesk_extension("HD0001");
  auto json = ProtoToJson(d);
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_THAT(*json, HasSubstr("\"hotdesk_extension\":\"HD0001\""));
  v1::Device back;
  ASSERT_TRUE(ProtoFromJson(*json, &back).ok());
  EXPECT_EQ(back.hotdesk_extension(), "HD0001");
}

TEST(ProtoJsonTest, AMessageThatCannotBePrintedIsAnErrorNotAnEmptyDocument) {
  v1::Device d;
  d.mutable_create_time()->set_seconds(int64_t{1} << 40);  // after year 9999
  auto json = ProtoToJson(d);
  ASSERT_EQ(json.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(json.status().message()), HasSubstr("hotdesk.v1.Device"));
}

TEST(ProtoJsonTest, UnknownFieldsAreIgnoredAndBadJsonIsAnError) {
  v1::Device d;
  ASSERT_TRUE(ProtoFromJson(R"({"mac":"0015657a1b2c","added_later":1})", &d).ok());
  EXPECT_EQ(d.mac(), "0015657a1b2c");
  absl::Status bad = ProtoFromJson("{not json", &d);
  EXPECT_EQ(bad.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(bad.message()), HasSubstr("hotdesk.v1.Device"));
}

}  // namespace
}  // namespace hotdesk
