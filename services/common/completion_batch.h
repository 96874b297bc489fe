// Defers work queued on one thread and hands it over as one batch. The Redis client's loop
// thread uses it for RPC completions: finishing many calls inside one gRPC callback lets gRPC
// send their responses in few writes, instead of one send per call from a foreign thread.
#pragma once

#include <functional>
#include <memory>
#include <vector>

namespace hotdesk {

class CompletionBatch {
 public:
  using Executor = std::function<void(std::function<void()>)>;
  explicit CompletionBatch(Executor executor) : executor_(std::move(executor)) {}

  // The batch of the calling thread, or null when the thread does not batch.
  static CompletionBatch* Current();
  static void SetCurrent(CompletionBatch* batch);

  void Add(std::function<void()> work) { pending_.push_back(std::move(work)); }
  // Runs everything added so far, as one unit, through the executor.
  void Flush();

 private:
  Executor executor_;
  std::vector<std::function<void()>> pending_;
};

// Runs `work` now, or at the end of the current batch when the thread has one.
inline void RunOrDefer(std::function<void()> work) {
  if (CompletionBatch* b = CompletionBatch::Current()) {
    b->Add(std::move(work));
  } else {
    work();
  }
}

}  // namespace hotdesk
