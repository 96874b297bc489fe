// CSTA XML bodies: requests parsed by local element name (namespace prefixes ignored), and the
// responses, events and errors we send, built in the namespace the caller chooses. Pure: no I/O,
// no service calls; safe on arbitrary input (no recursion over the input's depth, no DTDs).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "services/common/xml_escape.h"

namespace hotdesk::csta {

enum class RequestType {
  kMonitorStart,
  kMonitorStop,
  kSetAgentState,
  kGetAgentState,
  kSnapshotDevice,
  kEscapeService,  // Genesys private services travel in its privateData
  kSystemStatus,   // client -> us; answered with SystemStatusResponse
  kRequestSystemStatus,
  kSystemRegister,
  kSystemRegisterCancel,
  kClientResponse,  // a response to something we sent (e.g. our SystemStatus heartbeat)
  kUnknown,         // well-formed CSTA, but a service we do not offer
};

enum class ParseStatus {
  kOk,
  kMalformed,         // not well-formed XML, or no root element
  kForeignNamespace,  // the root element's namespace is neither CSTA nor absent
};

struct Request {
  RequestType type = RequestType::kUnknown;
  std::string name;  // the root element's local name
  std::string ns;    // the root element's namespace URI; "" when none
  // SetAgentState / GetAgentState / SnapshotDevice / MonitorStart device.
  std::string device;
  std::string agent_id;
  std::string password;  // never logged
  bool has_password = false;
  std::string requested_state;  // loggedOn, loggedOff, ready, notReady, workingAfterCall
  std::string cross_ref_id;     // MonitorStop
  // EscapeService private data (Genesys private services).
  std::string service_number;
  std::string this_dn;
  std::vector<std::pair<std::string, std::string>> private_keys;  // Extensions key -> value

  // The value of a private Extensions key; "" when absent.
  std::string PrivateKey(absl::string_view key) const;
};

struct ParseResult {
  ParseStatus status = ParseStatus::kOk;
  std::string detail;  // why, for logs (no request values in it)
  Request request;
};

ParseResult ParseRequest(absl::string_view body);

// ---- Building what we send ----

// Private data of hotdesk's Genesys-style private services and events, inside
// extensions/privateData/private of a CSTA message (see README "Private services").
struct PrivateBlock {
  std::string element;      // privateEvent | privateInfo | deviceInfo
  std::string number_name;  // eventNumber | serviceNumber | "" (none)
  int number = 0;
  std::string this_dn;
  std::string other_dn;
  std::vector<std::pair<std::string, std::string>> keys;
};

struct Namespaces {
  std::string csta;      // message namespace (what the client used, or the configured default)
  std::string private_;  // namespace of the private block
};

// An error: <CSTAErrorCode><category>value</category></CSTAErrorCode>.
std::string BuildError(const Namespaces& ns, absl::string_view category, absl::string_view value);
// <Name xmlns="..."/>, e.g. SetAgentStateResponse, MonitorStopResponse, SystemStatusResponse.
std::string BuildEmpty(const Namespaces& ns, absl::string_view name);
std::string BuildMonitorStartResponse(const Namespaces& ns, absl::string_view cross_ref_id,
                                      const PrivateBlock* priv);
std::string BuildSystemStatus(const Namespaces& ns, absl::string_view status);
std::string BuildRequestSystemStatusResponse(const Namespaces& ns, absl::string_view status);
std::string BuildSystemRegisterResponse(const Namespaces& ns, absl::string_view register_id);
std::string BuildEscapeServiceResponse(const Namespaces& ns, const PrivateBlock& priv);
// agent_id empty: no agent logged on.
std::string BuildGetAgentStateResponse(const Namespaces& ns, absl::string_view agent_id,
                                       const PrivateBlock* priv);
std::string BuildSnapshotDeviceResponse(const Namespaces& ns, const PrivateBlock* priv);

std::string BuildAgentEvent(const Namespaces& ns, bool logged_on, absl::string_view cross_ref_id,
                            absl::string_view device, absl::string_view agent_id);
std::string BuildForwardingEvent(const Namespaces& ns, absl::string_view cross_ref_id,
                                 absl::string_view device, bool on, absl::string_view forward_to);
std::string BuildPrivateEvent(const Namespaces& ns, absl::string_view cross_ref_id,
                              const PrivateBlock& priv);

using ::hotdesk::XmlEscape;

}  // namespace hotdesk::csta
