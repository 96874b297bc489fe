// Where an event follower keeps its place: the cursor of the last event it delivered and what it
// knew then (every association, host -> guest), so that after a restart it resumes after that
// event, and when the stream no longer reaches back that far (OUT_OF_RANGE) it can compare a
// fresh snapshot with what it knew and deliver the differences.
#pragma once

#include <map>
#include <string>

#include "absl/status/statusor.h"

namespace hotdesk::adapters {

struct FollowerState {
  // The last delivered event; empty before the first one.
  std::string cursor;
  // host -> guest of every association as of `cursor`; meaningful only when complete.
  std::map<std::string, std::string> known;
  // False when the follower started from a bare cursor (e.g. `hotdeskctl watch --after`) and
  // has not seen a snapshot since.
  bool known_complete = false;
};

// What one delivered event did to `known`: `host` now has `guest` ("" = nobody).
struct KnownChange {
  std::string host;
  std::string guest;
};

class CursorStore {
 public:
  virtual ~CursorStore() = default;
  virtual absl::StatusOr<FollowerState> Load() = 0;
  // The event at state.cursor was delivered; `change` (may be null) is what it did to known.
  // `state` is the whole state after it, for stores that rewrite rather than append.
  virtual absl::Status Advance(const FollowerState& state, const KnownChange* change) = 0;
  // Replaces what is stored (after a snapshot, or when an Advance failed and the store may have
  // missed a change).
  virtual absl::Status Replace(const FollowerState& state) = 0;
};

// Keeps nothing: every start begins with a snapshot.
class NullCursorStore : public CursorStore {
 public:
  absl::StatusOr<FollowerState> Load() override { return FollowerState{}; }
  absl::Status Advance(const FollowerState&, const KnownChange*) override {
    return absl::OkStatus();
  }
  absl::Status Replace(const FollowerState&) override { return absl::OkStatus(); }
};

// A file. Line 1 is the cursor (a file with only that line, as gateways before this store wrote,
// still loads); "known N" and N lines "<host> <guest>" follow when the picture is complete; then
// one appended line per delivered event, "@<cursor>[ +<host> <guest>| -<host>]". When appended
// lines outnumber the associations the file is rewritten whole (temporary file + rename). A
// torn last line (crash while appending) is ignored: its event is delivered again.
// Ids never contain whitespace (the server refuses them), so spaces separate fields.
class FileCursorStore : public CursorStore {
 public:
  explicit FileCursorStore(std::string path);
  ~FileCursorStore() override;
  absl::StatusOr<FollowerState> Load() override;
  absl::Status Advance(const FollowerState& state, const KnownChange* change) override;
  absl::Status Replace(const FollowerState& state) override;

 private:
  absl::Status Append(const std::string& line);

  const std::string path_;
  int fd_ = -1;  // append handle, opened lazily
  size_t appended_ = 0;
};

}  // namespace hotdesk::adapters
