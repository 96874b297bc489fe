#include "services/directory/pin_hasher.h"

#include <sodium.h>

#include "absl/strings/str_cat.h"

namespace hotdesk {

absl::StatusOr<PinHashCost> PinHashCostByName(absl::string_view name) {
  PinHashCost c;
  if (name == "interactive") {
    c.opslimit = crypto_pwhash_OPSLIMIT_INTERACTIVE;
    c.memlimit = crypto_pwhash_MEMLIMIT_INTERACTIVE;
  } else if (name == "moderate") {
    c.opslimit = crypto_pwhash_OPSLIMIT_MODERATE;
    c.memlimit = crypto_pwhash_MEMLIMIT_MODERATE;
  } else if (name == "min") {
    c.opslimit = crypto_pwhash_OPSLIMIT_MIN;
    c.memlimit = crypto_pwhash_MEMLIMIT_MIN;
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown PIN hash cost \"", name, "\": expected interactive|moderate|min"));
  }
  return c;
}

PinHasher::PinHasher(PinHashCost cost, int threads) : cost_(cost) {
  if (sodium_init() < 0) abort();  // no usable randomness: refuse to store PINs at all
  for (int i = 0; i < std::max(1, threads); ++i) threads_.emplace_back([this] { Run(); });
}

PinHasher::~PinHasher() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
}

void PinHasher::Post(std::function<void()> job) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    jobs_.push_back(std::move(job));
  }
  cv_.notify_one();
}

void PinHasher::Run() {
  while (true) {
    std::function<void()> job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stop_ || !jobs_.empty(); });
      if (jobs_.empty()) return;  // stopping and drained
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    job();
  }
}

void PinHasher::Hash(std::string pin, std::function<void(absl::StatusOr<std::string>)> done) {
  Post([this, pin = std::move(pin), done = std::move(done)]() mutable {
    char out[crypto_pwhash_STRBYTES];
    int rc = crypto_pwhash_str(out, pin.data(), pin.size(), cost_.opslimit, cost_.memlimit);
    sodium_memzero(pin.data(), pin.size());
    if (rc != 0) return done(absl::ResourceExhaustedError("PIN hashing ran out of memory"));
    done(std::string(out));
  });
}

void PinHasher::Verify(std::string hash, std::string pin, std::function<void(bool)> done) {
  Post([hash = std::move(hash), pin = std::move(pin), done = std::move(done)]() mutable {
    bool ok = crypto_pwhash_str_verify(hash.c_str(), pin.data(), pin.size()) == 0;
    sodium_memzero(pin.data(), pin.size());
    done(ok);
  });
}

}  // namespace hotdesk
