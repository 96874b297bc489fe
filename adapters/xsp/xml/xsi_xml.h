// Xsi bodies: building the requests the bridge sends (and the simulator's replies and events),
// and parsing what comes back. Elements are matched by local name AND namespace URI; prefixes
// are resolved through the xmlns declarations in scope (a real XSP writes `xsi:` for the
// BroadSoft namespace and `xsi1:` for XML Schema-instance, see reference/protocols.md C.6, G.1).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/common/xml_escape.h"

namespace hotdesk::xsp {

inline constexpr char kXsiNs[] = "http://schema.broadsoft.com/xsi";
inline constexpr char kSchemaInstanceNs[] = "http://www.w3.org/2001/XMLSchema-instance";
inline constexpr char kXmlDecl[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";

using ::hotdesk::XmlEscape;

// ---- Xsi-Actions service documents ----

struct HotelingGuestDoc {
  std::optional<bool> active;
  std::optional<bool> enable_association_limit;
  std::optional<int> association_limit_hours;
  // Set when hostUserId is present with a value; host_nil when present with xsi:nil="true"
  // (or empty), which clears the association.
  std::optional<std::string> host_user_id;
  bool host_nil = false;
};

struct HotelingHostDoc {
  std::optional<bool> active;
  std::optional<bool> enforce_association_limit;
  std::optional<int> association_limit_hours;
  std::optional<std::string> access_level;
  std::optional<bool> remove_guest_association;
};

struct CallForwardingAlwaysDoc {
  std::optional<bool> active;
  std::optional<std::string> forward_to_phone_number;
  std::optional<bool> ring_splash;
};

struct CallCenterDoc {
  std::optional<std::string> agent_acd_state;
};

// PUT HotelingGuest: associate with `host_user_id`; limit_hours 0 = no association limit.
std::string BuildHotelingGuestAssociate(absl::string_view host_user_id, int limit_hours);
// PUT HotelingGuest: clear the association (hostUserId nil).
std::string BuildHotelingGuestClear();
// PUT CallForwardingAlways: on to `number`, or off (number ignored).
std::string BuildCallForwardingAlways(bool active, absl::string_view number);
// PUT CallCenter: agentACDState only.
std::string BuildCallCenterState(absl::string_view state);
// Full documents as a GET returns them (used by the simulator).
std::string BuildHotelingGuestDoc(const HotelingGuestDoc& doc);
std::string BuildHotelingHostDoc(const HotelingHostDoc& doc);
std::string BuildCallForwardingAlwaysDoc(const CallForwardingAlwaysDoc& doc);
std::string BuildCallCenterDoc(const CallCenterDoc& doc);

absl::StatusOr<HotelingGuestDoc> ParseHotelingGuest(absl::string_view body);
absl::StatusOr<HotelingHostDoc> ParseHotelingHost(absl::string_view body);
absl::StatusOr<CallForwardingAlwaysDoc> ParseCallForwardingAlways(absl::string_view body);
absl::StatusOr<CallCenterDoc> ParseCallCenter(absl::string_view body);

// ---- errors ----

struct ErrorInfo {
  std::string summary;
  std::string summary_english;
  int error_code = 0;
};
std::string BuildErrorInfo(int error_code, absl::string_view summary);
absl::StatusOr<ErrorInfo> ParseErrorInfo(absl::string_view body);

// ---- Xsi-Events requests and replies ----

std::string BuildChannelRequest(absl::string_view channel_set_id, int priority, int weight,
                                int expires);
std::string BuildChannelRefresh(int expires);
std::string BuildChannelReply(absl::string_view channel_id, int expires);
std::string BuildSubscriptionRequest(absl::string_view target_id_type, absl::string_view event,
                                     int expires, absl::string_view channel_set_id,
                                     absl::string_view application_id);
std::string BuildSubscriptionRefresh(int expires);
std::string BuildSubscriptionReply(absl::string_view subscription_id, int expires);
std::string BuildEventResponse(absl::string_view event_id, int status_code,
                               absl::string_view reason);
std::string BuildHeartBeat();

struct ChannelDoc {
  std::string channel_set_id;
  std::string channel_id;
  int expires = 0;
  int priority = 0;
  int weight = 0;
};
absl::StatusOr<ChannelDoc> ParseChannel(absl::string_view body);

struct SubscriptionDoc {
  std::string subscription_id;
  std::string target_id_type;
  std::string event;
  std::string channel_set_id;
  std::string application_id;
  int expires = 0;
};
absl::StatusOr<SubscriptionDoc> ParseSubscription(absl::string_view body);

struct EventResponseDoc {
  std::string event_id;
  int status_code = 0;
  std::string reason;
};
absl::StatusOr<EventResponseDoc> ParseEventResponse(absl::string_view body);

// ---- events on the channel ----

struct XsiEvent {
  // xsi1:type of the Event element: "SubscriptionEvent", "ChannelTerminatedEvent",
  // "SubscriptionTerminatedEvent"...
  std::string event_type;
  std::string event_id;
  int64_t sequence_number = 0;
  std::string user_id;
  std::string external_application_id;
  std::string subscription_id;
  std::string channel_id;
  std::string target_id;
  // xsi1:type of eventData: "HotelingGuestEvent", "CallForwardingAlwaysEvent",
  // "AgentStateEvent"... (empty for channel-level events).
  std::string data_type;
  HotelingGuestDoc hoteling_guest;  // HotelingGuestEvent
  CallForwardingAlwaysDoc cfa;      // CallForwardingAlwaysEvent
  std::string agent_state;          // AgentStateEvent
  std::string reason;               // ChannelTerminatedEvent / SubscriptionTerminatedEvent
};

// One document read from the channel stream.
struct StreamDoc {
  enum class Kind { kChannel, kHeartBeat, kEvent };
  Kind kind = Kind::kEvent;
  ChannelDoc channel;
  XsiEvent event;
};
// INVALID_ARGUMENT naming what is wrong for malformed XML, a wrong namespace or a missing field.
absl::StatusOr<StreamDoc> ParseStreamDoc(absl::string_view body);

// Best effort: the text of the first element whose local name is eventID, for acknowledging
// an event whose document is otherwise malformed. Empty when none.
std::string ScrapeEventId(absl::string_view body);

// Builders for events (the simulator writes these; prefixes as a production XSP writes them).
struct EventEnvelope {
  std::string event_id;
  int64_t sequence_number = 0;
  std::string user_id;
  std::string external_application_id;
  std::string subscription_id;
  std::string channel_id;
  std::string target_id;
};
std::string BuildHotelingGuestEvent(const EventEnvelope& env, const HotelingGuestDoc& info);
std::string BuildCallForwardingAlwaysEvent(const EventEnvelope& env,
                                           const CallForwardingAlwaysDoc& info);
std::string BuildAgentStateEvent(const EventEnvelope& env, absl::string_view state);
std::string BuildChannelTerminatedEvent(absl::string_view channel_id, absl::string_view reason);

}  // namespace hotdesk::xsp
