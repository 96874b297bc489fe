#include "adapters/featurecodes/provisioning.h"

#include "services/common/xml_escape.h"

#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"

namespace hotdesk::featurecodes {
namespace {

using ::hotdesk::XmlEscape;

constexpr char kGeneric[] = R"(# hotdesk provisioning profile (generic key=value) for {{mac}}
device.mac={{mac}}
device.model={{model}}
device.name={{device_name}}
device.provisioning={{provisioning}}
device.network={{network}}
hotdesk.extension={{hotdesk_extension}}
hotdesk.state={{state}}
hotdesk.guest={{guest}}
hotdesk.since={{since}}
account.1.enable=1
account.1.user_name={{line_user}}
account.1.auth_name={{line_user}}
account.1.display_name={{line_display_name}}
account.1.label={{line_label}}
account.1.sip_server={{sip_server}}
)";

constexpr char kPolycom[] = R"(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<!-- hotdesk provisioning profile (Polycom-style) for {{mac}} -->
<PHONE_CONFIG>
  <reg reg.1.address="{{line_user}}" reg.1.auth.userId="{{line_user}}" reg.1.displayName="{{line_display_name}}" reg.1.label="{{line_label}}" reg.1.server.1.address="{{sip_server}}"/>
  <hotdesk hotdesk.state="{{state}}" hotdesk.extension="{{hotdesk_extension}}" hotdesk.guest="{{guest}}" hotdesk.since="{{since}}" device.name="{{device_name}}" device.network="{{network}}" device.provisioning="{{provisioning}}"/>
</PHONE_CONFIG>
)";

// Values in key=value files end at the line: keep them on one line.
std::string OneLine(const std::string& s) {
  std::string out = s;
  for (char& c : out)
    if (c == '\n' || c == '\r') c = ' ';
  return out;
}

}  // namespace

std::map<std::string, std::string> ProfileVariables(const ProfileInput& in,
                                                    const std::string& sip_server) {
  const v1::Device& d = in.device;
  std::map<std::string, std::string> v;
  v["mac"] = d.mac();
  v["model"] = d.model().empty() ? "generic" : d.model();
  v["device_name"] = d.display_name();
  v["hotdesk_extension"] = d.hotdesk_extension();
  v["provisioning"] = d.provisioning() == v1::PROVISIONING_METHOD_RPS ? "rps" : "pnp";
  v["network"] = d.network() == v1::NETWORK_LOCATION_SBC ? "sbc" : "lan";
  v["sip_server"] = sip_server;
  v["tenant"] = d.tenant();
  if (in.idle) {
    v["state"] = "idle";
    v["line_user"] = d.hotdesk_extension();
    v["line_display_name"] = d.display_name().empty() ? d.hotdesk_extension() : d.display_name();
    v["line_label"] = d.hotdesk_extension();
  } else {
    const std::string& guest = in.association.guest();
    std::string name = in.guest_name.empty() ? guest : in.guest_name;
    v["state"] = "guest";
    v["guest"] = guest;
    v["guest_name"] = name;
    v["since"] = absl::FormatTime("%Y-%m-%dT%H:%M:%SZ",
                                  absl::FromUnixSeconds(in.association.establish_time().seconds()),
                                  absl::UTCTimeZone());
    v["line_user"] = guest;
    v["line_display_name"] = name;
    v["line_label"] = absl::StrCat(guest, " ", name);
  }
  return v;
}

bool LooksLikeXml(absl::string_view text) {
  // A byte-order mark or blank lines before the first tag still make an XML document, and its
  // values must be escaped as XML.
  absl::ConsumePrefix(&text, "\xEF\xBB\xBF");
  text = absl::StripLeadingAsciiWhitespace(text);
  return absl::StartsWith(text, "<");
}

std::string RenderTemplate(const std::string& text, const std::map<std::string, std::string>& vars,
                           bool xml) {
  std::string out;
  size_t pos = 0;
  while (true) {
    size_t open = text.find("{{", pos);
    if (open == std::string::npos) break;
    size_t close = text.find("}}", open + 2);
    if (close == std::string::npos) break;
    out.append(text, pos, open - pos);
    auto it = vars.find(text.substr(open + 2, close - open - 2));
    if (it != vars.end()) out += xml ? XmlEscape(it->second) : OneLine(it->second);
    pos = close + 2;
  }
  out.append(text, pos, std::string::npos);
  return out;
}

ProfileRenderer::ProfileRenderer(std::string template_dir, std::string sip_server)
    : template_dir_(std::move(template_dir)), sip_server_(std::move(sip_server)) {}

absl::StatusOr<Profile> ProfileRenderer::Render(const ProfileInput& in) const {
  std::string model = in.device.model().empty() ? "generic" : in.device.model();
  std::string text;
  if (!template_dir_.empty()) {
    // Models are [a-z0-9_-] (validated by the server), so this stays inside the folder.
    std::ifstream f(template_dir_ + "/" + model + ".tmpl");
    if (f) {
      std::stringstream ss;
      ss << f.rdbuf();
      text = ss.str();
    }
  }
  if (text.empty()) text = model == "polycom" ? kPolycom : kGeneric;
  bool xml = LooksLikeXml(text);
  Profile p;
  p.body = RenderTemplate(text, ProfileVariables(in, sip_server_), xml);
  p.content_type = xml ? "application/xml" : "text/plain";
  return p;
}

}  // namespace hotdesk::featurecodes
