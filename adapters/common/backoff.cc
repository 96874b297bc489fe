#include "adapters/common/backoff.h"

#include <algorithm>

namespace hotdesk::adapters {

Backoff::Backoff(BackoffPolicy policy)
    : policy_(policy), current_(policy.initial), rng_(std::random_device{}()) {}

absl::Duration Backoff::Next() {
  std::uniform_real_distribution<double> u(1.0 - policy_.jitter, 1.0 + policy_.jitter);
  absl::Duration d = std::min(current_ * u(rng_), policy_.max);
  current_ = std::min(current_ * policy_.multiplier, policy_.max);
  return d;
}

void Backoff::Reset() { current_ = policy_.initial; }

}  // namespace hotdesk::adapters
