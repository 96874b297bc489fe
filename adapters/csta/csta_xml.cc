#include "adapters/csta/csta_xml.h"

#include <cstring>

#include <pugixml.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "adapters/csta/namespaces.h"

namespace hotdesk::csta {
namespace {

absl::string_view LocalName(const char* qname) {
  absl::string_view n(qname);
  size_t colon = n.find(':');
  return colon == absl::string_view::npos ? n : n.substr(colon + 1);
}

// The namespace URI bound to the element's prefix, looking at the element and its ancestors.
std::string NamespaceOf(pugi::xml_node node) {
  absl::string_view qname(node.name());
  size_t colon = qname.find(':');
  std::string attr = colon == absl::string_view::npos
                         ? std::string("xmlns")
                         : absl::StrCat("xmlns:", qname.substr(0, colon));
  for (pugi::xml_node n = node; n && n.type() == pugi::node_element; n = n.parent()) {
    pugi::xml_attribute a = n.attribute(attr.c_str());
    if (a) return a.value();
  }
  return "";
}

pugi::xml_node Child(pugi::xml_node parent, absl::string_view local) {
  for (pugi::xml_node c = parent.first_child(); c; c = c.next_sibling())
    if (c.type() == pugi::node_element && LocalName(c.name()) == local) return c;
  return pugi::xml_node();
}

std::string Text(pugi::xml_node node) {
  if (!node) return "";
  std::string out;
  for (pugi::xml_node c = node.first_child(); c; c = c.next_sibling())
    if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) out += c.value();
  return std::string(absl::StripAsciiWhitespace(out));
}

// A device element: its text, or the text of its first element child
// (<device><deviceIdentifier>7002</deviceIdentifier></device>).
std::string DeviceText(pugi::xml_node node) {
  std::string t = Text(node);
  if (!t.empty() || !node) return t;
  for (pugi::xml_node c = node.first_child(); c; c = c.next_sibling())
    if (c.type() == pugi::node_element) return Text(c);
  return "";
}

// Walks the subtree below `root` in document order without recursion (input depth is
// attacker-controlled), calling f(element) for each element.
template <typename F>
void ForEachElement(pugi::xml_node root, F f) {
  pugi::xml_node n = root.first_child();
  while (n) {
    if (n.type() == pugi::node_element) f(n);
    if (n.first_child()) {
      n = n.first_child();
      continue;
    }
    while (n && n != root && !n.next_sibling()) n = n.parent();
    if (!n || n == root) break;
    n = n.next_sibling();
  }
}

void ParsePrivate(pugi::xml_node root, Request* r) {
  pugi::xml_node ext = Child(root, "extensions");
  pugi::xml_node pd = ext ? Child(ext, "privateData") : Child(root, "privateData");
  if (!pd) return;
  ForEachElement(pd, [r](pugi::xml_node e) {
    absl::string_view local = LocalName(e.name());
    if (local == "serviceNumber" && r->service_number.empty()) {
      r->service_number = Text(e);
    } else if (local == "thisDN" && r->this_dn.empty()) {
      r->this_dn = Text(e);
    } else if (local == "kv") {
      std::string key = Text(Child(e, "key"));
      if (!key.empty() && r->private_keys.size() < 64)
        r->private_keys.emplace_back(key, Text(Child(e, "value")));
    }
  });
}

RequestType TypeOf(absl::string_view name) {
  struct Entry {
    const char* name;
    RequestType type;
  };
  static const Entry kTable[] = {
      {"MonitorStart", RequestType::kMonitorStart},
      {"MonitorStop", RequestType::kMonitorStop},
      {"SetAgentState", RequestType::kSetAgentState},
      {"GetAgentState", RequestType::kGetAgentState},
      {"SnapshotDevice", RequestType::kSnapshotDevice},
      {"EscapeService", RequestType::kEscapeService},
      {"SystemStatus", RequestType::kSystemStatus},
      {"RequestSystemStatus", RequestType::kRequestSystemStatus},
      {"SystemRegister", RequestType::kSystemRegister},
      {"SystemRegisterCancel", RequestType::kSystemRegisterCancel},
  };
  for (const auto& e : kTable)
    if (name == e.name) return e.type;
  if (absl::EndsWith(name, "Response")) return RequestType::kClientResponse;
  return RequestType::kUnknown;
}

}  // namespace

std::string Request::PrivateKey(absl::string_view key) const {
  for (const auto& kv : private_keys)
    if (kv.first == key) return kv.second;
  return "";
}

ParseResult ParseRequest(absl::string_view body) {
  ParseResult out;
  pugi::xml_document doc;
  // parse_default: no DTD processing, no external entities, only the five predefined entities.
  pugi::xml_parse_result pr =
      doc.load_buffer(body.data(), body.size(), pugi::parse_default, pugi::encoding_auto);
  if (!pr) {
    out.status = ParseStatus::kMalformed;
    out.detail = absl::StrCat("XML error: ", pr.description(), " at offset ", pr.offset);
    return out;
  }
  pugi::xml_node root = doc.document_element();
  if (!root) {
    out.status = ParseStatus::kMalformed;
    out.detail = "no root element";
    return out;
  }
  Request& r = out.request;
  r.name = std::string(LocalName(root.name()));
  r.ns = NamespaceOf(root);
  r.type = TypeOf(r.name);
  if (!r.ns.empty() && !IsCstaNamespace(r.ns)) {
    out.status = ParseStatus::kForeignNamespace;
    out.detail = "root element is not in an ECMA-323 CSTA namespace";
    return out;
  }
  switch (r.type) {
    case RequestType::kMonitorStart: {
      pugi::xml_node mo = Child(root, "monitorObject");
      r.device = DeviceText(Child(mo, "deviceObject"));
      break;
    }
    case RequestType::kMonitorStop:
      r.cross_ref_id = Text(Child(root, "monitorCrossRefID"));
      break;
    case RequestType::kSetAgentState:
    case RequestType::kGetAgentState: {
      r.device = DeviceText(Child(root, "device"));
      r.requested_state = Text(Child(root, "requestedAgentState"));
      r.agent_id = Text(Child(root, "agentID"));
      pugi::xml_node pw = Child(root, "password");
      r.has_password = static_cast<bool>(pw);
      r.password = Text(pw);
      break;
    }
    case RequestType::kSnapshotDevice:
      r.device = DeviceText(Child(root, "snapshotObject"));
      break;
    case RequestType::kEscapeService:
      ParsePrivate(root, &r);
      break;
    default:
      break;
  }
  return out;
}

// ---- building ----

namespace {

constexpr absl::string_view kProlog = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";

// A tiny writer: elements are opened and closed in order; text is escaped.
class Writer {
 public:
  Writer(absl::string_view root, absl::string_view ns) : root_(root) {
    absl::StrAppend(&out_, kProlog, "<", root, " xmlns=\"", XmlEscape(ns), "\">");
  }
  Writer& Open(absl::string_view name) {
    absl::StrAppend(&out_, "<", name, ">");
    return *this;
  }
  Writer& OpenNs(absl::string_view name, absl::string_view prefix, absl::string_view ns) {
    absl::StrAppend(&out_, "<", name, " xmlns:", prefix, "=\"", XmlEscape(ns), "\">");
    return *this;
  }
  Writer& Close(absl::string_view name) {
    absl::StrAppend(&out_, "</", name, ">");
    return *this;
  }
  Writer& Leaf(absl::string_view name, absl::string_view text) {
    absl::StrAppend(&out_, "<", name, ">", XmlEscape(text), "</", name, ">");
    return *this;
  }
  Writer& Empty(absl::string_view name) {
    absl::StrAppend(&out_, "<", name, "/>");
    return *this;
  }
  std::string Finish() {
    absl::StrAppend(&out_, "</", root_, ">");
    return std::move(out_);
  }

 private:
  std::string root_;
  std::string out_;
};

void WritePrivate(Writer& w, const std::string& private_ns, const PrivateBlock& p) {
  const std::string el = absl::StrCat("hd:", p.element);
  w.Open("extensions").Open("privateData").Open("private").OpenNs(el, "hd", private_ns);
  if (!p.number_name.empty()) w.Leaf(absl::StrCat("hd:", p.number_name), absl::StrCat(p.number));
  if (!p.this_dn.empty()) w.Leaf("hd:thisDN", p.this_dn);
  if (!p.other_dn.empty()) w.Leaf("hd:otherDN", p.other_dn);
  for (const auto& kv : p.keys)
    w.Open("hd:kv").Leaf("hd:key", kv.first).Leaf("hd:value", kv.second).Close("hd:kv");
  w.Close(el).Close("private").Close("privateData").Close("extensions");
}

}  // namespace

std::string BuildError(const Namespaces& ns, absl::string_view category, absl::string_view value) {
  return Writer("CSTAErrorCode", ns.csta).Leaf(category, value).Finish();
}

std::string BuildEmpty(const Namespaces& ns, absl::string_view name) {
  return absl::StrCat(kProlog, "<", name, " xmlns=\"", XmlEscape(ns.csta), "\"/>");
}

std::string BuildMonitorStartResponse(const Namespaces& ns, absl::string_view cross_ref_id,
                                      const PrivateBlock* priv) {
  Writer w("MonitorStartResponse", ns.csta);
  w.Leaf("monitorCrossRefID", cross_ref_id);
  if (priv) WritePrivate(w, ns.private_, *priv);
  return w.Finish();
}

std::string BuildSystemStatus(const Namespaces& ns, absl::string_view status) {
  return Writer("SystemStatus", ns.csta).Leaf("systemStatus", status).Finish();
}

std::string BuildRequestSystemStatusResponse(const Namespaces& ns, absl::string_view status) {
  return Writer("RequestSystemStatusResponse", ns.csta).Leaf("systemStatus", status).Finish();
}

std::string BuildSystemRegisterResponse(const Namespaces& ns, absl::string_view register_id) {
  return Writer("SystemRegisterResponse", ns.csta).Leaf("sysStatRegisterID", register_id).Finish();
}

std::string BuildEscapeServiceResponse(const Namespaces& ns, const PrivateBlock& priv) {
  Writer w("EscapeServiceResponse", ns.csta);
  WritePrivate(w, ns.private_, priv);
  return w.Finish();
}

std::string BuildGetAgentStateResponse(const Namespaces& ns, absl::string_view agent_id,
                                       const PrivateBlock* priv) {
  Writer w("GetAgentStateResponse", ns.csta);
  w.Open("agentStateList");
  if (!agent_id.empty()) {
    // The guest is logged on; the Genesys connector leaves a freshly associated guest not ready.
    w.Open("agentStateEntry")
        .Leaf("agentID", agent_id)
        .Leaf("loggedOnState", "true")
        .Open("agentInfo")
        .Open("agentInfoItem")
        .Leaf("agentState", "agentNotReady")
        .Close("agentInfoItem")
        .Close("agentInfo")
        .Close("agentStateEntry");
  }
  w.Close("agentStateList");
  if (priv) WritePrivate(w, ns.private_, *priv);
  return w.Finish();
}

std::string BuildSnapshotDeviceResponse(const Namespaces& ns, const PrivateBlock* priv) {
  Writer w("SnapshotDeviceResponse", ns.csta);
  // No call state: hotdesk knows associations, not calls.
  w.Open("crossRefIDorSnapshotData").Empty("snapshotData").Close("crossRefIDorSnapshotData");
  if (priv) WritePrivate(w, ns.private_, *priv);
  return w.Finish();
}

std::string BuildAgentEvent(const Namespaces& ns, bool logged_on, absl::string_view cross_ref_id,
                            absl::string_view device, absl::string_view agent_id) {
  Writer w(logged_on ? "AgentLoggedOnEvent" : "AgentLoggedOffEvent", ns.csta);
  w.Leaf("monitorCrossRefID", cross_ref_id)
      .Open("agentDevice")
      .Leaf("deviceIdentifier", device)
      .Close("agentDevice")
      .Leaf("agentID", agent_id);
  return w.Finish();
}

std::string BuildForwardingEvent(const Namespaces& ns, absl::string_view cross_ref_id,
                                 absl::string_view device, bool on, absl::string_view forward_to) {
  Writer w("ForwardingEvent", ns.csta);
  // Shape of the ForwardingEvent BroadWorks and phones exchange: device and forwardTo as text.
  w.Leaf("monitorCrossRefID", cross_ref_id)
      .Leaf("device", device)
      .Leaf("forwardingType", "forwardImmediate")
      .Leaf("forwardStatus", on ? "true" : "false");
  if (on) w.Leaf("forwardTo", forward_to);
  return w.Finish();
}

std::string BuildPrivateEvent(const Namespaces& ns, absl::string_view cross_ref_id,
                              const PrivateBlock& priv) {
  Writer w("PrivateEvent", ns.csta);
  w.Leaf("monitorCrossRefID", cross_ref_id);
  WritePrivate(w, ns.private_, priv);
  return w.Finish();
}

}  // namespace hotdesk::csta
