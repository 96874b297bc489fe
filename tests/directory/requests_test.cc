#include "services/directory/requests.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "google/rpc/error_details.pb.h"
#include "services/common/status.h"
#include "tests/support/async.h"

namespace hotdesk {
namespace {

using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

using ::hotdesk::testing::ViolatedFields;

TEST(PrepareCreateDeviceTest, NormalisesAndAppliesDefaults) {
  v1::CreateDeviceRequest req;
  req.set_tenant("acme");
  req.mutable_device()->set_mac("00-15-65-7A-1B-2C");
  req.mutable_device()->set_hotdesk_extension("HD0001");
  req.mutable_device()->set_tenant("someone-else");
  req.mutable_device()->mutable_create_time()->set_seconds(42);
  auto d = PrepareCreateDevice(req);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->tenant(), "acme");
  EXPECT_EQ(d->mac(), "0015657a1b2c");
  EXPECT_EQ(d->provisioning(), v1::PROVISIONING_METHOD_PNP);
  EXPECT_EQ(d->network(), v1::NETWORK_LOCATION_LAN);
  EXPECT_EQ(d->model(), "generic");
  EXPECT_FALSE(d->has_create_time());
}

TEST(PrepareCreateDeviceTest, ReportsEveryInvalidField) {
  v1::CreateDeviceRequest req;
  req.set_tenant("Acme Corp");
  EXPECT_THAT(ViolatedFields(PrepareCreateDevice(req).status()),
              UnorderedElementsAre("tenant", "device"));
  req.mutable_device()->set_mac("00:15:65:7a:1b");
  req.mutable_device()->set_display_name(std::string(65, 'x'));
  EXPECT_THAT(ViolatedFields(PrepareCreateDevice(req).status()),
              UnorderedElementsAre("tenant", "device.mac", "device.hotdesk_extension",
                                   "device.display_name"));
}

TEST(PrepareGetDeviceTest, ByMacOrByExtensionNeverBoth) {
  v1::GetDeviceRequest req;
  req.set_tenant("acme");
  EXPECT_THAT(ViolatedFields(PrepareGetDevice(req).status()), ElementsAre("mac"));
  req.set_mac("0015.657A.1B2C");
  req.set_hotdesk_extension("HD0001");
  EXPECT_THAT(ViolatedFields(PrepareGetDevice(req).status()), ElementsAre("mac"));
  req.clear_hotdesk_extension();
  auto by_mac = PrepareGetDevice(req);
  ASSERT_TRUE(by_mac.ok());
  EXPECT_EQ(by_mac->mac, "0015657a1b2c");
  req.clear_mac();
  req.set_hotdesk_extension("HD 1");
  EXPECT_THAT(ViolatedFields(PrepareGetDevice(req).status()), ElementsAre("hotdesk_extension"));
  req.set_hotdesk_extension("HD0001");
  auto by_ext = PrepareGetDevice(req);
  ASSERT_TRUE(by_ext.ok());
  EXPECT_EQ(by_ext->mac, "");
  EXPECT_EQ(by_ext->hotdesk_extension, "HD0001");
}

TEST(PrepareUpdateDeviceTest, MaskNamesWritableFieldsAndOnlyThoseChange) {
  v1::UpdateDeviceRequest req;
  req.set_tenant("acme");
  req.mutable_device()->set_mac("00:15:65:7A:1B:2C");
  req.mutable_device()->set_display_name("Desk 7");
  req.mutable_device()->set_hotdesk_extension("HD0009");
  req.mutable_update_mask()->add_paths("display_name");
  auto u = PrepareUpdateDevice(req);
  ASSERT_TRUE(u.ok()) << u.status();
  EXPECT_EQ(u->mac, "0015657a1b2c");
  v1::Device stored;
  stored.set_hotdesk_extension("HD0001");
  stored.set_display_name("old");
  u->ApplyTo(&stored);
  EXPECT_EQ(stored.display_name(), "Desk 7");
  EXPECT_EQ(stored.hotdesk_extension(), "HD0001");

  req.mutable_update_mask()->add_paths("mac");
  EXPECT_THAT(ViolatedFields(PrepareUpdateDevice(req).status()), ElementsAre("update_mask"));
  // No mask: every writable field, so the required extension is checked too.
  req.clear_update_mask();
  req.mutable_device()->clear_hotdesk_extension();
  EXPECT_THAT(ViolatedFields(PrepareUpdateDevice(req).status()),
              ElementsAre("device.hotdesk_extension"));
}

TEST(PrepareForceLogoutDeviceTest, ChecksTheRequestIdWhenGiven) {
  v1::ForceLogoutDeviceRequest req;
  req.set_tenant("acme");
  req.set_mac("0015657a1b2c");
  ASSERT_TRUE(PrepareForceLogoutDevice(req).ok());
  req.set_request_id("has space");
  EXPECT_THAT(ViolatedFields(PrepareForceLogoutDevice(req).status()), ElementsAre("request_id"));
  auto cmd = ForcedLogoutCommand("acme", "HD0001", "", "r-1");
  ASSERT_TRUE(cmd.ok());
  EXPECT_EQ(cmd->host, "HD0001");
  EXPECT_EQ(cmd->reason, v1::CANCEL_REASON_FORCED);
  EXPECT_EQ(cmd->source, v1::SOURCE_API);
  EXPECT_EQ(cmd->request_id, "r-1");
}

TEST(PrepareCreateGuestTest, ChecksThePinAndTheLimitAsEstablishWould) {
  v1::CreateGuestRequest req;
  req.set_tenant("acme");
  req.mutable_guest()->set_id("101");
  req.mutable_guest()->mutable_update_time()->set_seconds(1);
  req.set_pin("12a4");
  req.mutable_guest()->mutable_association_limit()->mutable_duration()->set_seconds(60);
  EXPECT_THAT(ViolatedFields(PrepareCreateGuest(req, LimitRules{}).status()),
              UnorderedElementsAre("pin", "guest.association_limit.duration"));
  req.set_pin("1234");
  req.mutable_guest()->mutable_association_limit()->mutable_duration()->set_seconds(3600);
  auto n = PrepareCreateGuest(req, LimitRules{});
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(n->guest.tenant(), "acme");
  EXPECT_EQ(n->pin, "1234");
  EXPECT_FALSE(n->guest.has_update_time());
}

TEST(PrepareUpdateGuestTest, MaskedLimitIsClearedWhenAbsent) {
  v1::UpdateGuestRequest req;
  req.set_tenant("acme");
  req.mutable_guest()->set_id("101");
  req.mutable_update_mask()->add_paths("association_limit");
  auto u = PrepareUpdateGuest(req, LimitRules{});
  ASSERT_TRUE(u.ok()) << u.status();
  v1::Guest stored;
  stored.set_display_name("Alice");
  stored.mutable_association_limit()->mutable_duration()->set_seconds(3600);
  u->ApplyTo(&stored);
  EXPECT_FALSE(stored.has_association_limit());
  EXPECT_EQ(stored.display_name(), "Alice");

  req.mutable_update_mask()->add_paths("pin");
  req.mutable_guest()->set_id("");
  EXPECT_THAT(ViolatedFields(PrepareUpdateGuest(req, LimitRules{}).status()),
              UnorderedElementsAre("guest.id", "update_mask"));
}

TEST(PrepareVerifyPinTest, AnIllFormedPinIsStillAnAttempt) {
  v1::VerifyPinRequest req;
  req.set_tenant("acme");
  req.set_id("101");
  EXPECT_THAT(ViolatedFields(PrepareVerifyPin(req).status()), ElementsAre("pin"));
  req.set_pin(std::string(65, '1'));
  EXPECT_THAT(ViolatedFields(PrepareVerifyPin(req).status()), ElementsAre("pin"));
  req.set_pin("12ab");
  auto check = PrepareVerifyPin(req);
  ASSERT_TRUE(check.ok());
  EXPECT_FALSE(check->well_formed);
  req.set_pin("7391");
  EXPECT_TRUE(PrepareVerifyPin(req)->well_formed);
}

TEST(PrepareGuestRequestsTest, IdsAndPinsAreChecked) {
  v1::GetGuestRequest get;
  EXPECT_THAT(ViolatedFields(PrepareGetGuest(get).status()), UnorderedElementsAre("tenant", "id"));
  v1::DeleteGuestRequest del;
  del.set_tenant("acme");
  del.set_id("101");
  EXPECT_TRUE(PrepareDeleteGuest(del).ok());
  v1::SetPinRequest set;
  set.set_tenant("acme");
  set.set_id("101");
  set.set_pin("12");
  EXPECT_THAT(ViolatedFields(PrepareSetPin(set).status()), ElementsAre("pin"));
  v1::ForceLogoutGuestRequest force;
  force.set_tenant("acme");
  force.set_id("101");
  auto cmd = PrepareForceLogoutGuest(force);
  ASSERT_TRUE(cmd.ok()) << cmd.status();
  EXPECT_EQ(cmd->guest, "101");
  EXPECT_EQ(cmd->host, "");
  EXPECT_EQ(cmd->reason, v1::CANCEL_REASON_FORCED);
}

}  // namespace
}  // namespace hotdesk
