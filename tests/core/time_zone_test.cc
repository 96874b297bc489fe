#include "services/core/time_zone.h"

#include <gtest/gtest.h>

namespace hotdesk {
namespace {

TEST(TimeZoneTest, NamesHaveIanaSyntax) {
  for (const char* good : {"UTC", "Europe/Berlin", "America/Argentina/Buenos_Aires", "Etc/GMT+5",
                           "Etc/GMT-14", "America/Port-au-Prince"})
    EXPECT_EQ(TimeZoneNameProblem(good), "") << good;
  for (const char* bad : {"", "/etc/passwd", "Europe/", "Europe//Berlin", "../../etc/passwd",
                          "Europe/Berlin.tzif", "Europe/Ber lin", "Fixed/UTC+01:00:00",
                          "Europe\\Berlin", "Europe/Berlin\n"})
    EXPECT_NE(TimeZoneNameProblem(bad), "") << bad;
  EXPECT_EQ(TimeZoneNameProblem(std::string(64, 'A')), "");
  EXPECT_NE(TimeZoneNameProblem(std::string(65, 'A')), "");
  EXPECT_NE(TimeZoneNameProblem(std::string(1000000, 'A')), "");
}

TEST(TimeZoneTest, LoadsRealZonesAndRefusesOthers) {
  auto berlin = LoadTimeZoneByName("Europe/Berlin");
  ASSERT_TRUE(berlin.ok()) << berlin.status();
  EXPECT_EQ(berlin->name(), "Europe/Berlin");
  EXPECT_TRUE(LoadTimeZoneByName("UTC").ok());
  EXPECT_EQ(LoadTimeZoneByName("Mars/Olympus_Mons").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(LoadTimeZoneByName("Europe").status().code(), absl::StatusCode::kNotFound);  // a dir
  EXPECT_EQ(LoadTimeZoneByName("../zoneinfo/UTC").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(LoadTimeZoneByName(std::string(100000, 'x')).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace hotdesk
