// Retried calls against a real hotdesk-server process that is stopped (SIGSTOP) and resumed.
#include "adapters/common/core_call.h"

#include <csignal>
#include <future>
#include <thread>

#include <gtest/gtest.h>

#include "absl/time/clock.h"
#include "tests/support/processes.h"

namespace hotdesk::adapters {
namespace {

using hotdesk::testing::HotdeskServerProcess;

v1::EstablishRequest Login(const std::string& host, const std::string& guest,
                           const std::string& request_id) {
  v1::EstablishRequest r;
  r.set_tenant("t");
  r.set_host(host);
  r.set_guest(guest);
  r.set_request_id(request_id);
  return r;
}

class CoreCallTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.Start(""));
    stub_ = v1::Associations::NewStub(server_.Channel());
  }
  void TearDown() override {
    server_.process().Signal(SIGCONT);
    server_.Stop();
  }
  // Events after `after` up to and including the first one of host `marker`.
  std::vector<v1::AssociationEvent> EventsUntil(const std::string& after,
                                                const std::string& marker) {
    grpc::ClientContext ctx;
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    v1::WatchEventsRequest req;
    req.set_tenant("t");
    req.set_after_cursor(after);
    auto reader = stub_->WatchEvents(&ctx, req);
    std::vector<v1::AssociationEvent> out;
    v1::AssociationEvent ev;
    while (reader->Read(&ev)) {
      out.push_back(ev);
      if (ev.association().host() == marker) break;
    }
    ctx.TryCancel();
    reader->Finish();
    return out;
  }
  // The core stops answering (SIGSTOP), for sure before the test goes on.
  void Stall() {
    server_.process().Signal(SIGSTOP);
    ASSERT_TRUE(hotdesk::testing::WaitProcessStopped(server_.process().pid()));
  }
  std::string Establish(const std::string& host, const std::string& guest) {
    v1::EstablishResponse resp;
    grpc::ClientContext ctx;
    EXPECT_TRUE(stub_->Establish(&ctx, Login(host, guest, ""), &resp).ok());
    return resp.cursor();
  }

  HotdeskServerProcess server_;
  std::unique_ptr<v1::Associations::Stub> stub_;
};

TEST_F(CoreCallTest, AMutationWithoutRequestIdIsRefusedAndNotSent) {
  v1::EstablishResponse resp;
  grpc::Status st = RetryingEstablish(*stub_, {}, nullptr, Login("h1", "g1", ""), &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(st.error_message().find("request_id"), std::string::npos);
  v1::GetAssociationRequest get;
  get.set_tenant("t");
  get.set_host("h1");
  v1::Association a;
  grpc::ClientContext ctx;
  EXPECT_EQ(stub_->GetAssociation(&ctx, get, &a).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(CoreCallTest, StalledCoreIsRetriedWithTheSameIdAndChangesOnce) {
  std::string before = Establish("h0", "g0");
  Stall();
  CallPolicy policy;
  policy.attempt_timeout = absl::Milliseconds(300);
  policy.retry_budget = absl::Seconds(20);
  int attempts = 0;
  auto call = std::async(std::launch::async, [&] {
    v1::EstablishResponse resp;
    return RetryingEstablish(*stub_, policy, nullptr, Login("h1", "g1", "r-1"), &resp, &attempts);
  });
  // Resume once the first attempts have timed out.
  EXPECT_EQ(call.wait_for(std::chrono::milliseconds(1500)), std::future_status::timeout);
  server_.process().Signal(SIGCONT);
  grpc::Status st = call.get();
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_GT(attempts, 1);
  Establish("marker", "m");
  int established = 0;
  for (const auto& ev : EventsUntil(before, "marker")) {
    if (ev.association().host() == "h1") {
      EXPECT_EQ(ev.type(), v1::EVENT_TYPE_ESTABLISHED);
      EXPECT_EQ(ev.request_id(), "r-1");
      ++established;
    }
  }
  EXPECT_EQ(established, 1);
}

TEST_F(CoreCallTest, ErrorsThatRetryingCannotFixAreNotRetried) {
  int attempts = 0;
  v1::EstablishResponse resp;
  grpc::Status st =
      RetryingEstablish(*stub_, {}, nullptr, Login("bad host", "g1", "r-2"), &resp, &attempts);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(attempts, 1);
}

TEST_F(CoreCallTest, BudgetEndsTheRetries) {
  Stall();
  CallPolicy policy;
  policy.attempt_timeout = absl::Milliseconds(200);
  policy.retry_budget = absl::Seconds(1);
  absl::Time start = absl::Now();
  v1::EstablishResponse resp;
  grpc::Status st = RetryingEstablish(*stub_, policy, nullptr, Login("h1", "g1", "r-3"), &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
}

TEST_F(CoreCallTest, CancellerEndsTheAttemptInFlightAndTheWaits) {
  Stall();
  CallCanceller canceller;
  CallPolicy policy;
  policy.attempt_timeout = absl::Seconds(30);
  policy.retry_budget = absl::Seconds(60);
  auto call = std::async(std::launch::async, [&] {
    v1::EstablishResponse resp;
    return RetryingEstablish(*stub_, policy, &canceller, Login("h1", "g1", "r-4"), &resp);
  });
  EXPECT_EQ(call.wait_for(std::chrono::milliseconds(300)), std::future_status::timeout);
  canceller.Cancel();
  ASSERT_EQ(call.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_FALSE(call.get().ok());
  // Later calls fail at once.
  v1::EstablishResponse resp;
  EXPECT_EQ(
      RetryingEstablish(*stub_, policy, &canceller, Login("h2", "g2", "r-5"), &resp).error_code(),
      grpc::StatusCode::CANCELLED);
}

TEST_F(CoreCallTest, CallOnceMakesOneAttempt) {
  Stall();
  CallPolicy policy;
  policy.attempt_timeout = absl::Milliseconds(200);
  policy.retry_budget = absl::Seconds(30);
  int attempts = 0;
  absl::Time start = absl::Now();
  grpc::Status st = CallOnce(policy, nullptr, [&](grpc::ClientContext* ctx) {
    ++attempts;
    v1::Association a;
    v1::GetAssociationRequest req;
    req.set_tenant("t");
    req.set_host("h1");
    return stub_->GetAssociation(ctx, req, &a);
  });
  EXPECT_EQ(st.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_EQ(attempts, 1);
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
}

TEST(RequestIds, NeverRepeatAcrossScopesOrActions) {
  RequestIds a("csta-" + RandomNonce()), b("csta-" + RandomNonce());
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    EXPECT_TRUE(seen.insert(a.Next("0001")).second);
    EXPECT_TRUE(seen.insert(b.Next("0001")).second);
  }
  std::string id = a.Next("0042");
  EXPECT_LE(id.size(), 128u);
  EXPECT_EQ(id.find(' '), std::string::npos);
}

}  // namespace
}  // namespace hotdesk::adapters
