#include "services/directory/memory_directory_store.h"

#include "absl/strings/str_cat.h"
#include "services/directory/directory_util.h"
#include "services/store/store_util.h"

namespace hotdesk {
namespace {

// Page tokens are "m" + the last key of the previous page.
template <typename Map, typename Fn>
absl::Status Page(const Map& map, int page_size, const std::string& token, std::string* next,
                  Fn add) {
  auto it = map.begin();
  if (!token.empty()) {
    if (token[0] != 'm') return BadPageTokenError();
    it = map.upper_bound(token.substr(1));
  }
  int n = 0;
  for (; it != map.end() && n < page_size; ++it, ++n) add(it->second);
  if (it != map.end() && n > 0) *next = absl::StrCat("m", std::prev(it)->first);
  return absl::OkStatus();
}

}  // namespace

MemoryDirectoryStore::MemoryDirectoryStore(std::function<absl::Time()> clock)
    : clock_(std::move(clock)) {}

v1::Guest MemoryDirectoryStore::View(const GuestEntry& e) const {
  v1::Guest g = e.guest;
  ApplyPinState(!e.pin_hash.empty(), e.failures, e.locked_until, clock_(), &g);
  return g;
}

void MemoryDirectoryStore::CreateDevice(const v1::Device& device, absl::Time,
                                        Done<v1::Device> done) {
  absl::StatusOr<v1::Device> result;
  {
    std::lock_guard<std::mutex> lock(mu_);
    Tenant& t = tenants_[device.tenant()];
    if (t.devices.count(device.mac())) {
      result = DeviceExistsError(device.mac());
    } else if (auto it = t.by_extension.find(device.hotdesk_extension());
               it != t.by_extension.end()) {
      result = ExtensionTakenError(device.hotdesk_extension(), it->second);
    } else {
      v1::Device d = device;
      SetTime(clock_(), d.mutable_create_time());
      *d.mutable_update_time() = d.create_time();
      t.devices[d.mac()] = d;
      t.by_extension[d.hotdesk_extension()] = d.mac();
      result = d;
    }
  }
  done(std::move(result));
}

void MemoryDirectoryStore::GetDevice(const std::string& tenant, const std::string& mac, absl::Time,
                                     Done<v1::Device> done) {
  absl::StatusOr<v1::Device> result = DeviceNotFoundError(tenant, mac);
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto& t = tenants_[tenant];
    if (auto it = t.devices.find(mac); it != t.devices.end()) result = it->second;
  }
  done(std::move(result));
}

void MemoryDirectoryStore::GetDeviceByExtension(const std::string& tenant,
                                                const std::string& extension, absl::Time,
                                                Done<v1::Device> done) {
  absl::StatusOr<v1::Device> result = DeviceNotFoundError(tenant, extension);
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto& t = tenants_[tenant];
    if (auto it = t.by_extension.find(extension); it != t.by_extension.end())
      result = t.devices.at(it->second);
  }
  done(std::move(result));
}

void MemoryDirectoryStore::UpdateDevice(const std::string& tenant, const std::string& mac,
                                        Mutation<v1::Device> mutate, absl::Time,
                                        Done<v1::Device> done) {
  absl::StatusOr<v1::Device> result;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto& t = tenants_[tenant];
    auto it = t.devices.find(mac);
    if (it == t.devices.end()) {
      result = DeviceNotFoundError(tenant, mac);
    } else {
      v1::Device d = it->second;
      absl::Status st = mutate(&d);
      d.set_mac(mac);
      d.set_tenant(tenant);
      const std::string& old_ext = it->second.hotdesk_extension();
      auto owner = t.by_extension.find(d.hotdesk_extension());
      if (!st.ok()) {
        result = st;
      } else if (owner != t.by_extension.end() && owner->second != mac) {
        result = ExtensionTakenError(d.hotdesk_extension(), owner->second);
      } else {
        if (d.hotdesk_extension() != old_ext) {
          t.by_extension.erase(old_ext);
          t.by_extension[d.hotdesk_extension()] = mac;
        }
        SetTime(clock_(), d.mutable_update_time());
        it->second = d;
        result = d;
      }
    }
  }
  done(std::move(result));
}

void MemoryDirectoryStore::DeleteDevice(const std::string& tenant, const std::string& mac,
                                        absl::Time, Done<v1::Device> done) {
  absl::StatusOr<v1::Device> result = DeviceNotFoundError(tenant, mac);
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto& t = tenants_[tenant];
    if (auto it = t.devices.find(mac); it != t.devices.end()) {
      result = it->second;
      t.by_extension.erase(it->second.hotdesk_extension());
      t.devices.erase(it);
    }
  }
  done(std::move(result));
}

void MemoryDirectoryStore::ListDevices(const std::string& tenant, int page_size,
                                       const std::string& page_token, absl::Time,
                                       Done<DevicePage> done) {
  DevicePage page;
  absl::Status st;
  {
    std::lock_guard<std::mutex> lock(mu_);
    st = Page(tenants_[tenant].devices, page_size, page_token, &page.next_page_token,
              [&](const v1::Device& d) { page.devices.push_back(d); });
  }
  if (!st.ok()) return done(st);
  done(std::move(page));
}

void MemoryDirectoryStore::CreateGuest(const v1::Guest& guest, const std::string& pin_hash,
                                       absl::Time, Done<v1::Guest> done) {
  absl::StatusOr<v1::Guest> result;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto& t = tenants_[guest.tenant()];
    if (t.guests.count(guest.id())) {
      result = GuestExistsError(guest.id());
    } else {
      GuestEntry e;
      e.guest = guest;
      SetTime(clock_(), e.guest.mutable_create_time());
      *e.guest.mutable_update_time() = e.guest.create_time();
      e.pin_hash = pin_hash;
      result = View(e);
      t.guests[guest.id()] = std::move(e);
    }
  }
  done(std::move(result));
}

void MemoryDirectoryStore::GetGuest(const std::string& tenant, const std::string& id, absl::Time,
                                    Done<v1::Guest> done) {
  absl::StatusOr<v1::Guest> result = GuestNotFoundError(tenant, id);
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto& t = tenants_[tenant];
    if (auto it = t.guests.find(id); it != t.guests.end()) result = View(it->second);
  }
  done(std::move(result));
}

void MemoryDirectoryStore::UpdateGuest(const std::string& tenant, const std::string& id,
                                       Mutation<v1::Guest> mutate, absl::Time,
                                       Done<v1::Guest> done) {
  absl::StatusOr<v1::Guest> result = GuestNotFoundError(tenant, id);
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto& t = tenants_[tenant];
    if (auto it = t.guests.find(id); it != t.guests.end()) {
      v1::Guest g = it->second.guest;
      absl::Status st = mutate(&g);
      if (!st.ok()) {
        result = st;
      } else {
        g.set_id(id);
        g.set_tenant(tenant);
        SetTime(clock_(), g.mutable_update_time());
        it->second.guest = g;
        result = View(it->second);
      }
    }
  }
  done(std::move(result));
}

void MemoryDirectoryStore::DeleteGuest(const std::string& tenant, const std::string& id, absl::Time,
                                       Done<v1::Guest> done) {
  absl::StatusOr<v1::Guest> result = GuestNotFoundError(tenant, id);
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto& t = tenants_[tenant];
    if (auto it = t.guests.find(id); it != t.guests.end()) {
      result = View(it->second);
      t.guests.erase(it);
    }
  }
  done(std::move(result));
}

void MemoryDirectoryStore::ListGuests(const std::string& tenant, int page_size,
                                      const std::string& page_token, absl::Time,
                                      Done<GuestPage> done) {
  GuestPage page;
  absl::Status st;
  {
    std::lock_guard<std::mutex> lock(mu_);
    st = Page(tenants_[tenant].guests, page_size, page_token, &page.next_page_token,
              [&](const GuestEntry& e) { page.guests.push_back(View(e)); });
  }
  if (!st.ok()) return done(st);
  done(std::move(page));
}

void MemoryDirectoryStore::SetPinHash(const std::string& tenant, const std::string& id,
                                      const std::string& pin_hash, absl::Time,
                                      Done<v1::Guest> done) {
  absl::StatusOr<v1::Guest> result = GuestNotFoundError(tenant, id);
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto& t = tenants_[tenant];
    if (auto it = t.guests.find(id); it != t.guests.end()) {
      it->second.pin_hash = pin_hash;
      it->second.failures = 0;
      it->second.locked_until = absl::UnixEpoch();
      it->second.lockouts = 0;
      SetTime(clock_(), it->second.guest.mutable_update_time());
      result = View(it->second);
    }
  }
  done(std::move(result));
}

namespace {

// The n-th lockout in a row lasts lockout * 2^(n-1), at most max_lockout.
absl::Duration LockoutFor(int n, const PinLimits& limits) {
  absl::Duration d = limits.lockout;
  for (int i = 1; i < n && d < limits.max_lockout; ++i) d *= 2;
  return std::min(d, limits.max_lockout);
}

}  // namespace

void MemoryDirectoryStore::BeginPinAttempt(const std::string& tenant, const std::string& id,
                                           const std::string& source, const PinLimits& limits,
                                           absl::Time, Done<PinAttempt> done) {
  absl::StatusOr<PinAttempt> result = GuestNotFoundError(tenant, id);
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto& t = tenants_[tenant];
    absl::Time now = clock_();
    Budget& mine = t.source_budgets[source];
    struct Check {
      Budget* budget;
      int limit;
      const char* name;
    };
    Check checks[] = {{&mine, limits.per_source, "source"}, {&t.tenant_budget, limits.per_tenant, "tenant"}};
    bool throttled = false;
    for (auto& c : checks) {
      if (c.limit > 0 && c.budget->refills > now && c.budget->spent >= c.limit) {
        PinAttempt a;
        a.kind = PinAttempt::Kind::kThrottled;
        a.limit = c.name;
        a.retry_after = c.budget->refills - now;
        result = a;
        throttled = true;
        break;
      }
    }
    auto spend = [&] {
      for (auto& c : checks) {
        if (c.limit <= 0) continue;
        if (c.budget->refills <= now) *c.budget = Budget{0, now + limits.window};
        ++c.budget->spent;
      }
    };
    if (throttled) {
      // refused unchecked and uncounted
    } else if (auto it = t.guests.find(id); it == t.guests.end()) {
      spend();
    } else {
      GuestEntry& e = it->second;
      PinAttempt a;
      if (e.pin_hash.empty()) {
        a.kind = PinAttempt::Kind::kNoPin;
      } else if (e.locked_until > now) {
        a.kind = PinAttempt::Kind::kLocked;
        a.locked_until = e.locked_until;
        a.lockout = LockoutFor(e.lockouts, limits);
      } else {
        if (e.locked_until != absl::UnixEpoch()) {
          e.failures = 0;
          e.locked_until = absl::UnixEpoch();
        }
        if (e.failures >= limits.max_attempts) e.failures = 0;
        ++e.failures;
        if (e.failures >= limits.max_attempts) {
          a.lockout = LockoutFor(++e.lockouts, limits);
          e.locked_until = now + a.lockout;
        }
        spend();
        a.kind = PinAttempt::Kind::kProceed;
        a.hash = e.pin_hash;
        a.failures = e.failures;
        a.locked_until = e.locked_until;
      }
      result = a;
    }
  }
  done(std::move(result));
}

void MemoryDirectoryStore::PinAccepted(const std::string& tenant, const std::string& id,
                                       const std::string& hash, const std::string& source,
                                       absl::Time, Done<bool> done) {
  bool reset = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto& t = tenants_[tenant];
    if (auto it = t.guests.find(id); it != t.guests.end() && it->second.pin_hash == hash) {
      it->second.failures = 0;
      it->second.locked_until = absl::UnixEpoch();
      it->second.lockouts = 0;
      reset = true;
      absl::Time now = clock_();
      for (Budget* b : {&t.source_budgets[source], &t.tenant_budget}) {
        if (b->refills > now && b->spent > 0) --b->spent;
      }
    }
  }
  done(reset);
}

}  // namespace hotdesk
