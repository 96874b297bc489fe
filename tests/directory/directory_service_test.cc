// Devices and Guests through a real hotdesk-server process against a real redis-server.
#include <gtest/gtest.h>

#include "google/rpc/error_details.pb.h"
#include "hotdesk/v1/associations.grpc.pb.h"
#include "hotdesk/v1/devices.grpc.pb.h"
#include "hotdesk/v1/guests.grpc.pb.h"
#include "services/common/status.h"
#include "tests/support/wait_serving.h"
#include "tests/support/processes.h"

namespace hotdesk {
namespace {

using testing::HotdeskServerProcess;
using testing::RedisServer;

constexpr char kPin[] = "73915";

class DirectoryServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(redis_.Start());
    ASSERT_TRUE(server_.Start(redis_.addr(), {"--pin_lockout=2s", "--log_level=debug"}));
    ASSERT_TRUE(testing::WaitServing(server_.Channel()));
    devices_ = v1::Devices::NewStub(server_.Channel());
    guests_ = v1::Guests::NewStub(server_.Channel());
    assoc_ = v1::Associations::NewStub(server_.Channel());
  }
  void TearDown() override { server_.Stop(); }

  std::unique_ptr<grpc::ClientContext> Ctx() {
    auto c = std::make_unique<grpc::ClientContext>();
    c->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return c;
  }

  grpc::Status CreateDevice(const std::string& mac, const std::string& ext, v1::Device* out) {
    v1::CreateDeviceRequest req;
    req.set_tenant("acme");
    req.mutable_device()->set_mac(mac);
    req.mutable_device()->set_hotdesk_extension(ext);
    req.mutable_device()->set_display_name("Desk");
    return devices_->CreateDevice(Ctx().get(), req, out);
  }

  grpc::Status CreateGuest(const std::string& id, const std::string& pin) {
    v1::CreateGuestRequest req;
    req.set_tenant("acme");
    req.mutable_guest()->set_id(id);
    req.mutable_guest()->set_display_name("Alice");
    req.mutable_guest()->set_hotdesking_enabled(true);
    req.set_pin(pin);
    v1::Guest g;
    return guests_->CreateGuest(Ctx().get(), req, &g);
  }

  v1::VerifyPinResponse Verify(const std::string& id, const std::string& pin) {
    v1::VerifyPinRequest req;
    req.set_tenant("acme");
    req.set_id(id);
    req.set_pin(pin);
    v1::VerifyPinResponse resp;
    grpc::Status st = guests_->VerifyPin(Ctx().get(), req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return resp;
  }

  std::vector<std::string> Violations(const grpc::Status& st) {
    google::rpc::BadRequest bad;
    std::vector<std::string> out;
    if (GetDetail(FromGrpcStatus(st), &bad))
      for (const auto& v : bad.field_violations()) out.push_back(v.field());
    return out;
  }

  RedisServer redis_;
  HotdeskServerProcess server_;
  std::unique_ptr<v1::Devices::Stub> devices_;
  std::unique_ptr<v1::Guests::Stub> guests_;
  std::unique_ptr<v1::Associations::Stub> assoc_;
};

TEST_F(DirectoryServiceTest, DeviceMacIsNormalisedAndValidated) {
  v1::Device d;
  ASSERT_TRUE(CreateDevice("00-15-65-7A-1B-2C", "HD0001", &d).ok());
  EXPECT_EQ(d.mac(), "0015657a1b2c");
  EXPECT_EQ(d.provisioning(), v1::PROVISIONING_METHOD_PNP);
  EXPECT_EQ(d.network(), v1::NETWORK_LOCATION_LAN);
  // Any spelling finds it; so does the hot-desk extension.
  v1::GetDeviceRequest get;
  get.set_tenant("acme");
  get.set_mac("0015.657a.1b2c");
  v1::Device got;
  ASSERT_TRUE(devices_->GetDevice(Ctx().get(), get, &got).ok());
  EXPECT_EQ(got.hotdesk_extension(), "HD0001");
  get.clear_mac();
  get.set_hotdesk_extension("HD0001");
  ASSERT_TRUE(devices_->GetDevice(Ctx().get(), get, &got).ok());
  EXPECT_EQ(got.mac(), "0015657a1b2c");

  // Same MAC in another spelling: ALREADY_EXISTS; bad MAC: INVALID_ARGUMENT naming the field and
  // nothing stored.
  EXPECT_EQ(CreateDevice("00:15:65:7a:1b:2c", "HD0002", &d).error_code(),
            grpc::StatusCode::ALREADY_EXISTS);
  grpc::Status bad = CreateDevice("00:15:65:7a:1b", "HD0003", &d);
  EXPECT_EQ(bad.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Violations(bad), std::vector<std::string>{"device.mac"});
  EXPECT_EQ(CreateDevice("00:15:65:7a:1b:2d", "HD0001", &d).error_code(),
            grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(redis_.Cmd({"HLEN", "hotdesk:{acme}:dev"}), "1");
}

TEST_F(DirectoryServiceTest, ListShowsWhoIsOnWhichDeviceAndForceLogout) {
  v1::Device d;
  ASSERT_TRUE(CreateDevice("0015657a1b2c", "HD0001", &d).ok());
  ASSERT_TRUE(CreateDevice("0015657a1b2d", "HD0002", &d).ok());
  v1::EstablishRequest est;
  est.set_tenant("acme");
  est.set_host("HD0002");
  est.set_guest("101");
  v1::EstablishResponse er;
  ASSERT_TRUE(assoc_->Establish(Ctx().get(), est, &er).ok());

  v1::ListDevicesRequest list;
  list.set_tenant("acme");
  v1::ListDevicesResponse lr;
  ASSERT_TRUE(devices_->ListDevices(Ctx().get(), list, &lr).ok());
  ASSERT_EQ(lr.devices_size(), 2);
  for (const auto& s : lr.devices()) {
    if (s.device().hotdesk_extension() == "HD0001") {
      EXPECT_TRUE(s.idle());
    } else {
      EXPECT_FALSE(s.idle());
      EXPECT_EQ(s.association().guest(), "101");
      EXPECT_TRUE(s.association().has_establish_time());
    }
  }

  // While a guest is logged in, the device keeps its extension and cannot be removed.
  v1::UpdateDeviceRequest ud;
  ud.set_tenant("acme");
  ud.mutable_device()->set_mac("0015657a1b2d");
  ud.mutable_device()->set_hotdesk_extension("HD0009");
  ud.mutable_device()->set_display_name("Window desk");
  ud.mutable_update_mask()->add_paths("hotdesk_extension");
  grpc::Status busy = devices_->UpdateDevice(Ctx().get(), ud, &d);
  EXPECT_EQ(busy.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(ErrorReason(FromGrpcStatus(busy)), "DEVICE_IN_USE");
  ud.mutable_update_mask()->Clear();
  ud.mutable_update_mask()->add_paths("display_name");
  ASSERT_TRUE(devices_->UpdateDevice(Ctx().get(), ud, &d).ok());
  EXPECT_EQ(d.display_name(), "Window desk");
  EXPECT_EQ(d.hotdesk_extension(), "HD0002");
  v1::DeleteDeviceRequest del;
  del.set_tenant("acme");
  del.set_mac("0015657a1b2d");
  google::protobuf::Empty empty;
  EXPECT_EQ(devices_->DeleteDevice(Ctx().get(), del, &empty).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);

  // Force logout by MAC: the association ends with reason FORCED, on the stream.
  v1::ForceLogoutDeviceRequest fl;
  fl.set_tenant("acme");
  fl.set_mac("00-15-65-7a-1b-2d");
  v1::CancelResponse cr;
  ASSERT_TRUE(devices_->ForceLogoutDevice(Ctx().get(), fl, &cr).ok());
  EXPECT_EQ(cr.association().guest(), "101");
  std::string stream = redis_.Cmd({"XRANGE", "hotdesk:{acme}:ev", "-", "+"});
  EXPECT_NE(stream.find("t C h HD0002 r " + std::to_string(v1::CANCEL_REASON_FORCED)),
            std::string::npos)
      << stream;
  // Idle now: a second force logout has nothing to end.
  EXPECT_EQ(devices_->ForceLogoutDevice(Ctx().get(), fl, &cr).error_code(),
            grpc::StatusCode::NOT_FOUND);

  // Force logout of a guest.
  ASSERT_TRUE(assoc_->Establish(Ctx().get(), est, &er).ok());
  v1::ForceLogoutGuestRequest fg;
  fg.set_tenant("acme");
  fg.set_id("101");
  ASSERT_TRUE(guests_->ForceLogoutGuest(Ctx().get(), fg, &cr).ok());
  EXPECT_EQ(cr.association().host(), "HD0002");
  v1::GetAssociationRequest ga;
  ga.set_tenant("acme");
  ga.set_host("HD0002");
  v1::Association a;
  EXPECT_EQ(assoc_->GetAssociation(Ctx().get(), ga, &a).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(DirectoryServiceTest, VerifyPinCountsAndLocksAndThePinStaysSecret) {
  ASSERT_TRUE(CreateGuest("101", kPin).ok());
  EXPECT_EQ(Verify("101", kPin).result(), v1::VerifyPinResponse::RESULT_OK);
  auto w1 = Verify("101", "11111");
  EXPECT_EQ(w1.result(), v1::VerifyPinResponse::RESULT_WRONG);
  EXPECT_EQ(w1.attempts_left(), 2);
  EXPECT_EQ(Verify("101", "abc").attempts_left(), 1);  // malformed counts too
  auto w3 = Verify("101", "22222");
  EXPECT_EQ(w3.result(), v1::VerifyPinResponse::RESULT_LOCKED);
  EXPECT_TRUE(w3.has_locked_until());
  EXPECT_EQ(w3.lockout().seconds(), 2);
  // Locked: even the right PIN is refused.
  EXPECT_EQ(Verify("101", kPin).result(), v1::VerifyPinResponse::RESULT_LOCKED);
  v1::GetGuestRequest gg;
  gg.set_tenant("acme");
  gg.set_id("101");
  v1::Guest g;
  ASSERT_TRUE(guests_->GetGuest(Ctx().get(), gg, &g).ok());
  EXPECT_TRUE(g.has_pin());
  EXPECT_EQ(g.failed_attempts(), 3);
  EXPECT_TRUE(g.has_locked_until());
  // After the lockout, the right PIN works again.
  absl::SleepFor(absl::Milliseconds(2100));
  EXPECT_EQ(Verify("101", kPin).result(), v1::VerifyPinResponse::RESULT_OK);

  // SetPin: new PIN works, the old one does not; invalid PINs are refused by field.
  v1::SetPinRequest sp;
  sp.set_tenant("acme");
  sp.set_id("101");
  sp.set_pin("12x4");
  grpc::Status bad = guests_->SetPin(Ctx().get(), sp, &g);
  EXPECT_EQ(bad.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Violations(bad), std::vector<std::string>{"pin"});
  EXPECT_EQ(bad.error_message().find("12x4"), std::string::npos);
  sp.set_pin("468024");
  ASSERT_TRUE(guests_->SetPin(Ctx().get(), sp, &g).ok());
  EXPECT_EQ(Verify("101", "468024").result(), v1::VerifyPinResponse::RESULT_OK);
  EXPECT_EQ(Verify("101", kPin).result(), v1::VerifyPinResponse::RESULT_WRONG);

  ASSERT_TRUE(CreateGuest("102", "").ok());
  EXPECT_EQ(Verify("102", kPin).result(), v1::VerifyPinResponse::RESULT_NO_PIN);

  // The PIN is nowhere in clear: not in Redis, not in the server's output.
  std::string dump = redis_.Cmd({"HGETALL", "hotdesk:{acme}:guest"}) +
                     redis_.Cmd({"HGETALL", "hotdesk:{acme}:pin"}) + redis_.Cmd({"KEYS", "*"});
  EXPECT_NE(dump.find("$argon2id$"), std::string::npos) << dump;
  EXPECT_EQ(dump.find(kPin), std::string::npos) << dump;
  EXPECT_EQ(dump.find("468024"), std::string::npos) << dump;
  std::string out = server_.process().Stdout() + server_.process().Stderr();
  EXPECT_NE(out.find("PIN checked"), std::string::npos);
  EXPECT_EQ(out.find(kPin), std::string::npos);
  EXPECT_EQ(out.find("468024"), std::string::npos);
}

// The guest policy end to end: Guests decides, the establish script enforces it for every
// caller; deleting the guest makes it unregistered again, which is allowed.
TEST_F(DirectoryServiceTest, GuestDisabledThroughGuestsCannotEstablish) {
  ASSERT_TRUE(CreateGuest("101", "").ok());
  auto establish = [&](const std::string& host) {
    v1::EstablishRequest req;
    req.set_tenant("acme");
    req.set_host(host);
    req.set_guest("101");
    v1::EstablishResponse resp;
    return assoc_->Establish(Ctx().get(), req, &resp);
  };
  auto set_enabled = [&](bool enabled) {
    v1::UpdateGuestRequest ug;
    ug.set_tenant("acme");
    ug.mutable_guest()->set_id("101");
    ug.mutable_guest()->set_hotdesking_enabled(enabled);
    ug.mutable_update_mask()->add_paths("hotdesking_enabled");
    v1::Guest g;
    ASSERT_TRUE(guests_->UpdateGuest(Ctx().get(), ug, &g).ok());
  };
  set_enabled(false);
  grpc::Status st = establish("HD0001");
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << st.error_message();
  EXPECT_EQ(ErrorReason(FromGrpcStatus(st)), "GUEST_DISABLED");
  EXPECT_EQ(redis_.Cmd({"XLEN", "hotdesk:{acme}:ev"}), "0");

  set_enabled(true);
  EXPECT_TRUE(establish("HD0001").ok());

  v1::CancelRequest cancel;
  cancel.set_tenant("acme");
  cancel.set_guest("101");
  v1::CancelResponse cancelled;
  ASSERT_TRUE(assoc_->Cancel(Ctx().get(), cancel, &cancelled).ok());
  set_enabled(false);
  EXPECT_EQ(ErrorReason(FromGrpcStatus(establish("HD0002"))), "GUEST_DISABLED");
  v1::DeleteGuestRequest del;
  del.set_tenant("acme");
  del.set_id("101");
  google::protobuf::Empty empty;
  ASSERT_TRUE(guests_->DeleteGuest(Ctx().get(), del, &empty).ok());
  EXPECT_TRUE(establish("HD0002").ok());
}

TEST_F(DirectoryServiceTest, UpdatesAreValidatedFieldByField) {
  ASSERT_TRUE(CreateGuest("101", "").ok());
  v1::UpdateGuestRequest ug;
  ug.set_tenant("acme");
  ug.mutable_guest()->set_id("101");
  ug.mutable_guest()->set_hotdesking_enabled(false);
  ug.mutable_update_mask()->add_paths("hotdesking_enabled");
  v1::Guest g;
  ASSERT_TRUE(guests_->UpdateGuest(Ctx().get(), ug, &g).ok());
  EXPECT_FALSE(g.hotdesking_enabled());
  EXPECT_EQ(g.display_name(), "Alice");  // untouched
  ug.mutable_update_mask()->add_paths("has_pin");
  grpc::Status st = guests_->UpdateGuest(Ctx().get(), ug, &g);
  EXPECT_EQ(Violations(st), std::vector<std::string>{"update_mask"});
  // A limit the server would not accept for an association is refused up front.
  ug.mutable_update_mask()->Clear();
  ug.mutable_update_mask()->add_paths("association_limit");
  ug.mutable_guest()->mutable_association_limit()->mutable_daily()->set_time_zone("Mars/Base");
  st = guests_->UpdateGuest(Ctx().get(), ug, &g);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  ug.mutable_guest()->mutable_association_limit()->mutable_daily()->set_time_zone("Europe/Berlin");
  ug.mutable_guest()->mutable_association_limit()->mutable_daily()->set_hour(23);
  ASSERT_TRUE(guests_->UpdateGuest(Ctx().get(), ug, &g).ok());
  EXPECT_EQ(g.association_limit().daily().hour(), 23);

  v1::Device d;
  ASSERT_TRUE(CreateDevice("0015657a1b2c", "HD0001", &d).ok());
  ASSERT_TRUE(CreateDevice("0015657a1b2d", "HD0002", &d).ok());
  v1::UpdateDeviceRequest ud;
  ud.set_tenant("acme");
  ud.mutable_device()->set_mac("0015657A1B2D");
  ud.mutable_device()->set_hotdesk_extension("HD0001");
  ud.mutable_update_mask()->add_paths("hotdesk_extension");
  EXPECT_EQ(devices_->UpdateDevice(Ctx().get(), ud, &d).error_code(),
            grpc::StatusCode::ALREADY_EXISTS);
  ud.mutable_device()->set_hotdesk_extension("HD0007");
  ASSERT_TRUE(devices_->UpdateDevice(Ctx().get(), ud, &d).ok());
  EXPECT_EQ(d.hotdesk_extension(), "HD0007");
  EXPECT_EQ(d.display_name(), "Desk");
  EXPECT_EQ(redis_.Cmd({"HGET", "hotdesk:{acme}:dev-ext", "HD0007"}), "0015657a1b2d");
  EXPECT_EQ(redis_.Cmd({"HGET", "hotdesk:{acme}:dev-ext", "HD0002"}), "(nil)");
}

}  // namespace
}  // namespace hotdesk
