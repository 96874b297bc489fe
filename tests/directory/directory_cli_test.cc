// hotdeskctl devices / guests against a real hotdesk-server and redis-server.
#include <gtest/gtest.h>

#include "hotdesk/v1/associations.grpc.pb.h"
#include "tests/support/wait_serving.h"
#include "tests/support/processes.h"

namespace hotdesk {
namespace {

using testing::CtlBinary;
using testing::HotdeskServerProcess;
using testing::RedisServer;
using testing::RunCommand;

class DirectoryCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(redis_.Start());
    ASSERT_TRUE(server_.Start(redis_.addr()));
    ASSERT_TRUE(testing::WaitServing(server_.Channel()));
  }
  void TearDown() override { server_.Stop(); }

  int Ctl(std::vector<std::string> args, std::string* out, std::string* err = nullptr) {
    std::vector<std::string> argv = {CtlBinary(), "--server=" + server_.addr(), "--tenant=acme"};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunCommand(argv, out, err);
  }

  RedisServer redis_;
  HotdeskServerProcess server_;
};

TEST_F(DirectoryCliTest, DevicesAndGuestsLifecycleWithForceLogout) {
  std::string out, err;
  ASSERT_EQ(Ctl({"devices", "add", "AA-BB-CC-DD-EE-F0", "HD0001", "--display_name=Desk 1",
                 "--provisioning=rps", "--network=sbc"},
                &out, &err),
            0)
      << err;
  EXPECT_NE(out.find("mac=aabbccddeef0"), std::string::npos) << out;
  EXPECT_NE(out.find("provisioning=RPS network=SBC"), std::string::npos) << out;
  ASSERT_EQ(Ctl({"guests", "add", "101", "--display_name=Alice", "--pin=73915"}, &out, &err), 0)
      << err;
  EXPECT_NE(out.find("pin=set"), std::string::npos) << out;

  // A bad MAC is refused with the field named, exit code 1.
  EXPECT_EQ(Ctl({"devices", "add", "AA-BB-CC", "HD0002"}, &out, &err), 1);
  EXPECT_NE(err.find("device.mac"), std::string::npos) << err;
  // A bad PIN likewise, without echoing it.
  EXPECT_EQ(Ctl({"guests", "set-pin", "101", "--pin=12"}, &out, &err), 1);
  EXPECT_NE(err.find("pin: must be 4-15 digits"), std::string::npos) << err;

  ASSERT_EQ(Ctl({"devices", "list"}, &out, &err), 0) << err;
  EXPECT_NE(out.find("status: idle (shows HD0001)"), std::string::npos) << out;

  auto assoc = v1::Associations::NewStub(server_.Channel());
  v1::EstablishRequest est;
  est.set_tenant("acme");
  est.set_host("HD0001");
  est.set_guest("101");
  v1::EstablishResponse er;
  grpc::ClientContext c1;
  ASSERT_TRUE(assoc->Establish(&c1, est, &er).ok());
  ASSERT_EQ(Ctl({"devices", "list"}, &out, &err), 0) << err;
  EXPECT_NE(out.find("status: guest=101 since="), std::string::npos) << out;

  ASSERT_EQ(Ctl({"devices", "force-logout", "aabb.ccdd.eef0"}, &out, &err), 0) << err;
  EXPECT_NE(out.find("logged out guest=101 host=HD0001 reason=FORCED"), std::string::npos) << out;
  std::string stream = redis_.Cmd({"XRANGE", "hotdesk:{acme}:ev", "-", "+"});
  EXPECT_NE(stream.find("t C h HD0001 r " + std::to_string(v1::CANCEL_REASON_FORCED)),
            std::string::npos)
      << stream;
  // Nothing left to log out: NOT_FOUND, exit 1.
  EXPECT_EQ(Ctl({"devices", "force-logout", "aabbccddeef0"}, &out, &err), 1);
  EXPECT_NE(err.find("NOT_FOUND"), std::string::npos) << err;

  grpc::ClientContext c2;
  ASSERT_TRUE(assoc->Establish(&c2, est, &er).ok());
  ASSERT_EQ(Ctl({"guests", "force-logout", "101"}, &out, &err), 0) << err;
  EXPECT_NE(out.find("reason=FORCED"), std::string::npos) << out;

  ASSERT_EQ(Ctl({"guests", "update", "101", "--hotdesking=off"}, &out, &err), 0) << err;
  ASSERT_EQ(Ctl({"guests", "list"}, &out, &err), 0) << err;
  EXPECT_NE(out.find("id=101 name=\"Alice\" hotdesking=off pin=set"), std::string::npos) << out;
  ASSERT_EQ(Ctl({"--json", "guests", "get", "101"}, &out, &err), 0) << err;
  EXPECT_NE(out.find("\"has_pin\":true"), std::string::npos) << out;
  EXPECT_EQ(out.find("73915"), std::string::npos) << out;

  ASSERT_EQ(Ctl({"devices", "remove", "aabbccddeef0"}, &out, &err), 0) << err;
  ASSERT_EQ(Ctl({"guests", "remove", "101"}, &out, &err), 0) << err;
  ASSERT_EQ(Ctl({"devices", "list"}, &out, &err), 0) << err;
  EXPECT_NE(out.find("0 device(s)"), std::string::npos) << out;
  EXPECT_EQ(redis_.Cmd({"HLEN", "hotdesk:{acme}:pin"}), "0");
}

}  // namespace
}  // namespace hotdesk
