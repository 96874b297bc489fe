// Joins the parts of one fanned-out operation: each part records its result under the lock and
// the part that completes the set is told so, to finish the operation after the lock is released
// (a completion callback must never run under a lock).
#pragma once

#include <cstddef>
#include <mutex>

namespace hotdesk {

class Countdown {
 public:
  explicit Countdown(size_t parts) : left_(parts) {}

  // Runs `record` under the lock; true for the caller whose part was the last. Once it has
  // returned true no other part touches the shared state, so the caller may read it unlocked.
  template <typename Record>
  bool Arrive(Record&& record) {
    std::lock_guard<std::mutex> lock(mu_);
    record();
    return --left_ == 0;
  }

 private:
  std::mutex mu_;
  size_t left_;
};

}  // namespace hotdesk
