#include "services/directory/pin_hasher.h"

#include <sodium.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

#include <algorithm>
#include <memory>

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

PinHasher::PinHasher(PinHashCost cost, int threads, size_t max_queue)
    : cost_(cost), max_queue_(std::max<size_t>(1, max_queue)) {
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

bool PinHasher::Saturated() {
  std::lock_guard<std::mutex> lock(mu_);
  return jobs_.size() >= max_queue_;
}

bool PinHasher::Post(Job job) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (jobs_.size() >= max_queue_) return false;
    jobs_.push_back(std::move(job));
  }
  cv_.notify_one();
  return true;
}

void PinHasher::Run() {
  while (true) {
    Job job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stop_ || !jobs_.empty(); });
      if (jobs_.empty()) return;  // stopping and drained
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    // A caller that has given up does not get a hash computed for nobody.
    if (absl::Now() >= job.deadline) {
      job.drop(absl::DeadlineExceededError("deadline passed while waiting for a PIN hashing worker"));
      continue;
    }
    job.run();
  }
}

namespace {
absl::Status QueueFull(size_t max) {
  return absl::ResourceExhaustedError(absl::StrCat(
      "PIN hashing is saturated (", max, " requests waiting): try again shortly"));
}
}  // namespace

void PinHasher::Hash(std::string pin, absl::Time deadline,
                     std::function<void(absl::StatusOr<std::string>)> done) {
  auto shared_done = std::make_shared<std::function<void(absl::StatusOr<std::string>)>>(std::move(done));
  auto pin_box = std::make_shared<std::string>(std::move(pin));
  Job job{deadline,
          [this, pin_box, shared_done] {
            char out[crypto_pwhash_STRBYTES];
            int rc = crypto_pwhash_str(out, pin_box->data(), pin_box->size(), cost_.opslimit,
                                       cost_.memlimit);
            sodium_memzero(pin_box->data(), pin_box->size());
            if (rc != 0)
              return (*shared_done)(absl::ResourceExhaustedError("PIN hashing ran out of memory"));
            (*shared_done)(std::string(out));
          },
          [pin_box, shared_done](absl::Status why) {
            sodium_memzero(pin_box->data(), pin_box->size());
            (*shared_done)(std::move(why));
          }};
  if (!Post(std::move(job))) {
    sodium_memzero(pin_box->data(), pin_box->size());
    (*shared_done)(QueueFull(max_queue_));
  }
}

void PinHasher::Verify(std::string hash, std::string pin, absl::Time deadline,
                       std::function<void(absl::StatusOr<bool>)> done) {
  auto shared_done = std::make_shared<std::function<void(absl::StatusOr<bool>)>>(std::move(done));
  auto pin_box = std::make_shared<std::string>(std::move(pin));
  Job job{deadline,
          [pin_box, hash = std::move(hash), shared_done] {
            bool ok =
                crypto_pwhash_str_verify(hash.c_str(), pin_box->data(), pin_box->size()) == 0;
            sodium_memzero(pin_box->data(), pin_box->size());
            (*shared_done)(ok);
          },
          [pin_box, shared_done](absl::Status why) {
            sodium_memzero(pin_box->data(), pin_box->size());
            (*shared_done)(std::move(why));
          }};
  if (!Post(std::move(job))) {
    sodium_memzero(pin_box->data(), pin_box->size());
    (*shared_done)(QueueFull(max_queue_));
  }
}

}  // namespace hotdesk
