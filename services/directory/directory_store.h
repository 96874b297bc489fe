// The device and guest registry contract. Two implementations: RedisDirectoryStore (production)
// and MemoryDirectoryStore (--store=memory, tests); tests/directory runs one suite against both.
//
// As with AssociationStore, every operation is asynchronous and `done` is called exactly once,
// never while the store holds a lock. Callers pass validated input with the MAC normalised.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "hotdesk/v1/devices.pb.h"
#include "hotdesk/v1/guests.pb.h"
#include "services/store/association_store.h"

namespace hotdesk {

struct DevicePage {
  std::vector<v1::Device> devices;
  std::string next_page_token;
};

struct GuestPage {
  std::vector<v1::Guest> guests;
  std::string next_page_token;
};

// First half of a PIN check, done atomically by the store: the attempt is counted as a failure
// before the (slow) hash comparison, so that concurrent guesses can never exceed the budget; a
// match then clears the count with PinAccepted.
struct PinAttempt {
  enum class Kind { kProceed, kLocked, kNoPin };
  Kind kind = Kind::kNoPin;
  std::string hash;         // kProceed: the stored hash to compare against
  int failures = 0;         // kProceed: consecutive failures including this attempt
  absl::Time locked_until;  // kLocked; kProceed: set when this attempt used the last try
};

// Applies an update to the current record; a non-OK status aborts the update.
template <typename T>
using Mutation = std::function<absl::Status(T*)>;

class DirectoryStore {
 public:
  virtual ~DirectoryStore() = default;

  // ALREADY_EXISTS with ErrorInfo reason DEVICE_EXISTS (MAC) or EXTENSION_TAKEN. Sets the
  // create/update times.
  virtual void CreateDevice(const v1::Device& device, absl::Time deadline,
                            Done<v1::Device> done) = 0;
  // NOT_FOUND when unknown.
  virtual void GetDevice(const std::string& tenant, const std::string& mac, absl::Time deadline,
                         Done<v1::Device> done) = 0;
  virtual void GetDeviceByExtension(const std::string& tenant, const std::string& extension,
                                    absl::Time deadline, Done<v1::Device> done) = 0;
  // Read-modify-write, atomic with respect to other writers (retried on a concurrent change).
  // EXTENSION_TAKEN when the new extension belongs to another device. The MAC cannot change.
  virtual void UpdateDevice(const std::string& tenant, const std::string& mac,
                            Mutation<v1::Device> mutate, absl::Time deadline,
                            Done<v1::Device> done) = 0;
  // Returns the removed device.
  virtual void DeleteDevice(const std::string& tenant, const std::string& mac, absl::Time deadline,
                            Done<v1::Device> done) = 0;
  // page_size already validated (1..1000). INVALID_ARGUMENT on a bad token.
  virtual void ListDevices(const std::string& tenant, int page_size, const std::string& page_token,
                           absl::Time deadline, Done<DevicePage> done) = 0;

  // Guests come back with has_pin, failed_attempts and locked_until filled in (a lockout that
  // has run out shows as none). `pin_hash` empty: no PIN. ALREADY_EXISTS GUEST_EXISTS.
  virtual void CreateGuest(const v1::Guest& guest, const std::string& pin_hash, absl::Time deadline,
                           Done<v1::Guest> done) = 0;
  virtual void GetGuest(const std::string& tenant, const std::string& id, absl::Time deadline,
                        Done<v1::Guest> done) = 0;
  virtual void UpdateGuest(const std::string& tenant, const std::string& id,
                           Mutation<v1::Guest> mutate, absl::Time deadline,
                           Done<v1::Guest> done) = 0;
  // Removes the guest and its PIN; returns the removed guest.
  virtual void DeleteGuest(const std::string& tenant, const std::string& id, absl::Time deadline,
                           Done<v1::Guest> done) = 0;
  virtual void ListGuests(const std::string& tenant, int page_size, const std::string& page_token,
                          absl::Time deadline, Done<GuestPage> done) = 0;
  // Replaces the PIN hash and clears the failure count and any lockout.
  virtual void SetPinHash(const std::string& tenant, const std::string& id,
                          const std::string& pin_hash, absl::Time deadline,
                          Done<v1::Guest> done) = 0;
  // Counts one attempt (see PinAttempt). A lockout that has run out is cleared first; reaching
  // `max_attempts` consecutive failures locks the guest for `lockout` from the store's clock.
  // NOT_FOUND when the guest is unknown.
  virtual void BeginPinAttempt(const std::string& tenant, const std::string& id, int max_attempts,
                               absl::Duration lockout, absl::Time deadline,
                               Done<PinAttempt> done) = 0;
  // The attempt begun with `hash` matched: clear failures and lockout (unless the PIN was changed
  // meanwhile).
  virtual void PinAccepted(const std::string& tenant, const std::string& id,
                           const std::string& hash, absl::Time deadline, Done<bool> done) = 0;
};

}  // namespace hotdesk
