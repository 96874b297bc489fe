// In-process registry with the same contract as RedisDirectoryStore (--store=memory, tests).
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "services/directory/directory_store.h"

namespace hotdesk {

class MemoryDirectoryStore final : public DirectoryStore {
 public:
  explicit MemoryDirectoryStore(std::function<absl::Time()> clock = [] { return absl::Now(); });

  void CreateDevice(const v1::Device& device, absl::Time deadline, Done<v1::Device> done) override;
  void GetDevice(const std::string& tenant, const std::string& mac, absl::Time deadline,
                 Done<v1::Device> done) override;
  void GetDeviceByExtension(const std::string& tenant, const std::string& extension,
                            absl::Time deadline, Done<v1::Device> done) override;
  void UpdateDevice(const std::string& tenant, const std::string& mac, Mutation<v1::Device> mutate,
                    absl::Time deadline, Done<v1::Device> done) override;
  void DeleteDevice(const std::string& tenant, const std::string& mac, absl::Time deadline,
                    Done<v1::Device> done) override;
  void ListDevices(const std::string& tenant, int page_size, const std::string& page_token,
                   absl::Time deadline, Done<DevicePage> done) override;

  void CreateGuest(const v1::Guest& guest, const std::string& pin_hash, absl::Time deadline,
                   Done<v1::Guest> done) override;
  void GetGuest(const std::string& tenant, const std::string& id, absl::Time deadline,
                Done<v1::Guest> done) override;
  void UpdateGuest(const std::string& tenant, const std::string& id, Mutation<v1::Guest> mutate,
                   absl::Time deadline, Done<v1::Guest> done) override;
  void DeleteGuest(const std::string& tenant, const std::string& id, absl::Time deadline,
                   Done<v1::Guest> done) override;
  void ListGuests(const std::string& tenant, int page_size, const std::string& page_token,
                  absl::Time deadline, Done<GuestPage> done) override;
  void SetPinHash(const std::string& tenant, const std::string& id, const std::string& pin_hash,
                  absl::Time deadline, Done<v1::Guest> done) override;
  void BeginPinAttempt(const std::string& tenant, const std::string& id,
                       const std::string& source, const PinLimits& limits, absl::Time deadline,
                       Done<PinAttempt> done) override;
  void PinAccepted(const std::string& tenant, const std::string& id, const std::string& hash,
                   const std::string& source, absl::Time deadline, Done<bool> done) override;

 private:
  struct GuestEntry {
    v1::Guest guest;
    std::string pin_hash;
    int failures = 0;
    absl::Time locked_until = absl::UnixEpoch();
    int lockouts = 0;  // in a row, without a correct PIN between them
  };
  // A wrong-PIN budget: attempts counted in a window that starts with its first attempt.
  struct Budget {
    int spent = 0;
    absl::Time refills = absl::InfinitePast();
  };
  struct Tenant {
    std::map<std::string, v1::Device> devices;        // mac -> device
    std::map<std::string, std::string> by_extension;  // hotdesk extension -> mac
    std::map<std::string, GuestEntry> guests;
    std::map<std::string, Budget> source_budgets;
    Budget tenant_budget;
  };
  v1::Guest View(const GuestEntry& e) const;

  std::function<absl::Time()> clock_;
  std::mutex mu_;
  std::map<std::string, Tenant> tenants_;
};

}  // namespace hotdesk
