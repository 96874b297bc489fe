#include "services/common/file_stamp.h"

#include <sys/stat.h>

namespace hotdesk {

int64_t FileStamp(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return -1;
  return (int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec) ^
         (int64_t{st.st_size} << 20) ^ static_cast<int64_t>(st.st_ino);
}

}  // namespace hotdesk
