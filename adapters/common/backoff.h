// The one retry policy of the adapters: exponential delays from `initial` up to `max`, each
// jittered so that many clients that failed together do not retry together.
#pragma once

#include <cstdint>
#include <random>

#include "absl/time/time.h"

namespace hotdesk::adapters {

struct BackoffPolicy {
  absl::Duration initial = absl::Milliseconds(100);
  absl::Duration max = absl::Seconds(5);
  double multiplier = 2.0;
  // Each delay is drawn uniformly from [d * (1 - jitter), d * (1 + jitter)], capped at max.
  double jitter = 0.2;
};

// Not thread-safe: one per retry loop.
class Backoff {
 public:
  explicit Backoff(BackoffPolicy policy = {});
  // The delay to wait before the next attempt; the one after it is longer (up to max).
  absl::Duration Next();
  // After a success: the next failure waits `initial` again.
  void Reset();
  const BackoffPolicy& policy() const { return policy_; }

 private:
  BackoffPolicy policy_;
  absl::Duration current_;
  std::mt19937_64 rng_;
};

}  // namespace hotdesk::adapters
