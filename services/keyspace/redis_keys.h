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
  // Tenants that have ever had an association (the sweeper's and the gauge's work list).
  std::string Tenants() const { return absl::StrCat(prefix_, ":tenants"); }
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

 private:
  std::string Key(const std::string& t, const char* what) const {
    return absl::StrCat(prefix_, ":{", t, "}:", what);
  }
  std::string prefix_;
};

}  // namespace hotdesk
