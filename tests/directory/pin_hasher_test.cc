// The PIN hashing pool: hashes verify, the queue is bounded (RESOURCE_EXHAUSTED, not a backlog)
// and a job whose caller gave up is dropped unhashed (DEADLINE_EXCEEDED).
#include "services/directory/pin_hasher.h"

#include <gtest/gtest.h>

#include <future>

#include "absl/time/clock.h"

namespace hotdesk {
namespace {

absl::Time Soon() { return absl::Now() + absl::Seconds(10); }

std::string HashOf(PinHasher& h, const std::string& pin) {
  std::promise<absl::StatusOr<std::string>> p;
  h.Hash(pin, Soon(), [&](absl::StatusOr<std::string> r) { p.set_value(std::move(r)); });
  auto r = p.get_future().get();
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? *r : "";
}

TEST(PinHasherTest, HashesVerifyAndWrongPinsDoNot) {
  PinHasher h(*PinHashCostByName("min"), 1);
  std::string hash = HashOf(h, "482910");
  for (const auto& [pin, want] : std::vector<std::pair<std::string, bool>>{{"482910", true},
                                                                           {"482911", false}}) {
    std::promise<absl::StatusOr<bool>> p;
    h.Verify(hash, pin, Soon(), [&](absl::StatusOr<bool> r) { p.set_value(r); });
    auto r = p.get_future().get();
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(*r, want) << pin;
  }
}

// One worker held busy; two jobs fill the queue.
TEST(PinHasherTest, FullQueueRefusesAtOnceAndLateJobsAreDropped) {
  PinHasher h(*PinHashCostByName("min"), 1, /*max_queue=*/2);
  std::string hash = HashOf(h, "482910");
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> busy;
  h.Verify(hash, "1", Soon(), [&](absl::StatusOr<bool>) {
    busy.set_value();
    released.wait();  // the worker stays here until the test lets it go
  });
  busy.get_future().wait();
  EXPECT_FALSE(h.Saturated());
  std::promise<absl::StatusOr<bool>> late, queued;
  h.Verify(hash, "482910", absl::Now() + absl::Milliseconds(50),
           [&](absl::StatusOr<bool> r) { late.set_value(r); });
  h.Verify(hash, "482910", Soon(), [&](absl::StatusOr<bool> r) { queued.set_value(r); });
  EXPECT_TRUE(h.Saturated());
  std::promise<absl::StatusOr<std::string>> refused;
  h.Hash("123456", Soon(), [&](absl::StatusOr<std::string> r) { refused.set_value(r); });
  auto f = refused.get_future();
  ASSERT_EQ(f.wait_for(std::chrono::seconds(0)), std::future_status::ready)
      << "a full queue must answer at once";
  EXPECT_EQ(f.get().status().code(), absl::StatusCode::kResourceExhausted);
  absl::SleepFor(absl::Milliseconds(100));  // the first queued job's caller gives up meanwhile
  release.set_value();
  EXPECT_EQ(late.get_future().get().status().code(), absl::StatusCode::kDeadlineExceeded);
  auto ok = queued.get_future().get();
  ASSERT_TRUE(ok.ok());
  EXPECT_TRUE(*ok);
  EXPECT_FALSE(h.Saturated());
}

}  // namespace
}  // namespace hotdesk
