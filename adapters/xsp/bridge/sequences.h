// The Xsi-Actions sequences for an association change (reference/protocols.md B.3, B.4, C.2-C.5),
// planned from a hotdesk event without doing any I/O.
//
// establish (host H, guest G):            cancel (host H, guest G):
//   1 host agent Sign-Out if signed in      1 guest agent Sign-Out
//   2 CallForwardingAlways on H -> G        2 CallForwardingAlways off on H
//   3 HotelingGuest on G, hostUserId = H    3 HotelingGuest on G, hostUserId nil
//   4 guest agent Unavailable
//
// sync (guest G, for a change the bridge itself applied from the platform):
//   1 HotelingGuest on G set to what hotdesk holds for G now, unless the platform already has it
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "adapters/xsp/bridge/config.h"
#include "adapters/xsp/bridge/id_map.h"
#include "hotdesk/v1/association.pb.h"

namespace hotdesk::xsp {

enum class SeqKind { kEstablish, kCancel, kSync };
const char* SeqKindName(SeqKind k);

struct PlannedStep {
  std::string name;     // e.g. "host_cfa_on"; a metric label
  std::string user;     // BroadWorks user id
  std::string service;  // HotelingGuest | CallForwardingAlways | CallCenter
  std::string body;     // the PUT body
  // GET the service first and PUT only when the agent is signed in (not Sign-Out).
  bool only_if_agent_signed_in = false;
  // Before the PUT, remember that the guest's HotelingGuestEvent will show this host ("" =
  // none), so the inbound side does not take the bridge's own change for a platform change.
  bool expect_echo = false;
  std::string echo_host;  // hotdesk host id or ""
  // The body and echo are decided when the step runs: the guest's HotelingGuest is made what
  // hotdesk holds for the guest at that moment (GET first; no PUT when the platform has it).
  bool sync_guest = false;
};

struct Plan {
  SeqKind kind = SeqKind::kEstablish;
  std::string host, guest;        // hotdesk ids
  std::string bw_host, bw_guest;  // BroadWorks user ids
  int limit_hours = 0;
  std::vector<PlannedStep> steps;
};

// Path of a user's service below the Xsi-Actions root.
std::string ServicePath(const std::string& user, const std::string& service);

// Association limit in whole hours for HotelingGuest (rounded up, clamped to 1-999); 0 = none.
int LimitHours(const v1::Association& a);

// The plan for an ESTABLISHED or CANCELLED event. NOT_FOUND when an id cannot be mapped.
absl::StatusOr<Plan> PlanFor(const v1::AssociationEvent& ev, const IdMapper& ids,
                             const OutboundConfig& cfg);

// The plan for an event the bridge made from a platform change (source XSP). The platform had
// that change when it was read; but a sequence of an older hotdesk change to the same guest may
// have been written to the platform after it (a parked one, or one in flight), so the guest is
// brought to hotdesk's state, in stream order like every sequence. NOT_FOUND when unmapped.
absl::StatusOr<Plan> PlanSync(const v1::AssociationEvent& ev, const IdMapper& ids);

}  // namespace hotdesk::xsp
