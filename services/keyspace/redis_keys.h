// Every Redis key hotdesk writes, built here and nowhere else (the layout is documented in the
// README's "Redis model"). Every key of a tenant carries the hash tag {tenant}, so one script
// touches one slot and Redis Cluster works unchanged.
#pragma once

#include <string>

#include "absl/strings/str_cat.h"

namespace hotdesk {

class RedisKeys {
 public:
  explicit RedisKeys(std::string prefix) : prefix_(std::move(prefix)) {}
  const std::string& prefix() const { return prefix_; }

  // Associations (services/store/redis).
  std::string ByHost(const std::string& t) const { return Key(t, "by-host"); }
  std::string ByGuest(const std::string& t) const { return Key(t, "by-guest"); }
  std::string Expiry(const std::string& t) const { return Key(t, "exp"); }
  std::string Events(const std::string& t) const { return Key(t, "ev"); }
  std::string Request(const std::string& t, const std::string& id) const {
    return absl::StrCat(Key(t, "req:"), id);
  }
  // Every tenant that has had an association: added before a tenant's first Establish (which
  // fails if it cannot be), read by the expiry reconciliation and the active-associations gauge.
  std::string Tenants() const { return absl::StrCat(prefix_, ":tenants"); }
  // The sweeper's work list: tenant -> the earliest expiry (Unix ms) it may have, or a claim
  // while a replica sweeps it. Not tagged: in a Cluster it lives in a slot of its own.
  std::string Due() const { return absl::StrCat(prefix_, ":due"); }
  // Inverse of Events(): the tenant of an event stream key, or "".
  std::string TenantOfEventsKey(const std::string& key) const {
    std::string head = prefix_ + ":{";
    if (key.rfind(head, 0) != 0 || key.size() < head.size() + 5) return "";
    if (key.compare(key.size() - 4, 4, "}:ev") != 0) return "";
    return key.substr(head.size(), key.size() - head.size() - 4);
  }

  // The directory (services/directory).
  std::string Devices(const std::string& t) const { return Key(t, "dev"); }
  std::string DeviceExtensions(const std::string& t) const { return Key(t, "dev-ext"); }
  std::string Guests(const std::string& t) const { return Key(t, "guest"); }
  std::string Pins(const std::string& t) const { return Key(t, "pin"); }
  // Registered guests with hot desking disabled: the guest policy the establish script reads.
  std::string DisabledGuests(const std::string& t) const { return Key(t, "guest-off"); }
  // The version of the rule DisabledGuests() was last rebuilt from the registry with: absent on
  // data written before the set existed, so the establish script builds the set once.
  std::string DisabledGuestsVersion(const std::string& t) const { return Key(t, "guest-off-v"); }
  // Wrong-PIN budgets (a count with a TTL): the whole tenant's, and one caller's.
  std::string PinBudget(const std::string& t) const { return Key(t, "pinbudget"); }
  std::string PinBudget(const std::string& t, const std::string& source) const {
    return absl::StrCat(Key(t, "pinbudget:"), source.empty() ? "-" : source);
  }

  // The XSP bridge's progress journal (adapters/xsp/bridge).
  std::string XspCursor(const std::string& t) const { return Key(t, "xsp:cursor"); }
  std::string XspSequence(const std::string& t, const std::string& cursor) const {
    return absl::StrCat(Key(t, "xsp:seq:"), cursor);
  }
  std::string XspRecent(const std::string& t) const { return Key(t, "xsp:recent"); }
  std::string XspKnown(const std::string& t) const { return Key(t, "xsp:known"); }
  std::string XspKnownOk(const std::string& t) const { return Key(t, "xsp:known_ok"); }
  std::string XspPending(const std::string& t) const { return Key(t, "xsp:pending"); }
  std::string XspOrder(const std::string& t) const { return Key(t, "xsp:order"); }
  std::string XspEcho(const std::string& t) const { return Key(t, "xsp:echo"); }

 private:
  std::string Key(const std::string& t, const char* what) const {
    return absl::StrCat(prefix_, ":{", t, "}:", what);
  }
  std::string prefix_;
};

}  // namespace hotdesk
