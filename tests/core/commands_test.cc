#include "services/core/commands.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/time/civil_time.h"
#include "google/rpc/error_details.pb.h"
#include "services/common/status.h"
#include "tests/support/async.h"

namespace hotdesk {
namespace {

using ::testing::HasSubstr;

v1::EstablishRequest Valid() {
  v1::EstablishRequest r;
  r.set_tenant("acme");
  r.set_host("7002");
  r.set_guest("7003");
  return r;
}

using ::hotdesk::testing::ViolatedFields;

TEST(PrepareEstablishTest, AppliesDefaults) {
  auto cmd = PrepareEstablish(Valid(), {}, absl::Now());
  ASSERT_TRUE(cmd.ok()) << cmd.status();
  EXPECT_EQ(cmd->source, v1::SOURCE_API);
  EXPECT_FALSE(cmd->reject_host_busy);
  EXPECT_FALSE(cmd->reject_guest_elsewhere);
  EXPECT_EQ(cmd->limit_ms, 0);
  EXPECT_TRUE(cmd->daily_logout_ms.empty());
}

TEST(PrepareEstablishTest, ReportsEveryInvalidField) {
  v1::EstablishRequest r;
  r.set_tenant("Bad Tenant");
  r.set_host("has space");
  r.set_source(v1::SOURCE_EXPIRY);
  auto cmd = PrepareEstablish(r, {}, absl::Now());
  ASSERT_EQ(cmd.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ViolatedFields(cmd.status()),
              ::testing::UnorderedElementsAre("tenant", "host", "guest", "source"));
  EXPECT_THAT(cmd.status().message(), HasSubstr("host: must not contain whitespace"));
}

TEST(PrepareEstablishTest, DurationLimitMustBeWholeHoursWithinBroadWorksRange) {
  auto r = Valid();
  r.mutable_limit()->mutable_duration()->set_seconds(8 * 3600);
  auto ok = PrepareEstablish(r, {}, absl::Now());
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->limit_ms, 8 * 3600 * 1000LL);

  for (int64_t secs : {int64_t{0}, int64_t{1800}, int64_t{1000 * 3600}, int64_t{3600 + 1}}) {
    r.mutable_limit()->mutable_duration()->set_seconds(secs);
    auto bad = PrepareEstablish(r, {}, absl::Now());
    EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument) << secs;
    EXPECT_THAT(ViolatedFields(bad.status()), ::testing::ElementsAre("limit.duration")) << secs;
  }
  r.mutable_limit()->mutable_duration()->set_seconds(999 * 3600);
  EXPECT_TRUE(PrepareEstablish(r, {}, absl::Now()).ok());
}

TEST(PrepareEstablishTest, ShortLimitsWhenConfigured) {
  auto r = Valid();
  r.mutable_limit()->mutable_duration()->set_seconds(2);
  LimitRules rules;
  rules.min_duration = absl::Seconds(1);
  auto cmd = PrepareEstablish(r, rules, absl::Now());
  ASSERT_TRUE(cmd.ok()) << cmd.status();
  EXPECT_EQ(cmd->limit_ms, 2000);
}

TEST(PrepareEstablishTest, DailyLogoutInTimeZone) {
  auto r = Valid();
  auto* d = r.mutable_limit()->mutable_daily();
  d->set_time_zone("Europe/Berlin");
  d->set_hour(23);
  d->set_minute(0);
  absl::TimeZone berlin;
  ASSERT_TRUE(absl::LoadTimeZone("Europe/Berlin", &berlin));
  // 2026-11-21 10:00 Berlin -> same day 23:00 Berlin (CET, UTC+1) = 22:00 UTC.
  absl::Time now = absl::FromCivil(absl::CivilSecond(2026, 11, 21, 10, 0, 0), berlin);
  auto cmd = PrepareEstablish(r, {}, now);
  ASSERT_TRUE(cmd.ok()) << cmd.status();
  auto at = [&](absl::Time store_now) {
    return absl::FromUnixMillis(
        FirstDailyLogoutAfter(cmd->daily_logout_ms, absl::ToUnixMillis(store_now)));
  };
  EXPECT_EQ(at(now),
            absl::FromCivil(absl::CivilSecond(2026, 11, 21, 22, 0, 0), absl::UTCTimeZone()));
  // After 23:00 -> next day.
  EXPECT_EQ(at(absl::FromCivil(absl::CivilSecond(2026, 11, 21, 23, 30, 0), berlin)),
            absl::FromCivil(absl::CivilSecond(2026, 11, 22, 23, 0, 0), berlin));
  // The store's clock decides, not the replica's: a request prepared a day early (replica clock
  // 24 h behind) or 20 h late still expires at the instant the store's time implies.
  cmd = PrepareEstablish(r, {}, now - absl::Hours(24));
  ASSERT_TRUE(cmd.ok());
  EXPECT_EQ(at(now),
            absl::FromCivil(absl::CivilSecond(2026, 11, 21, 22, 0, 0), absl::UTCTimeZone()));
  cmd = PrepareEstablish(r, {}, now + absl::Hours(20));
  ASSERT_TRUE(cmd.ok());
  EXPECT_EQ(at(now),
            absl::FromCivil(absl::CivilSecond(2026, 11, 21, 22, 0, 0), absl::UTCTimeZone()));
}

TEST(PrepareEstablishTest, DailyLogoutAcrossDaylightSavingChange) {
  v1::DailyLogout d;
  d.set_time_zone("Europe/Berlin");
  d.set_hour(2);
  d.set_minute(30);  // 02:30 does not exist on 2026-03-29 in Berlin
  absl::TimeZone berlin;
  ASSERT_TRUE(absl::LoadTimeZone("Europe/Berlin", &berlin));
  absl::Time now = absl::FromCivil(absl::CivilSecond(2026, 3, 29, 0, 0, 0), berlin);
  auto at = DailyLogoutCandidates(d, now);
  ASSERT_TRUE(at.ok());
  // Just after the gap: 03:00 CEST, the first instant that exists after the skipped 02:30.
  EXPECT_EQ(absl::FromUnixMillis(FirstDailyLogoutAfter(*at, absl::ToUnixMillis(now))),
            absl::FromCivil(absl::CivilSecond(2026, 3, 29, 3, 0, 0), berlin));
  EXPECT_EQ(absl::FromUnixMillis(FirstDailyLogoutAfter(*at, absl::ToUnixMillis(now))),
            absl::FromCivil(absl::CivilSecond(2026, 3, 29, 1, 0, 0), absl::UTCTimeZone()));
}

TEST(PrepareEstablishTest, RejectsUnknownTimeZoneAndBadClock) {
  auto r = Valid();
  auto* d = r.mutable_limit()->mutable_daily();
  d->set_time_zone("Mars/Olympus");
  d->set_hour(24);
  d->set_minute(60);
  auto cmd = PrepareEstablish(r, {}, absl::Now());
  EXPECT_THAT(ViolatedFields(cmd.status()),
              ::testing::UnorderedElementsAre("limit.daily.time_zone", "limit.daily.hour",
                                              "limit.daily.minute"));
}

TEST(PrepareEstablishTest, AttributesAreBounded) {
  auto r = Valid();
  (*r.mutable_attributes())["display_name"] = "Ann Example";
  EXPECT_TRUE(PrepareEstablish(r, {}, absl::Now()).ok());
  (*r.mutable_attributes())["bad key"] = "x";
  (*r.mutable_attributes())["big"] = std::string(257, 'x');
  auto cmd = PrepareEstablish(r, {}, absl::Now());
  EXPECT_THAT(ViolatedFields(cmd.status()),
              ::testing::UnorderedElementsAre("attributes[bad key]", "attributes[big]"));
}

TEST(PrepareCancelTest, NeedsHostOrGuestAndAllowedReason) {
  v1::CancelRequest r;
  r.set_tenant("acme");
  EXPECT_THAT(ViolatedFields(PrepareCancel(r).status()), ::testing::ElementsAre("host"));
  r.set_guest("7003");
  auto cmd = PrepareCancel(r);
  ASSERT_TRUE(cmd.ok());
  EXPECT_EQ(cmd->reason, v1::CANCEL_REASON_LOGOUT);
  r.set_reason(v1::CANCEL_REASON_SUPERSEDED);
  EXPECT_THAT(ViolatedFields(PrepareCancel(r).status()), ::testing::ElementsAre("reason"));
  r.set_reason(v1::CANCEL_REASON_FORCED);
  EXPECT_TRUE(PrepareCancel(r).ok());
}

TEST(PrepareGetTest, ExactlyOneOfHostAndGuest) {
  v1::GetAssociationRequest r;
  r.set_tenant("acme");
  EXPECT_THAT(ViolatedFields(PrepareGet(r).status()), ::testing::ElementsAre("host"));
  r.set_host("7002");
  r.set_guest("7003");
  EXPECT_THAT(ViolatedFields(PrepareGet(r).status()), ::testing::ElementsAre("host"));
  r.clear_host();
  auto q = PrepareGet(r);
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->guest, "7003");
  r.set_guest("bad guest");
  r.set_tenant("Bad_Tenant");
  EXPECT_THAT(ViolatedFields(PrepareGet(r).status()),
              ::testing::UnorderedElementsAre("tenant", "guest"));
}

TEST(PreparePageTest, OnePageSizeRuleForEveryList) {
  EXPECT_EQ(PreparePage("acme", 0, "")->page_size, kDefaultPageSize);
  EXPECT_EQ(PreparePage("acme", 5, "t")->page_size, 5);
  EXPECT_EQ(PreparePage("acme", 5, "t")->page_token, "t");
  EXPECT_EQ(PreparePage("acme", 100000, "")->page_size, kMaxPageSize);
  EXPECT_THAT(ViolatedFields(PreparePage("", -1, "").status()),
              ::testing::UnorderedElementsAre("tenant", "page_size"));
}

// A request id reused with other parameters must be refused, so two different requests may never
// share a fingerprint, whatever bytes their fields hold (ids may contain '|', '=' and ';').
TEST(FingerprintTest, DifferentRequestsNeverCollide) {
  auto establish = [](const std::string& host, const std::string& guest,
                      std::map<std::string, std::string> attributes) {
    EstablishCommand c;
    c.host = host;
    c.guest = guest;
    c.attributes = std::move(attributes);
    return c.Fingerprint();
  };
  EXPECT_NE(establish("a|b", "c", {}), establish("a", "b|c", {}));
  EXPECT_NE(establish("h", "g", {{"a", "1;b=2"}}), establish("h", "g", {{"a", "1"}, {"b", "2"}}));
  EXPECT_NE(establish("h", "g", {{"a=1;b", "2"}}), establish("h", "g", {{"a", "1;b=2"}}));
  EXPECT_EQ(establish("h", "g", {{"a", "1"}}), establish("h", "g", {{"a", "1"}}));

  CancelCommand x, y;
  x.host = "a|b";
  y.host = "a";
  y.guest = "b";
  EXPECT_NE(x.Fingerprint(), y.Fingerprint());
  x.host = "1";
  x.guest = "2|3";
  y.host = "1|2";
  y.guest = "3";
  EXPECT_NE(x.Fingerprint(), y.Fingerprint());
}

TEST(StatusTest, GrpcRoundTripKeepsDetails) {
  FieldViolations v;
  v.Add("host", "required");
  absl::Status s = v.ToStatus();
  absl::Status back = FromGrpcStatus(ToGrpcStatus(s));
  EXPECT_EQ(back.code(), absl::StatusCode::kInvalidArgument);
  google::rpc::BadRequest bad;
  ASSERT_TRUE(GetDetail(back, &bad));
  ASSERT_EQ(bad.field_violations_size(), 1);
  EXPECT_EQ(bad.field_violations(0).field(), "host");
}

}  // namespace
}  // namespace hotdesk
