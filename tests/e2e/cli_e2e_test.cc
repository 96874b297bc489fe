// hotdeskctl against a real server and Redis: what an operator types and sees.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/processes.h"

namespace hotdesk::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;

class CliE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(redis_.Start());
    ASSERT_TRUE(server_.Start(redis_.addr()));
  }
  int Ctl(std::vector<std::string> args, std::string* out, std::string* err = nullptr) {
    args.insert(args.begin(), {CtlBinary(), "--server=" + server_.addr(), "--tenant=acme"});
    return RunCommand(args, out, err);
  }
  RedisServer redis_;
  HotdeskServerProcess server_;
};

TEST_F(CliE2E, EstablishGetListCancel) {
  std::string out, err;
  ASSERT_EQ(Ctl({"establish", "7002", "7003", "--limit=8h"}, &out), 0);
  EXPECT_THAT(out, HasSubstr("established host=7002 guest=7003 source=API"));
  EXPECT_THAT(out, HasSubstr("expires="));
  ASSERT_EQ(Ctl({"establish", "7004", "7003"}, &out), 0);
  EXPECT_THAT(out, HasSubstr("superseded host=7002 guest=7003"));
  ASSERT_EQ(Ctl({"get", "--guest=7003"}, &out), 0);
  EXPECT_THAT(out, HasSubstr("host=7004 guest=7003"));
  ASSERT_EQ(Ctl({"list"}, &out), 0);
  EXPECT_THAT(out, HasSubstr("1 association(s)"));
  ASSERT_EQ(Ctl({"--json", "get", "7004"}, &out), 0);
  EXPECT_THAT(out, HasSubstr("\"guest\":\"7003\""));
  ASSERT_EQ(Ctl({"cancel", "--host=7004", "--reason=forced"}, &out), 0);
  EXPECT_THAT(out, HasSubstr("reason=FORCED"));
  EXPECT_EQ(Ctl({"get", "7004"}, &out, &err), 1);
  EXPECT_THAT(err, HasSubstr("NOT_FOUND"));
  EXPECT_EQ(redis_.Cmd({"HLEN", "hotdesk:{acme}:by-host"}), "0");
}

TEST_F(CliE2E, InvalidInputNamesTheField) {
  std::string out, err;
  EXPECT_EQ(Ctl({"establish", "70 02", "7003"}, &out, &err), 1);
  EXPECT_THAT(err, HasSubstr("INVALID_ARGUMENT"));
  EXPECT_THAT(err, HasSubstr("host: must not contain whitespace"));
  EXPECT_EQ(Ctl({"establish", "7002"}, &out, &err), 2);
  EXPECT_EQ(redis_.Cmd({"KEYS", "*"}), "");
}

TEST_F(CliE2E, WatchResumesAfterCursor) {
  std::string out;
  ASSERT_EQ(Ctl({"--json", "establish", "7002", "7003"}, &out), 0);
  ASSERT_EQ(Ctl({"establish", "7004", "7005"}, &out), 0);
  std::string cursor = out.substr(out.find("cursor=") + 7);
  cursor = cursor.substr(0, cursor.find_first_of(" \n"));
  ASSERT_EQ(Ctl({"establish", "7006", "7007"}, &out), 0);
  ChildProcess watch;
  ASSERT_TRUE(watch.Start(
      {CtlBinary(), "--server=" + server_.addr(), "--tenant=acme", "watch", "--after=" + cursor}));
  std::string line = watch.WaitForLine("ESTABLISHED", absl::Seconds(10));
  EXPECT_THAT(line, MatchesRegex("[0-9]+-[0-9]+ ESTABLISHED host=7006 guest=7007 source=API"));
  watch.Stop(SIGTERM);
  EXPECT_THAT(watch.Stdout(), ::testing::Not(HasSubstr("7004")));
}

TEST_F(CliE2E, WatchFollowsAcrossAServerRestart) {
  std::string out;
  int port = server_.port();
  ChildProcess watch;
  ASSERT_TRUE(watch.Start(
      {CtlBinary(), "--server=" + server_.addr(), "--tenant=acme", "watch", "--snapshot"}));
  ASSERT_FALSE(watch.WaitForLine("SNAPSHOT_COMPLETE", absl::Seconds(10)).empty());
  ASSERT_EQ(Ctl({"establish", "7002", "7003"}, &out), 0);
  ASSERT_FALSE(watch.WaitForLine("host=7002", absl::Seconds(10)).empty());
  // The server dies and comes back on the same address; meanwhile nothing is printed twice or lost.
  server_.process().Stop(SIGKILL);
  ASSERT_TRUE(server_.Start(redis_.addr(), {"--listen=127.0.0.1:" + std::to_string(port)}));
  ASSERT_EQ(Ctl({"establish", "7004", "7005"}, &out), 0);
  ASSERT_FALSE(watch.WaitForLine("host=7004", absl::Seconds(15)).empty()) << watch.Stderr();
  watch.Stop(SIGTERM);
  std::string printed = watch.Stdout();
  EXPECT_EQ(std::count(printed.begin(), printed.end(), '\n'), 3) << printed;  // snapshot end + 2
  EXPECT_THAT(printed, HasSubstr("ESTABLISHED host=7002 guest=7003"));
  EXPECT_THAT(printed, HasSubstr("ESTABLISHED host=7004 guest=7005"));
}

TEST_F(CliE2E, HealthReportsServing) {
  std::string out;
  EXPECT_EQ(Ctl({"health"}, &out), 0);
  EXPECT_THAT(out, HasSubstr("SERVING"));
}

}  // namespace
}  // namespace hotdesk::testing
