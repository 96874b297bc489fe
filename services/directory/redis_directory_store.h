// The production registry in Redis, under the tenant's hash tag next to its associations:
//   <prefix>:{t}:dev      hash  mac -> device record (JSON)
//   <prefix>:{t}:dev-ext  hash  hot-desk extension -> mac (uniqueness index)
//   <prefix>:{t}:guest    hash  guest id -> guest record (JSON, no PIN data)
//   <prefix>:{t}:pin      hash  guest id -> "<argon2id hash>\t<failures>\t<locked until ms>"
// Every multi-key change is one Lua script; updates are compare-and-set on the record.
#pragma once

#include "services/directory/directory_store.h"
#include "services/redis/redis_client.h"
#include "services/keyspace/redis_keys.h"
#include "services/store/redis/lua_script.h"

namespace hotdesk {

class RedisDirectoryStore final : public DirectoryStore {
 public:
  RedisDirectoryStore(RedisClient* client, std::string prefix);

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
  NamedValues DeviceKeys(const std::string& t) const {
    return {{"devices", keys_.Devices(t)}, {"extensions", keys_.DeviceExtensions(t)}};
  }
  // The guest scripts' keys; `policy`: those that also keep the disabled set.
  NamedValues GuestKeys(const std::string& t, bool policy) const {
    NamedValues k = {{"guests", keys_.Guests(t)}, {"pins", keys_.Pins(t)}};
    if (policy) k.emplace_back("disabled_guests", keys_.DisabledGuests(t));
    return k;
  }
  void UpdateDeviceAttempt(const std::string& tenant, const std::string& mac,
                           Mutation<v1::Device> mutate, absl::Time deadline, int tries_left,
                           Done<v1::Device> done);
  void UpdateGuestAttempt(const std::string& tenant, const std::string& id,
                          Mutation<v1::Guest> mutate, absl::Time deadline, int tries_left,
                          Done<v1::Guest> done);

  RedisClient* client_;
  RedisKeys keys_;
};

}  // namespace hotdesk
