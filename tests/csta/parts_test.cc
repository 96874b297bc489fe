// Gateway parts without sockets: monitor index, error mapping. (The resync diff and the cursor
// file are the shared follower's: tests/adapters_common.)
#include <unistd.h>

#include <gtest/gtest.h>

#include "adapters/csta/error_map.h"
#include "adapters/csta/monitors.h"
#include "google/rpc/error_details.pb.h"
#include "services/common/status.h"

namespace hotdesk::csta {
namespace {

class FakeSink : public ClientSink {
 public:
  explicit FakeSink(uint64_t id) : id_(id) {}
  uint64_t id() const override { return id_; }
  std::string Namespace() const override { return "ns"; }
  void Enqueue(std::string frame) override { frames.push_back(std::move(frame)); }
  std::vector<std::string> frames;

 private:
  uint64_t id_;
};

TEST(CstaMonitors, IndexesByDeviceAndOwner) {
  Monitors m(2);
  auto a = std::make_shared<FakeSink>(1);
  auto b = std::make_shared<FakeSink>(2);
  std::string x1 = m.Add(a, "7002");
  std::string x2 = m.Add(a, "7003");
  std::string x3 = m.Add(b, "7002");
  EXPECT_EQ(m.Add(a, "7004"), "");  // per-client limit
  EXPECT_NE(x1, x3);
  auto t = m.ForDevices({"7002", "7003"});
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(m.ForDevices({"7003"}).at(0).cross_ref_id, x2);
  EXPECT_FALSE(m.Remove(2, x1));  // not b's monitor
  EXPECT_TRUE(m.Remove(1, x1));
  EXPECT_FALSE(m.Remove(1, x1));
  EXPECT_FALSE(m.Remove(1, "junk"));
  EXPECT_EQ(m.ForDevices({"7002"}).size(), 1u);
  m.RemoveClient(2);
  EXPECT_TRUE(m.ForDevices({"7002"}).empty());
  EXPECT_EQ(m.size(), 1u);
  b.reset();
}

TEST(CstaMonitors, GoneClientsAreSkipped) {
  Monitors m(10);
  auto a = std::make_shared<FakeSink>(1);
  m.Add(a, "7002");
  a.reset();
  EXPECT_TRUE(m.ForDevices({"7002"}).empty());
}

grpc::Status WithReason(absl::StatusCode code, const char* reason) {
  return ToGrpcStatus(ErrorWithReason(code, reason, "x"));
}

grpc::Status BadField(const char* field) {
  FieldViolations v;
  v.Add(field, "bad");
  return ToGrpcStatus(v.ToStatus());
}

TEST(CstaErrorMap, MapsServiceErrors) {
  auto is = [](const CstaError& e, const char* c, const char* v) {
    return e.category == c && e.value == v;
  };
  EXPECT_TRUE(is(
      MapStatus(WithReason(absl::StatusCode::kFailedPrecondition, "HOST_BUSY"), Call::kEstablish),
      "stateIncompatibility", "incorrectObjectState"));
  EXPECT_TRUE(is(MapStatus(WithReason(absl::StatusCode::kFailedPrecondition, "GUEST_ELSEWHERE"),
                           Call::kEstablish),
                 "stateIncompatibility", "incorrectObjectState"));
  EXPECT_TRUE(is(
      MapStatus(WithReason(absl::StatusCode::kFailedPrecondition, "NOT_ASSOCIATED"), Call::kCancel),
      "operation", "invalidAgentID"));
  EXPECT_TRUE(
      is(MapStatus(WithReason(absl::StatusCode::kNotFound, "NO_ASSOCIATION"), Call::kCancel),
         "operation", "invalidAgentState"));
  EXPECT_TRUE(is(MapStatus(grpc::Status(grpc::StatusCode::NOT_FOUND, "x"), Call::kEstablish),
                 "operation", "invalidAgentID"));
  EXPECT_TRUE(is(MapStatus(BadField("host"), Call::kEstablish), "operation", "invalidDeviceID"));
  EXPECT_TRUE(is(MapStatus(BadField("guest"), Call::kEstablish), "operation", "invalidAgentID"));
  EXPECT_TRUE(
      is(MapStatus(BadField("pin"), Call::kVerifyPin), "operation", "invalidAgentPassword"));
  EXPECT_TRUE(is(MapStatus(grpc::Status(grpc::StatusCode::UNAVAILABLE, "x"), Call::kEstablish),
                 "systemResourceAvailability", "resourceOutOfService"));
  EXPECT_TRUE(
      is(MapStatus(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "x"), Call::kEstablish),
         "systemResourceAvailability", "resourceBusy"));
  EXPECT_TRUE(is(MapStatus(grpc::Status(grpc::StatusCode::INTERNAL, "x"), Call::kEstablish),
                 "operation", "generic"));
}

}  // namespace
}  // namespace hotdesk::csta
