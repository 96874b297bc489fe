// A cheap fingerprint of a file's current version, for files that are re-read when they change
// (token files, credentials files): a Kubernetes Secret update swaps the file (new inode), an
// editor rewrites it (new mtime/size).
#pragma once

#include <cstdint>
#include <string>

namespace hotdesk {

// mtime (ns) ^ size ^ inode of `path`; -1 when it cannot be stat'ed.
int64_t FileStamp(const std::string& path);

}  // namespace hotdesk
