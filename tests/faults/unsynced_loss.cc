// LD_PRELOAD library for redis-server: what the kernel would lose in a machine crash is what a
// kill -9 loses here. Writes to the append-only file's increment (*.incr.aof) are held in this
// process's memory until fsync/fdatasync writes them through, so killing Redis drops exactly the
// data that was written but not yet synced, as a power cut drops the page cache. Without it,
// kill -9 of Redis loses nothing even with appendfsync everysec: written data is already in the
// kernel. Used by hotdesk-faults --emulate_power_loss to measure the everysec loss window.
#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

namespace {

constexpr int kMaxFd = 4096;

struct Held {
  bool tracked = false;
  char* data = nullptr;
  size_t size = 0;
  size_t cap = 0;
};

Held held[kMaxFd];
pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

template <typename F>
F Next(const char* name) {
  return reinterpret_cast<F>(dlsym(RTLD_NEXT, name));
}

bool IsIncrAof(const char* path) {
  size_t n = strlen(path);
  const char* suffix = ".incr.aof";
  size_t s = strlen(suffix);
  return n >= s && strcmp(path + n - s, suffix) == 0;
}

void Track(int fd, const char* path) {
  if (fd < 0 || fd >= kMaxFd) return;
  pthread_mutex_lock(&mu);
  held[fd].tracked = IsIncrAof(path);
  held[fd].size = 0;
  pthread_mutex_unlock(&mu);
}

// Writes what `fd` holds through to the file (called before a sync).
int Flush(int fd) {
  static auto real_write = Next<ssize_t (*)(int, const void*, size_t)>("write");
  if (fd < 0 || fd >= kMaxFd) return 0;
  pthread_mutex_lock(&mu);
  Held& h = held[fd];
  size_t off = 0;
  int rc = 0;
  while (h.tracked && off < h.size) {
    ssize_t w = real_write(fd, h.data + off, h.size - off);
    if (w <= 0) {
      rc = -1;
      break;
    }
    off += static_cast<size_t>(w);
  }
  if (rc == 0) h.size = 0;
  pthread_mutex_unlock(&mu);
  return rc;
}

using OpenFn = int (*)(const char*, int, ...);

// Opens with the real function (the mode argument only exists with O_CREAT) and tracks the fd.
int OpenTracked(OpenFn real, const char* path, int flags, va_list ap) {
  mode_t mode = (flags & O_CREAT) ? static_cast<mode_t>(va_arg(ap, int)) : 0;
  int fd = real(path, flags, mode);
  Track(fd, path);
  return fd;
}

}  // namespace

extern "C" {

int open(const char* path, int flags, ...) {
  static auto real = Next<OpenFn>("open");
  va_list ap;
  va_start(ap, flags);
  int fd = OpenTracked(real, path, flags, ap);
  va_end(ap);
  return fd;
}

int open64(const char* path, int flags, ...) {
  static auto real = Next<OpenFn>("open64");
  va_list ap;
  va_start(ap, flags);
  int fd = OpenTracked(real, path, flags, ap);
  va_end(ap);
  return fd;
}

ssize_t write(int fd, const void* buf, size_t n) {
  static auto real = Next<ssize_t (*)(int, const void*, size_t)>("write");
  if (fd >= 0 && fd < kMaxFd) {
    pthread_mutex_lock(&mu);
    Held& h = held[fd];
    if (h.tracked) {
      if (h.size + n > h.cap) {
        size_t cap = (h.size + n) * 2;
        char* grown = static_cast<char*>(realloc(h.data, cap));
        if (!grown) {
          pthread_mutex_unlock(&mu);
          return -1;
        }
        h.data = grown;
        h.cap = cap;
      }
      memcpy(h.data + h.size, buf, n);
      h.size += n;
      pthread_mutex_unlock(&mu);
      return static_cast<ssize_t>(n);
    }
    pthread_mutex_unlock(&mu);
  }
  return real(fd, buf, n);
}

int fsync(int fd) {
  static auto real = Next<int (*)(int)>("fsync");
  if (Flush(fd) != 0) return -1;
  return real(fd);
}

int fdatasync(int fd) {
  static auto real = Next<int (*)(int)>("fdatasync");
  if (Flush(fd) != 0) return -1;
  return real(fd);
}

int close(int fd) {
  static auto real = Next<int (*)(int)>("close");
  // Closed without a sync: in a crash the kernel would not have had to keep it either, but
  // Redis reads a closed increment again only after a restart, so write it to stay correct.
  Flush(fd);
  if (fd >= 0 && fd < kMaxFd) {
    pthread_mutex_lock(&mu);
    held[fd].tracked = false;
    pthread_mutex_unlock(&mu);
  }
  return real(fd);
}

}  // extern "C"
