#include "services/server/watch_limits.h"

#include "absl/strings/str_cat.h"
#include "services/common/status.h"

namespace hotdesk {

WatchLimits::Slot::~Slot() { limits_->Release(caller_, tenant_); }

absl::StatusOr<std::unique_ptr<WatchLimits::Slot>> WatchLimits::Acquire(const std::string& caller,
                                                                        const std::string& tenant) {
  std::lock_guard<std::mutex> lock(mu_);
  int& by_caller = callers_[caller];
  int& by_tenant = tenants_[tenant];
  absl::Status refused;
  if (by_caller >= config_.per_caller) {
    refused = ErrorWithReason(
        absl::StatusCode::kResourceExhausted, "WATCHERS_PER_CALLER",
        absl::StrCat("too many watch streams from this caller: at most ", config_.per_caller,
                     " (max_watchers_per_caller); close one or resume later"));
  } else if (by_tenant >= config_.per_tenant) {
    refused = ErrorWithReason(
        absl::StatusCode::kResourceExhausted, "WATCHERS_PER_TENANT",
        absl::StrCat("too many watch streams for tenant ", tenant, ": at most ",
                     config_.per_tenant, " (max_watchers_per_tenant)"));
  }
  if (!refused.ok()) {
    // Do not keep entries for callers and tenants that hold nothing.
    if (by_caller == 0) callers_.erase(caller);
    if (by_tenant == 0) tenants_.erase(tenant);
    return refused;
  }
  ++by_caller;
  ++by_tenant;
  return std::unique_ptr<Slot>(new Slot(this, caller, tenant));
}

void WatchLimits::Release(const std::string& caller, const std::string& tenant) {
  std::lock_guard<std::mutex> lock(mu_);
  if (--callers_[caller] <= 0) callers_.erase(caller);
  if (--tenants_[tenant] <= 0) tenants_.erase(tenant);
}

}  // namespace hotdesk
