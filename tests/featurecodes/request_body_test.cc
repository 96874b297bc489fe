// Reading what a PBX sends to the HTTP API into a request (no processes).
#include "adapters/featurecodes/request_body.h"

#include <gtest/gtest.h>

#include "hotdesk/v1/featurecodes.pb.h"

namespace hotdesk::featurecodes {
namespace {

TEST(RequestBody, JsonFormAndQuery) {
  v1::DialRequest j;
  ASSERT_TRUE(ReadRequestBody("application/json; charset=utf-8",
                              R"({"tenant":"acme","device":"HD0001","digits":"*77*101*"})", {}, &j)
                  .ok());
  EXPECT_EQ(j.device(), "HD0001");
  EXPECT_EQ(j.digits(), "*77*101*");
  v1::DialRequest f;
  ASSERT_TRUE(ReadRequestBody("application/x-www-form-urlencoded",
                              "device=HD0001&digits=%2A77%2A101%2A&unknown=1", {}, &f)
                  .ok());
  EXPECT_EQ(f.digits(), "*77*101*");
  v1::DialRequest q;
  ASSERT_TRUE(ReadRequestBody("", "", {{"device", "HD0002"}, {"format", "text"}}, &q).ok());
  EXPECT_EQ(q.device(), "HD0002");
}

TEST(RequestBody, RefusalsNameTheBodyOrTheField) {
  v1::DialRequest m;
  absl::Status bad_json = ReadRequestBody("application/json", "{\"digits\":", {}, &m);
  EXPECT_EQ(bad_json.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(bad_json.message().substr(0, 6), "body: ");
  // Found by fuzzing: bytes that are not UTF-8 went into a proto string field unnamed.
  absl::Status not_text =
      ReadRequestBody("application/x-www-form-urlencoded", "device=HD%FF01", {}, &m);
  EXPECT_EQ(not_text.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(not_text.message(), "device: not UTF-8 text");
  v1::SubmitPinRequest pin;
  EXPECT_EQ(ReadRequestBody("", "", {{"pin", "\xc3"}}, &pin).message(), "pin: not UTF-8 text");
}

}  // namespace
}  // namespace hotdesk::featurecodes
