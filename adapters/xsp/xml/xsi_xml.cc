#include "adapters/xsp/xml/xsi_xml.h"

#include <pugixml.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace hotdesk::xsp {
namespace {

// ---- namespace-aware reading on top of pugixml (which does not resolve prefixes) ----

absl::string_view PrefixOf(absl::string_view qname) {
  size_t colon = qname.find(':');
  return colon == absl::string_view::npos ? absl::string_view() : qname.substr(0, colon);
}

absl::string_view LocalOf(absl::string_view qname) {
  size_t colon = qname.find(':');
  return colon == absl::string_view::npos ? qname : qname.substr(colon + 1);
}

// The URI bound to `prefix` ("" = default namespace) in scope at `node`.
std::string ResolvePrefix(pugi::xml_node node, absl::string_view prefix) {
  std::string attr = prefix.empty() ? "xmlns" : absl::StrCat("xmlns:", prefix);
  for (pugi::xml_node n = node; n; n = n.parent()) {
    if (n.type() != pugi::node_element) continue;
    pugi::xml_attribute a = n.attribute(attr.c_str());
    if (a) return a.value();
  }
  return "";
}

std::string NsOf(pugi::xml_node node) { return ResolvePrefix(node, PrefixOf(node.name())); }

bool Is(pugi::xml_node node, absl::string_view local, absl::string_view ns = kXsiNs) {
  return node.type() == pugi::node_element && LocalOf(node.name()) == local && NsOf(node) == ns;
}

pugi::xml_node Child(pugi::xml_node parent, absl::string_view local) {
  for (pugi::xml_node c : parent.children()) {
    if (Is(c, local)) return c;
  }
  return pugi::xml_node();
}

// Value of an attribute whose name resolves to (ns, local).
pugi::xml_attribute Attr(pugi::xml_node node, absl::string_view ns, absl::string_view local) {
  for (pugi::xml_attribute a : node.attributes()) {
    absl::string_view name = a.name();
    absl::string_view prefix = PrefixOf(name);
    if (prefix.empty() || prefix == "xmlns") continue;
    if (LocalOf(name) == local && ResolvePrefix(node, prefix) == ns) return a;
  }
  return pugi::xml_attribute();
}

// xsi1:type="xsi:Foo" → "Foo" when the value's prefix binds to the Xsi namespace.
std::string TypeOf(pugi::xml_node node) {
  pugi::xml_attribute a = Attr(node, kSchemaInstanceNs, "type");
  if (!a) return "";
  absl::string_view value = a.value();
  if (ResolvePrefix(node, PrefixOf(value)) != kXsiNs) return "";
  return std::string(LocalOf(value));
}

bool IsNil(pugi::xml_node node) {
  pugi::xml_attribute a = Attr(node, kSchemaInstanceNs, "nil");
  return a && (absl::string_view(a.value()) == "true" || absl::string_view(a.value()) == "1");
}

std::string Text(pugi::xml_node node) {
  return std::string(absl::StripAsciiWhitespace(node.child_value()));
}

absl::Status Invalid(absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("xsi xml: ", what));
}

absl::Status ReadBool(pugi::xml_node parent, absl::string_view local, std::optional<bool>* out) {
  pugi::xml_node n = Child(parent, local);
  if (!n) return absl::OkStatus();
  std::string t = Text(n);
  if (t == "true" || t == "1") {
    *out = true;
  } else if (t == "false" || t == "0") {
    *out = false;
  } else {
    return Invalid(absl::StrCat(local, ": expected true or false, got '", t, "'"));
  }
  return absl::OkStatus();
}

absl::Status ReadInt(pugi::xml_node parent, absl::string_view local, std::optional<int>* out) {
  pugi::xml_node n = Child(parent, local);
  if (!n) return absl::OkStatus();
  int v = 0;
  if (!absl::SimpleAtoi(Text(n), &v)) {
    return Invalid(absl::StrCat(local, ": expected an integer, got '", Text(n), "'"));
  }
  *out = v;
  return absl::OkStatus();
}

void ReadString(pugi::xml_node parent, absl::string_view local, std::optional<std::string>* out) {
  pugi::xml_node n = Child(parent, local);
  if (n) *out = Text(n);
}

std::string ChildText(pugi::xml_node parent, absl::string_view local) {
  return Text(Child(parent, local));
}

// Parses `body` and checks that the root is {kXsiNs}root (any of `roots` when several).
absl::Status Load(absl::string_view body, pugi::xml_document* doc) {
  pugi::xml_parse_result r =
      doc->load_buffer(body.data(), body.size(), pugi::parse_default, pugi::encoding_auto);
  if (!r) return Invalid(absl::StrCat("malformed XML at offset ", r.offset, ": ", r.description()));
  if (!doc->document_element()) return Invalid("no root element");
  return absl::OkStatus();
}

absl::StatusOr<pugi::xml_node> Root(absl::string_view body, pugi::xml_document* doc,
                                    absl::string_view local) {
  if (absl::Status s = Load(body, doc); !s.ok()) return s;
  pugi::xml_node root = doc->document_element();
  if (!Is(root, local)) {
    return Invalid(absl::StrCat("expected root element ", local, " in namespace ", kXsiNs, ", got ",
                                root.name(), " in namespace '", NsOf(root), "'"));
  }
  return root;
}

const char* Bool(bool b) { return b ? "true" : "false"; }

std::string Elem(absl::string_view name, absl::string_view text) {
  return absl::StrCat("<", name, ">", XmlEscape(text), "</", name, ">");
}

std::string Doc(absl::string_view root, absl::string_view inner, absl::string_view extra_ns = "") {
  return absl::StrCat(kXmlDecl, "<", root, " xmlns=\"", kXsiNs, "\"", extra_ns, ">", inner, "</",
                      root, ">");
}

absl::Status ReadHotelingGuest(pugi::xml_node n, HotelingGuestDoc* out) {
  if (absl::Status s = ReadBool(n, "active", &out->active); !s.ok()) return s;
  if (absl::Status s = ReadBool(n, "enableAssociationLimit", &out->enable_association_limit);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = ReadInt(n, "associationLimitHours", &out->association_limit_hours);
      !s.ok()) {
    return s;
  }
  if (out->association_limit_hours &&
      (*out->association_limit_hours < 1 || *out->association_limit_hours > 999)) {
    return Invalid("associationLimitHours: must be 1-999");
  }
  pugi::xml_node host = Child(n, "hostUserId");
  if (host) {
    std::string t = Text(host);
    if (IsNil(host) || t.empty()) {
      out->host_nil = true;
    } else {
      out->host_user_id = t;
    }
  }
  return absl::OkStatus();
}

absl::Status ReadCfa(pugi::xml_node n, CallForwardingAlwaysDoc* out) {
  if (absl::Status s = ReadBool(n, "active", &out->active); !s.ok()) return s;
  ReadString(n, "forwardToPhoneNumber", &out->forward_to_phone_number);
  return ReadBool(n, "ringSplash", &out->ring_splash);
}

std::string EnvelopeOpen(const EventEnvelope& env) {
  auto x = [](absl::string_view name, absl::string_view v) {
    return absl::StrCat("<xsi:", name, ">", XmlEscape(v), "</xsi:", name, ">");
  };
  return absl::StrCat(
      kXmlDecl, "\n<xsi:Event xsi1:type=\"xsi:SubscriptionEvent\" xmlns:xsi=\"", kXsiNs,
      "\" xmlns:xsi1=\"", kSchemaInstanceNs, "\">", x("eventID", env.event_id),
      x("sequenceNumber", absl::StrCat(env.sequence_number)), x("userId", env.user_id),
      x("externalApplicationId", env.external_application_id),
      x("subscriptionId", env.subscription_id), x("channelId", env.channel_id),
      x("targetId", env.target_id));
}

}  // namespace

std::string BuildHotelingGuestAssociate(absl::string_view host_user_id, int limit_hours) {
  std::string inner = absl::StrCat("<active>true</active><enableAssociationLimit>",
                                   Bool(limit_hours > 0), "</enableAssociationLimit>");
  if (limit_hours > 0)
    absl::StrAppend(&inner, Elem("associationLimitHours", absl::StrCat(limit_hours)));
  absl::StrAppend(&inner, Elem("hostUserId", host_user_id));
  return Doc("HotelingGuest", inner);
}

std::string BuildHotelingGuestClear() {
  return Doc("HotelingGuest", "<hostUserId xsi:nil=\"true\"/>",
             absl::StrCat(" xmlns:xsi=\"", kSchemaInstanceNs, "\""));
}

std::string BuildCallForwardingAlways(bool active, absl::string_view number) {
  if (!active) return Doc("CallForwardingAlways", "<active>false</active>");
  return Doc("CallForwardingAlways",
             absl::StrCat("<active>true</active>", Elem("forwardToPhoneNumber", number),
                          "<ringSplash>false</ringSplash>"));
}

std::string BuildCallCenterState(absl::string_view state) {
  return Doc("CallCenter", Elem("agentACDState", state));
}

std::string BuildHotelingGuestDoc(const HotelingGuestDoc& d) {
  std::string inner;
  if (d.active) absl::StrAppend(&inner, Elem("active", Bool(*d.active)));
  if (d.enable_association_limit) {
    absl::StrAppend(&inner, Elem("enableAssociationLimit", Bool(*d.enable_association_limit)));
  }
  if (d.association_limit_hours) {
    absl::StrAppend(&inner,
                    Elem("associationLimitHours", absl::StrCat(*d.association_limit_hours)));
  }
  if (d.host_user_id) absl::StrAppend(&inner, Elem("hostUserId", *d.host_user_id));
  return Doc("HotelingGuest", inner);
}

std::string BuildHotelingHostDoc(const HotelingHostDoc& d) {
  std::string inner;
  if (d.active) absl::StrAppend(&inner, Elem("active", Bool(*d.active)));
  if (d.enforce_association_limit) {
    absl::StrAppend(&inner, Elem("enforceAssociationLimit", Bool(*d.enforce_association_limit)));
  }
  if (d.association_limit_hours) {
    absl::StrAppend(&inner,
                    Elem("associationLimitHours", absl::StrCat(*d.association_limit_hours)));
  }
  if (d.access_level) absl::StrAppend(&inner, Elem("accessLevel", *d.access_level));
  return Doc("HotelingHost", inner);
}

std::string BuildCallForwardingAlwaysDoc(const CallForwardingAlwaysDoc& d) {
  std::string inner;
  if (d.active) absl::StrAppend(&inner, Elem("active", Bool(*d.active)));
  if (d.forward_to_phone_number) {
    absl::StrAppend(&inner, Elem("forwardToPhoneNumber", *d.forward_to_phone_number));
  }
  if (d.ring_splash) absl::StrAppend(&inner, Elem("ringSplash", Bool(*d.ring_splash)));
  return Doc("CallForwardingAlways", inner);
}

std::string BuildCallCenterDoc(const CallCenterDoc& d) {
  return Doc("CallCenter", d.agent_acd_state ? Elem("agentACDState", *d.agent_acd_state) : "");
}

absl::StatusOr<HotelingGuestDoc> ParseHotelingGuest(absl::string_view body) {
  pugi::xml_document doc;
  absl::StatusOr<pugi::xml_node> root = Root(body, &doc, "HotelingGuest");
  if (!root.ok()) return root.status();
  HotelingGuestDoc out;
  if (absl::Status s = ReadHotelingGuest(*root, &out); !s.ok()) return s;
  return out;
}

absl::StatusOr<HotelingHostDoc> ParseHotelingHost(absl::string_view body) {
  pugi::xml_document doc;
  absl::StatusOr<pugi::xml_node> root = Root(body, &doc, "HotelingHost");
  if (!root.ok()) return root.status();
  HotelingHostDoc out;
  if (absl::Status s = ReadBool(*root, "active", &out.active); !s.ok()) return s;
  if (absl::Status s = ReadBool(*root, "enforceAssociationLimit", &out.enforce_association_limit);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = ReadInt(*root, "associationLimitHours", &out.association_limit_hours);
      !s.ok()) {
    return s;
  }
  ReadString(*root, "accessLevel", &out.access_level);
  if (out.access_level && *out.access_level != "Enterprise" && *out.access_level != "Group") {
    return Invalid("accessLevel: expected Enterprise or Group");
  }
  if (absl::Status s = ReadBool(*root, "removeGuestAssociation", &out.remove_guest_association);
      !s.ok()) {
    return s;
  }
  return out;
}

absl::StatusOr<CallForwardingAlwaysDoc> ParseCallForwardingAlways(absl::string_view body) {
  pugi::xml_document doc;
  absl::StatusOr<pugi::xml_node> root = Root(body, &doc, "CallForwardingAlways");
  if (!root.ok()) return root.status();
  CallForwardingAlwaysDoc out;
  if (absl::Status s = ReadCfa(*root, &out); !s.ok()) return s;
  return out;
}

absl::StatusOr<CallCenterDoc> ParseCallCenter(absl::string_view body) {
  pugi::xml_document doc;
  absl::StatusOr<pugi::xml_node> root = Root(body, &doc, "CallCenter");
  if (!root.ok()) return root.status();
  CallCenterDoc out;
  ReadString(*root, "agentACDState", &out.agent_acd_state);
  if (out.agent_acd_state) {
    const std::string& s = *out.agent_acd_state;
    if (s != "Sign-In" && s != "Available" && s != "Unavailable" && s != "Wrap-Up" &&
        s != "Sign-Out") {
      return Invalid(absl::StrCat("agentACDState: unknown state '", s, "'"));
    }
  }
  return out;
}

std::string BuildErrorInfo(int error_code, absl::string_view summary) {
  return Doc("ErrorInfo", absl::StrCat(Elem("summary", summary), Elem("summaryEnglish", summary),
                                       Elem("errorCode", absl::StrCat(error_code))));
}

absl::StatusOr<ErrorInfo> ParseErrorInfo(absl::string_view body) {
  pugi::xml_document doc;
  absl::StatusOr<pugi::xml_node> root = Root(body, &doc, "ErrorInfo");
  if (!root.ok()) return root.status();
  ErrorInfo out;
  out.summary = ChildText(*root, "summary");
  out.summary_english = ChildText(*root, "summaryEnglish");
  (void)absl::SimpleAtoi(ChildText(*root, "errorCode"), &out.error_code);
  return out;
}

std::string BuildChannelRequest(absl::string_view channel_set_id, int priority, int weight,
                                int expires) {
  return Doc(
      "Channel",
      absl::StrCat(Elem("channelSetId", channel_set_id), Elem("priority", absl::StrCat(priority)),
                   Elem("weight", absl::StrCat(weight)), Elem("expires", absl::StrCat(expires))));
}

std::string BuildChannelRefresh(int expires) {
  return Doc("Channel", Elem("expires", absl::StrCat(expires)));
}

std::string BuildChannelReply(absl::string_view channel_id, int expires) {
  return Doc("Channel",
             absl::StrCat(Elem("channelId", channel_id), Elem("expires", absl::StrCat(expires))));
}

std::string BuildSubscriptionRequest(absl::string_view target_id_type, absl::string_view event,
                                     int expires, absl::string_view channel_set_id,
                                     absl::string_view application_id) {
  return Doc(
      "Subscription",
      absl::StrCat(Elem("targetIdType", target_id_type), Elem("event", event),
                   Elem("expires", absl::StrCat(expires)), Elem("channelSetId", channel_set_id),
                   Elem("applicationId", application_id)));
}

std::string BuildSubscriptionRefresh(int expires) {
  return Doc("Subscription", Elem("expires", absl::StrCat(expires)));
}

std::string BuildSubscriptionReply(absl::string_view subscription_id, int expires) {
  return Doc("Subscription", absl::StrCat(Elem("subscriptionId", subscription_id),
                                          Elem("expires", absl::StrCat(expires))));
}

std::string BuildEventResponse(absl::string_view event_id, int status_code,
                               absl::string_view reason) {
  return Doc("EventResponse",
             absl::StrCat(Elem("eventID", event_id), Elem("statusCode", absl::StrCat(status_code)),
                          Elem("reason", reason)));
}

std::string BuildHeartBeat() {
  return absl::StrCat(kXmlDecl, "<ChannelHeartBeat xmlns=\"", kXsiNs, "\"/>");
}

namespace {
absl::Status ReadIntField(pugi::xml_node parent, absl::string_view local, int* out) {
  std::optional<int> v;
  if (absl::Status s = ReadInt(parent, local, &v); !s.ok()) return s;
  if (v) *out = *v;
  return absl::OkStatus();
}
}  // namespace

absl::StatusOr<ChannelDoc> ParseChannel(absl::string_view body) {
  pugi::xml_document doc;
  absl::StatusOr<pugi::xml_node> root = Root(body, &doc, "Channel");
  if (!root.ok()) return root.status();
  ChannelDoc out;
  out.channel_set_id = ChildText(*root, "channelSetId");
  out.channel_id = ChildText(*root, "channelId");
  if (absl::Status s = ReadIntField(*root, "expires", &out.expires); !s.ok()) return s;
  if (absl::Status s = ReadIntField(*root, "priority", &out.priority); !s.ok()) return s;
  if (absl::Status s = ReadIntField(*root, "weight", &out.weight); !s.ok()) return s;
  return out;
}

absl::StatusOr<SubscriptionDoc> ParseSubscription(absl::string_view body) {
  pugi::xml_document doc;
  absl::StatusOr<pugi::xml_node> root = Root(body, &doc, "Subscription");
  if (!root.ok()) return root.status();
  SubscriptionDoc out;
  out.subscription_id = ChildText(*root, "subscriptionId");
  out.target_id_type = ChildText(*root, "targetIdType");
  out.event = ChildText(*root, "event");
  out.channel_set_id = ChildText(*root, "channelSetId");
  out.application_id = ChildText(*root, "applicationId");
  if (absl::Status s = ReadIntField(*root, "expires", &out.expires); !s.ok()) return s;
  return out;
}

absl::StatusOr<EventResponseDoc> ParseEventResponse(absl::string_view body) {
  pugi::xml_document doc;
  absl::StatusOr<pugi::xml_node> root = Root(body, &doc, "EventResponse");
  if (!root.ok()) return root.status();
  EventResponseDoc out;
  out.event_id = ChildText(*root, "eventID");
  if (out.event_id.empty()) return Invalid("EventResponse: eventID is required");
  if (absl::Status s = ReadIntField(*root, "statusCode", &out.status_code); !s.ok()) return s;
  out.reason = ChildText(*root, "reason");
  return out;
}

absl::StatusOr<StreamDoc> ParseStreamDoc(absl::string_view body) {
  pugi::xml_document doc;
  if (absl::Status s = Load(body, &doc); !s.ok()) return s;
  pugi::xml_node root = doc.document_element();
  StreamDoc out;
  if (Is(root, "ChannelHeartBeat")) {
    out.kind = StreamDoc::Kind::kHeartBeat;
    return out;
  }
  if (Is(root, "Channel")) {
    out.kind = StreamDoc::Kind::kChannel;
    out.channel.channel_id = ChildText(root, "channelId");
    if (out.channel.channel_id.empty()) return Invalid("Channel: channelId is required");
    if (absl::Status s = ReadIntField(root, "expires", &out.channel.expires); !s.ok()) return s;
    return out;
  }
  if (!Is(root, "Event")) {
    return Invalid(absl::StrCat("unexpected element ", root.name(), " in namespace '", NsOf(root),
                                "' on the event channel"));
  }
  XsiEvent& ev = out.event;
  ev.event_type = TypeOf(root);
  if (ev.event_type.empty()) return Invalid("Event: missing or unknown xsi:type");
  ev.event_id = ChildText(root, "eventID");
  ev.channel_id = ChildText(root, "channelId");
  ev.reason = ChildText(root, "reason");
  if (ev.event_type == "ChannelTerminatedEvent") return out;
  if (ev.event_id.empty()) return Invalid("Event: eventID is required");
  std::string seq = ChildText(root, "sequenceNumber");
  if (!seq.empty() && !absl::SimpleAtoi(seq, &ev.sequence_number)) {
    return Invalid("Event: sequenceNumber is not an integer");
  }
  ev.user_id = ChildText(root, "userId");
  ev.external_application_id = ChildText(root, "externalApplicationId");
  ev.subscription_id = ChildText(root, "subscriptionId");
  ev.target_id = ChildText(root, "targetId");
  if (ev.event_type != "SubscriptionEvent") return out;
  pugi::xml_node data = Child(root, "eventData");
  if (!data) return Invalid("Event: eventData is required");
  ev.data_type = TypeOf(data);
  if (ev.data_type.empty()) return Invalid("eventData: missing or unknown xsi:type");
  if (ev.data_type == "HotelingGuestEvent") {
    pugi::xml_node info = Child(data, "info");
    if (!info) return Invalid("HotelingGuestEvent: info is required");
    if (absl::Status s = ReadHotelingGuest(info, &ev.hoteling_guest); !s.ok()) return s;
    if (!ev.hoteling_guest.host_user_id) ev.hoteling_guest.host_nil = true;
  } else if (ev.data_type == "CallForwardingAlwaysEvent") {
    pugi::xml_node info = Child(data, "info");
    if (!info) return Invalid("CallForwardingAlwaysEvent: info is required");
    if (absl::Status s = ReadCfa(info, &ev.cfa); !s.ok()) return s;
  } else if (ev.data_type == "AgentStateEvent") {
    ev.agent_state = ChildText(Child(data, "agentStateInfo"), "state");
  }
  return out;
}

std::string ScrapeEventId(absl::string_view body) {
  size_t pos = 0;
  while ((pos = body.find("eventID>", pos)) != absl::string_view::npos) {
    // An opening tag: preceded by '<' or '<prefix:'.
    size_t lt = body.rfind('<', pos);
    if (lt != absl::string_view::npos && body[lt + 1] != '/' &&
        body.substr(lt, pos - lt).find_first_of(" >") == absl::string_view::npos) {
      size_t start = pos + 8;
      size_t end = body.find('<', start);
      if (end == absl::string_view::npos) return "";
      absl::string_view id = absl::StripAsciiWhitespace(body.substr(start, end - start));
      // Only what can be an eventID (a UUID in practice) is worth acknowledging: anything else
      // would go back to the XSP inside our EventResponse, and there break it (a NUL byte, say).
      if (id.empty() || id.size() > 128) return "";
      for (char c : id) {
        if (c <= ' ' || c > '~' || c == '&') return "";
      }
      return std::string(id);
    }
    pos += 8;
  }
  return "";
}

std::string BuildHotelingGuestEvent(const EventEnvelope& env, const HotelingGuestDoc& info) {
  std::string inner;
  auto x = [&inner](absl::string_view name, absl::string_view v) {
    absl::StrAppend(&inner, "<xsi:", name, ">", XmlEscape(v), "</xsi:", name, ">");
  };
  if (info.active) x("active", Bool(*info.active));
  if (info.enable_association_limit)
    x("enableAssociationLimit", Bool(*info.enable_association_limit));
  if (info.association_limit_hours) {
    x("associationLimitHours", absl::StrCat(*info.association_limit_hours));
  }
  if (info.host_user_id) x("hostUserId", *info.host_user_id);
  return absl::StrCat(EnvelopeOpen(env), "<xsi:eventData xsi1:type=\"xsi:HotelingGuestEvent\">",
                      "<xsi:info>", inner, "</xsi:info></xsi:eventData></xsi:Event>");
}

std::string BuildCallForwardingAlwaysEvent(const EventEnvelope& env,
                                           const CallForwardingAlwaysDoc& info) {
  std::string inner;
  auto x = [&inner](absl::string_view name, absl::string_view v) {
    absl::StrAppend(&inner, "<xsi:", name, ">", XmlEscape(v), "</xsi:", name, ">");
  };
  x("active", Bool(info.active.value_or(false)));
  if (info.forward_to_phone_number) x("forwardToPhoneNumber", *info.forward_to_phone_number);
  x("ringSplash", Bool(info.ring_splash.value_or(false)));
  return absl::StrCat(EnvelopeOpen(env),
                      "<xsi:eventData xsi1:type=\"xsi:CallForwardingAlwaysEvent\"><xsi:info>",
                      inner, "</xsi:info></xsi:eventData></xsi:Event>");
}

std::string BuildAgentStateEvent(const EventEnvelope& env, absl::string_view state) {
  return absl::StrCat(EnvelopeOpen(env),
                      "<xsi:eventData xsi1:type=\"xsi:AgentStateEvent\"><xsi:agentStateInfo>",
                      "<xsi:state>", XmlEscape(state), "</xsi:state></xsi:agentStateInfo>",
                      "</xsi:eventData></xsi:Event>");
}

std::string BuildChannelTerminatedEvent(absl::string_view channel_id, absl::string_view reason) {
  return absl::StrCat(
      kXmlDecl, "\n<xsi:Event xsi1:type=\"xsi:ChannelTerminatedEvent\" xmlns:xsi=\"", kXsiNs,
      "\" xmlns:xsi1=\"", kSchemaInstanceNs, "\"><xsi:channelId>", XmlEscape(channel_id),
      "</xsi:channelId><xsi:reason>", XmlEscape(reason), "</xsi:reason></xsi:Event>");
}

}  // namespace hotdesk::xsp
