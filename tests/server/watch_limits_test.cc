#include "services/server/watch_limits.h"

#include <gtest/gtest.h>

#include "services/common/status.h"

namespace hotdesk {
namespace {

TEST(WatchLimitsTest, CapsPerCallerAndPerTenantAndGivesPlacesBack) {
  WatchLimits limits({/*per_caller=*/2, /*per_tenant=*/3});
  auto a1 = limits.Acquire("ipv4:10.0.0.1", "acme");
  auto a2 = limits.Acquire("ipv4:10.0.0.1", "acme");
  ASSERT_TRUE(a1.ok() && a2.ok());
  auto a3 = limits.Acquire("ipv4:10.0.0.1", "other");
  EXPECT_EQ(a3.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(ErrorReason(a3.status()), "WATCHERS_PER_CALLER");
  EXPECT_NE(a3.status().message().find("max_watchers_per_caller"), std::string::npos);

  auto b1 = limits.Acquire("ipv4:10.0.0.2", "acme");
  ASSERT_TRUE(b1.ok());
  auto b2 = limits.Acquire("ipv4:10.0.0.2", "acme");
  EXPECT_EQ(b2.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(ErrorReason(b2.status()), "WATCHERS_PER_TENANT");
  EXPECT_NE(b2.status().message().find("acme"), std::string::npos);
  EXPECT_TRUE(limits.Acquire("ipv4:10.0.0.2", "other").ok());  // released at once

  a1->reset();  // a watcher ends: its place is free again
  EXPECT_TRUE(limits.Acquire("ipv4:10.0.0.2", "acme").ok());
}

}  // namespace
}  // namespace hotdesk
