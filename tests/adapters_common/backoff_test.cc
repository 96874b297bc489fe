#include "adapters/common/backoff.h"

#include <gtest/gtest.h>

namespace hotdesk::adapters {
namespace {

TEST(Backoff, GrowsToTheMaximumWithJitterAndResets) {
  Backoff b({absl::Milliseconds(100), absl::Seconds(1), 2.0, 0.2});
  absl::Duration first = b.Next();
  EXPECT_GE(first, absl::Milliseconds(80));
  EXPECT_LE(first, absl::Milliseconds(120));
  absl::Duration d;
  for (int i = 0; i < 10; ++i) d = b.Next();
  EXPECT_GE(d, absl::Milliseconds(800));
  EXPECT_LE(d, absl::Seconds(1));
  b.Reset();
  EXPECT_LE(b.Next(), absl::Milliseconds(120));
}

TEST(Backoff, JitterSpreadsClientsThatFailedTogether) {
  // Two hundred loops started at once do not all wait the same time.
  std::set<int64_t> waits;
  for (int i = 0; i < 200; ++i) {
    Backoff b({absl::Seconds(1), absl::Seconds(5), 2.0, 0.2});
    waits.insert(absl::ToInt64Microseconds(b.Next()));
  }
  EXPECT_GT(waits.size(), 150u);
}

}  // namespace
}  // namespace hotdesk::adapters
