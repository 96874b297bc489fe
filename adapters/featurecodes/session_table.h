// Open dial sessions (a login waiting for its PIN), each with an expiry. Ids are 128 random
// bits, so a session cannot be guessed.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "hotdesk/v1/guests.pb.h"

namespace hotdesk::featurecodes {

struct DialSession {
  std::string id;
  std::string tenant;
  std::string mac;
  std::string host;        // the device's hot-desk extension
  std::string guest;       // the extension logging in
  v1::Guest guest_record;  // as read at Dial time (limit, display name)
  absl::Time expires;
};

class SessionTable {
 public:
  explicit SessionTable(
      absl::Duration ttl, std::function<absl::Time()> clock = [] { return absl::Now(); });

  // Stores the session with a fresh id and expiry; returns it.
  DialSession Open(DialSession session);
  // Removes and returns the session, or nullopt when unknown or expired: one SubmitPin at a time
  // owns a session.
  std::optional<DialSession> Take(const std::string& id);
  // Puts back a session taken by Take (after a wrong PIN); its expiry is unchanged.
  void Return(DialSession session);
  // Drops expired sessions; returns how many.
  int Sweep();
  size_t size();
  absl::Duration ttl() const { return ttl_; }

 private:
  absl::Duration ttl_;
  std::function<absl::Time()> clock_;
  std::mutex mu_;
  std::map<std::string, DialSession> sessions_;
};

}  // namespace hotdesk::featurecodes
