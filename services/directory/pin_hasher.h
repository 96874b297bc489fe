// PIN hashing with libsodium's crypto_pwhash_str (Argon2id, salted) on a small worker pool, so the
// deliberately slow hash never runs on gRPC callback threads. Verification is
// crypto_pwhash_str_verify (constant time with respect to the PIN).
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
  PinHasher(PinHashCost cost, int threads);
  ~PinHasher();
  PinHasher(const PinHasher&) = delete;
  PinHasher& operator=(const PinHasher&) = delete;

  // `done` runs on a worker thread. The PIN copies are wiped after use.
  void Hash(std::string pin, std::function<void(absl::StatusOr<std::string>)> done);
  // false on mismatch or a malformed hash.
  void Verify(std::string hash, std::string pin, std::function<void(bool)> done);

 private:
  void Post(std::function<void()> job);
  void Run();

  PinHashCost cost_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace hotdesk
