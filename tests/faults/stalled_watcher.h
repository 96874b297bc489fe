// A watch client that never reads: a process of its own (hotdesk-faults re-executed with
// --stalled_watcher_child) that subscribes and then reads nothing, so the server's writes fill a
// small flow-control window and stall; the fault then kills it (SIGKILL), as a client that hangs
// and crashes would. hotdeskctl cannot stand in: it reads until stopped, by which time gRPC's
// windows and the kernel's buffers hold megabytes.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tests/support/processes.h"

namespace hotdesk::faults {

// The child: watches `tenant` on `addr` (token from HOTDESK_FAULTS_TOKEN), prints "watching",
// then waits to be killed. Returns only on failure.
int RunStalledWatcher(const std::string& addr, const std::string& tenant);

// The parent side: starts one such process; null when it did not subscribe.
std::unique_ptr<testing::ChildProcess> StartStalledWatcher(const std::string& addr,
                                                           const std::string& tenant,
                                                           const std::string& token);

}  // namespace hotdesk::faults
