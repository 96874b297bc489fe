// The compact encodings the Redis store uses: the association record kept in the by-host hash
// and carried by events, and stream entries decoded into AssociationEvents.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <hiredis/hiredis.h>

#include "absl/status/statusor.h"
#include "hotdesk/v1/association.pb.h"
#include "services/store/association_store.h"

namespace hotdesk {

// An association record: "guest \t since_ms \t expire_ms \t source \t cursor \t limit \t
// attributes". The server supplies the tail (limit and attributes); establish.lua writes the
// head in Redis, as only it knows the commit time and the event id (an empty cursor in an
// event's copy means "this event's own id").
std::string EncodeRecordTail(const v1::AssociationLimit& limit,
                             const std::map<std::string, std::string>& attributes);
// The head as establish.lua writes it (for tools and tests).
std::string EncodeRecordHead(const std::string& guest, int64_t since_ms, int64_t expire_ms,
                             v1::Source source, const std::string& cursor);

// Decodes a record of host `host`. `cursor_override` replaces an empty cursor field (events
// carry the ESTABLISHED entry's own id as the association's cursor).
absl::StatusOr<v1::Association> DecodeRecord(const std::string& tenant, const std::string& host,
                                             const std::string& record,
                                             const std::string& cursor_override = "");

// One XRANGE/XREAD entry: [id, [field, value, ...]].
absl::StatusOr<EventPtr> DecodeStreamEntry(const std::string& tenant, const redisReply* entry);

// Stream entries that do not decode: each is counted and logged once, however many readers meet
// it (the live reader and every catch-up read of every watcher), so an operator sees it without
// the log being flooded.
class UndecodableEntries {
 public:
  // `count` is called once per newly seen entry (the hotdesk_events_undecodable_total counter).
  explicit UndecodableEntries(std::function<void()> count = nullptr) : count_(std::move(count)) {}
  void Report(const std::string& tenant, const std::string& id, const absl::Status& why);

 private:
  static constexpr size_t kRemembered = 1024;  // entries remembered as already reported
  std::mutex mu_;
  std::function<void()> count_;
  std::set<std::string> seen_;
  std::deque<std::string> order_;
};

// Entries of one tenant's stream as XRANGE or XREAD return them, decoded.
struct DecodedPage {
  std::vector<EventPtr> events;
  // The id of the last entry, decodable or not: where the next read starts, so that entries
  // that do not decode are stepped over and never read again (by the live reader and by
  // catch-up alike). Unset when the page has no entry with an id.
  std::optional<StreamId> last;
};
// The one rule for entries that do not decode: skip the entry, step past its id, report it.
DecodedPage DecodeStreamPage(const std::string& tenant, const redisReply* entries,
                             UndecodableEntries* undecodable);

}  // namespace hotdesk
