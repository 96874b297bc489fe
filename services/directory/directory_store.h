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
  enum class Kind { kProceed, kLocked, kNoPin, kThrottled };
  Kind kind = Kind::kNoPin;
  std::string hash;         // kProceed: the stored hash to compare against
  int failures = 0;         // kProceed: consecutive failures including this attempt
  absl::Time locked_until;  // kLocked; kProceed: set when this attempt used the last try
  absl::Duration lockout;   // kLocked, and kProceed that locked: how long this lockout lasts
  // kThrottled: which budget ran out ("source" or "tenant") and when it refills.
  std::string limit;
  absl::Duration retry_after;
};

// How PIN guessing is limited. Per guest: `max_attempts` consecutive wrong PINs lock the guest for
// `lockout`, doubled at each further lockout until a correct PIN (or a new PIN), up to
// `max_lockout`. Across guests (guessing one PIN at many guests never locks any of them): every
// attempt that is not a correct PIN counts against a budget per caller (`per_source`) and one per
// tenant across all callers (`per_tenant`), each per `window`; an exhausted budget refuses further
// attempts unchecked and uncounted until the window ends. 0 turns a budget off.
struct PinLimits {
  int max_attempts = 3;
  absl::Duration lockout = absl::Minutes(15);
  absl::Duration max_lockout = absl::Hours(24);
  int per_source = 30;
  int per_tenant = 100;
  absl::Duration window = absl::Minutes(1);
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
  // Counts one attempt by `source` (the caller, for the per-source budget) under `limits` (see
  // PinAttempt, PinLimits), all at once: budgets first (kThrottled), then the guest. A lockout
  // that has run out is cleared first; reaching `max_attempts` consecutive failures locks the
  // guest, from the store's clock. NOT_FOUND when the guest is unknown (which counts against the
  // budgets too: probing for guest ids is guessing).
  virtual void BeginPinAttempt(const std::string& tenant, const std::string& id,
                               const std::string& source, const PinLimits& limits,
                               absl::Time deadline, Done<PinAttempt> done) = 0;
  // The attempt begun with `hash` matched: clear failures, lockout and the lockout escalation
  // (unless the PIN was changed meanwhile), and give the attempt back to the budgets.
  virtual void PinAccepted(const std::string& tenant, const std::string& id,
                           const std::string& hash, const std::string& source,
                           absl::Time deadline, Done<bool> done) = 0;
};

}  // namespace hotdesk
