// Dial sessions (a login waiting for its PIN). A session id is a signed token carrying the
// session itself (tenant, device, guest, expiry), so that any replica holding the same secret can
// complete a session another replica opened: the adapter keeps no state that another needs.
// Locally it remembers which sessions are in use or finished, so that one replica never runs two
// SubmitPins of a session at once and refuses a finished one.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace hotdesk::featurecodes {

struct DialSession {
  std::string id;  // the token
  std::string tenant;
  std::string mac;
  std::string host;   // the device's hot-desk extension
  std::string guest;  // the extension logging in
  std::string nonce;  // unique per session (also names the login's request_id)
  absl::Time expires;
};

class SessionTable {
 public:
  // `secret`: the same on every replica; empty: a random one, good for this process only.
  SessionTable(
      absl::Duration ttl, const std::string& secret,
      std::function<absl::Time()> clock = [] { return absl::Now(); });

  // Signs the session with a fresh nonce and expiry; returns it with its id.
  DialSession Open(DialSession session);
  // Verifies and decodes a session id and marks it in use; nullopt when forged, expired, in use
  // or finished (here).
  std::optional<DialSession> Take(const std::string& id);
  // Gives back a session taken by Take so it can be used again (after a wrong PIN). A session
  // taken and not returned is finished.
  void Return(const DialSession& session);
  // Forgets what has expired; returns how many.
  int Sweep();
  // Sessions opened here and waiting for a PIN.
  size_t size();
  absl::Duration ttl() const { return ttl_; }

 private:
  std::string Sign(const std::string& payload) const;

  absl::Duration ttl_;
  std::string key_;  // 32 bytes
  std::function<absl::Time()> clock_;
  std::mutex mu_;
  std::map<std::string, absl::Time> waiting_;  // opened or returned here
  std::map<std::string, absl::Time> taken_;    // in use or finished here
};

}  // namespace hotdesk::featurecodes
