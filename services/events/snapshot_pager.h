// A tenant's associations as they were at one stream position, read from the store in pages, so
// that neither the server nor Redis holds the whole set for a watcher.
//
// How it stays consistent while the tenant keeps changing: the position P is the stream's last
// event when the snapshot starts. Every association is identified by its cursor (the id of the
// event that established it), so
//   1. a page of the current associations (List, HSCAN in Redis) yields those with cursor <= P:
//      they existed at P, and nothing since has ended them, since they are still there;
//   2. an association that existed at P but ended before the listing reached it is missing from
//      the list, and its CANCELLED event after P carries it whole: after the listing, the events
//      from P to the stream's end at that moment yield those with cursor <= P.
// An association is returned once: the cursors returned are remembered until the snapshot ends
// (16 bytes each, freed at the end), which also absorbs HSCAN's repeats. Associations made after P
// are not in the snapshot; they arrive as events, since the watch then follows from P.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/time/time.h"
#include "services/store/association_store.h"

namespace hotdesk {

class SnapshotPager {
 public:
  struct Page {
    std::vector<v1::Association> associations;  // possibly none, when `last` is false too
    bool last = false;
  };
  SnapshotPager(AssociationStore* store, std::string tenant, int page_size,
                absl::Duration store_timeout);

  // Reads the next page. One call at a time; call again after `done` until a page is `last`.
  // The pager must outlive the call (the caller keeps it in what `done` holds).
  void Next(Done<Page> done);
  // The stream position the snapshot is consistent with; set once the first page is in.
  StreamId position() const { return position_; }

 private:
  enum class Phase { kStart, kList, kEnd, kWindow, kDone };
  void Take(const v1::Association& a, Page* page);
  absl::Time Deadline() const { return absl::Now() + store_timeout_; }

  AssociationStore* store_;
  std::string tenant_;
  int page_size_;
  absl::Duration store_timeout_;
  Phase phase_ = Phase::kStart;
  StreamId position_;
  std::string list_token_;
  StreamId window_at_;   // the window read has reached here
  StreamId window_end_;  // the stream's end once the listing was done
  absl::flat_hash_set<std::pair<uint64_t, uint64_t>> returned_;
  absl::flat_hash_set<std::string> returned_hosts_;  // associations without a readable cursor
};

}  // namespace hotdesk
