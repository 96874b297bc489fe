// Small helpers for unit tests of asynchronous, Status-returning code.
#pragma once

#include <functional>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "google/rpc/error_details.pb.h"
#include "services/common/done.h"
#include "services/common/status.h"

namespace hotdesk::testing {

// Runs an operation that completes through a Done<T> callback (on any thread) and waits for it.
template <typename T>
absl::StatusOr<T> Wait(std::function<void(Done<T>)> op) {
  auto p = std::make_shared<std::promise<absl::StatusOr<T>>>();
  auto f = p->get_future();
  op([p](absl::StatusOr<T> r) { p->set_value(std::move(r)); });
  return f.get();
}

// The fields an INVALID_ARGUMENT names in its BadRequest detail, in order (empty without one).
inline std::vector<std::string> ViolatedFields(const absl::Status& s) {
  google::rpc::BadRequest bad;
  std::vector<std::string> out;
  if (!GetDetail(s, &bad)) return out;
  for (const auto& v : bad.field_violations()) out.push_back(v.field());
  return out;
}

}  // namespace hotdesk::testing
