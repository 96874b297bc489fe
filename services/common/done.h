// The completion of an asynchronous operation: called exactly once with the result.
#pragma once

#include <functional>

#include "absl/status/statusor.h"

namespace hotdesk {

template <typename T>
using Done = std::function<void(absl::StatusOr<T>)>;

}  // namespace hotdesk
