#include "services/directory/mac_address.h"

#include <gtest/gtest.h>

#include "services/directory/validation.h"

namespace hotdesk {
namespace {

TEST(DirectoryMac, AcceptsTheUsualSpellings) {
  for (const char* in : {"00-15-65-7A-1B-2C", "00:15:65:7a:1b:2c", "0015.657A.1B2C", "0015657a1b2c",
                         "0015657A1B2C"}) {
    auto mac = NormalizeMac(in);
    ASSERT_TRUE(mac.has_value()) << in;
    EXPECT_EQ(*mac, "0015657a1b2c") << in;
  }
}

TEST(DirectoryMac, RefusesMalformedAndNonUnicast) {
  for (const char* in :
       {"", "0015657a1b2", "0015657a1b2c0", "00-15-65:7a-1b-2c", "0015-657a-1b2c",
        "00.15.65.7a.1b.2c", "00:15:65:7a:1b:2g", "000:15:65:7a:1b:2c", "00:00:00:00:00:00",
        "01:00:5e:00:00:01", "ff:ff:ff:ff:ff:ff", " 0015657a1b2c"}) {
    EXPECT_FALSE(NormalizeMac(in).has_value()) << in;
    EXPECT_NE(MacProblem(in), "") << in;
  }
}

TEST(DirectoryValidation, PinRules) {
  EXPECT_EQ(PinProblem("1234"), "");
  EXPECT_EQ(PinProblem("123456789012345"), "");
  EXPECT_NE(PinProblem("123"), "");
  EXPECT_NE(PinProblem("1234567890123456"), "");
  EXPECT_NE(PinProblem("12a4"), "");
  EXPECT_NE(PinProblem(""), "");
  // The description never repeats the PIN.
  EXPECT_EQ(PinProblem("73915x").find("73915"), std::string::npos);
}

TEST(DirectoryValidation, DeviceFieldsNamed) {
  v1::Device d;
  d.set_mac("nope");
  d.set_display_name(std::string(65, 'a'));
  d.set_model("Bad Model");
  FieldViolations v;
  CheckDevice(d, {}, true, "device", &v);
  std::string msg(v.ToStatus().message());
  EXPECT_NE(msg.find("device.mac"), std::string::npos) << msg;
  EXPECT_NE(msg.find("device.hotdesk_extension: required"), std::string::npos) << msg;
  EXPECT_NE(msg.find("device.display_name"), std::string::npos) << msg;
  EXPECT_NE(msg.find("device.model"), std::string::npos) << msg;
}

}  // namespace
}  // namespace hotdesk
