// PIN hashing with libsodium's crypto_pwhash_str (Argon2id, salted) on a small worker pool, so the
// deliberately slow hash never runs on gRPC callback threads. Verification is
// crypto_pwhash_str_verify (constant time with respect to the PIN). The queue is bounded (a flood
// of PIN checks is refused with RESOURCE_EXHAUSTED instead of growing a backlog) and
// deadline-aware (a job whose caller has given up is dropped with DEADLINE_EXCEEDED, unhashed).
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace hotdesk {

struct PinHashCost {
  unsigned long long opslimit = 0;
  size_t memlimit = 0;
};

// "interactive" (libsodium's interactive limits), "moderate", or "min" (the smallest Argon2id
// allows: for tests and small machines). nullopt-like error on anything else.
absl::StatusOr<PinHashCost> PinHashCostByName(absl::string_view name);

class PinHasher {
 public:
  // At most `max_queue` jobs wait for a worker.
  PinHasher(PinHashCost cost, int threads, size_t max_queue = 64);
  ~PinHasher();
  PinHasher(const PinHasher&) = delete;
  PinHasher& operator=(const PinHasher&) = delete;

  // `done` runs on a worker thread, or on the caller's when the queue is full
  // (RESOURCE_EXHAUSTED). DEADLINE_EXCEEDED when `deadline` passed before a worker got to it.
  // The PIN copies are wiped after use.
  void Hash(std::string pin, absl::Time deadline,
            std::function<void(absl::StatusOr<std::string>)> done);
  // false on mismatch or a malformed hash.
  void Verify(std::string hash, std::string pin, absl::Time deadline,
              std::function<void(absl::StatusOr<bool>)> done);
  // The queue is full: a new job would be refused. Lets a caller refuse before it counts
  // anything (a PIN attempt) that a refused job would leave counted.
  bool Saturated();

 private:
  struct Job {
    absl::Time deadline;
    std::function<void()> run;
    std::function<void(absl::Status)> drop;  // the job is not run: deadline passed
  };
  // false (and nothing queued) when the queue is full.
  bool Post(Job job);
  void Run();

  PinHashCost cost_;
  size_t max_queue_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> jobs_;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace hotdesk
