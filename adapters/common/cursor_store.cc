#include "adapters/common/cursor_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace hotdesk::adapters {
namespace {

absl::Status ErrnoStatus(const std::string& what, const std::string& path) {
  return absl::UnavailableError(absl::StrCat(what, " ", path, ": ", std::strerror(errno)));
}

bool WriteAll(int fd, const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

FileCursorStore::FileCursorStore(std::string path) : path_(std::move(path)) {}

FileCursorStore::~FileCursorStore() {
  if (fd_ >= 0) ::close(fd_);
}

absl::StatusOr<FollowerState> FileCursorStore::Load() {
  FollowerState st;
  std::ifstream in(path_);
  if (!in) return st;  // no file yet: start from a snapshot
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  // Only newline-terminated lines count; a torn last line is an append that did not finish.
  size_t end = text.rfind('\n');
  if (end == std::string::npos) {
    // A bare cursor without a newline (hand-written file): take it.
    st.cursor = std::string(absl::StripAsciiWhitespace(text));
    return st;
  }
  std::vector<std::string> lines = absl::StrSplit(text.substr(0, end), '\n');
  size_t i = 0;
  st.cursor = std::string(absl::StripAsciiWhitespace(lines[i++]));
  size_t n = 0;
  if (i < lines.size() && absl::StartsWith(lines[i], "known ") &&
      absl::SimpleAtoi(lines[i].substr(6), &n) && i + 1 + n <= lines.size()) {
    ++i;
    st.known_complete = true;
    for (size_t k = 0; k < n; ++k, ++i) {
      std::vector<std::string> f = absl::StrSplit(lines[i], ' ');
      if (f.size() != 2) return absl::DataLossError(absl::StrCat(path_, ":", i + 1, ": bad entry"));
      st.known[f[0]] = f[1];
    }
  }
  for (; i < lines.size(); ++i) {
    const std::string& l = lines[i];
    if (l.empty()) continue;
    if (l[0] != '@') return absl::DataLossError(absl::StrCat(path_, ":", i + 1, ": bad line"));
    std::vector<std::string> f = absl::StrSplit(l.substr(1), ' ');
    st.cursor = f[0];
    if (f.size() == 3 && absl::StartsWith(f[1], "+")) {
      st.known[f[1].substr(1)] = f[2];
    } else if (f.size() == 2 && absl::StartsWith(f[1], "-")) {
      st.known.erase(f[1].substr(1));
    } else if (f.size() != 1) {
      return absl::DataLossError(absl::StrCat(path_, ":", i + 1, ": bad line"));
    }
    ++appended_;
  }
  return st;
}

absl::Status FileCursorStore::Append(const std::string& line) {
  if (fd_ < 0) {
    fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) return ErrnoStatus("cannot open", path_);
  }
  if (!WriteAll(fd_, line)) {
    absl::Status s = ErrnoStatus("cannot write", path_);
    ::close(fd_);
    fd_ = -1;
    return s;
  }
  ++appended_;
  return absl::OkStatus();
}

absl::Status FileCursorStore::Advance(const FollowerState& state, const KnownChange* change) {
  if (fd_ < 0 && appended_ == 0) {
    // Nothing written by this process yet: start the file whole.
    return Replace(state);
  }
  if (appended_ > std::max<size_t>(1024, 2 * state.known.size())) return Replace(state);
  std::string line = absl::StrCat("@", state.cursor);
  if (change != nullptr && state.known_complete) {
    absl::StrAppend(&line, change->guest.empty() ? " -" : " +", change->host,
                    change->guest.empty() ? "" : " ", change->guest);
  }
  line.push_back('\n');
  return Append(line);
}

absl::Status FileCursorStore::Replace(const FollowerState& state) {
  std::string text = state.cursor + "\n";
  if (state.known_complete) {
    absl::StrAppend(&text, "known ", state.known.size(), "\n");
    for (const auto& [host, guest] : state.known) absl::StrAppend(&text, host, " ", guest, "\n");
  }
  std::string tmp = path_ + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoStatus("cannot create", tmp);
  bool ok = WriteAll(fd, text);
  if (::close(fd) != 0) ok = false;
  if (!ok) return ErrnoStatus("cannot write", tmp);
  if (std::rename(tmp.c_str(), path_.c_str()) != 0) return ErrnoStatus("cannot rename to", path_);
  if (fd_ >= 0) ::close(fd_);  // it appended to the file just replaced
  fd_ = -1;
  appended_ = 0;
  fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  return absl::OkStatus();
}

}  // namespace hotdesk::adapters
