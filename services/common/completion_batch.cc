#include "services/common/completion_batch.h"

namespace hotdesk {
namespace {
thread_local CompletionBatch* current = nullptr;
}

CompletionBatch* CompletionBatch::Current() { return current; }
void CompletionBatch::SetCurrent(CompletionBatch* batch) { current = batch; }

void CompletionBatch::Flush() {
  if (pending_.empty()) return;
  auto work = std::make_shared<std::vector<std::function<void()>>>();
  work->swap(pending_);
  executor_([work] {
    for (auto& w : *work) w();
  });
}

}  // namespace hotdesk
