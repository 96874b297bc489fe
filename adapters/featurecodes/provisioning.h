// Provisioning profiles of hot-desk phones, rendered from templates: what the phone shows is the
// idle hot-desk extension, or the logged-in guest's extension and name.
#pragma once

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "hotdesk/v1/association.pb.h"
#include "hotdesk/v1/devices.pb.h"

namespace hotdesk::featurecodes {

struct ProfileInput {
  v1::Device device;
  bool idle = true;
  v1::Association association;  // when not idle
  std::string guest_name;       // the guest's display name, if known
};

struct Profile {
  std::string body;
  std::string content_type;
};

// Template variables, e.g. {{line_user}}; see README for the full list.
std::map<std::string, std::string> ProfileVariables(const ProfileInput& in,
                                                    const std::string& sip_server);

// An XML template: its first tag comes first (after a byte-order mark or whitespace).
bool LooksLikeXml(absl::string_view text);

// Replaces {{name}} with its value (XML-escaped when `xml`); unknown names render empty.
std::string RenderTemplate(const std::string& text, const std::map<std::string, std::string>& vars,
                           bool xml);

class ProfileRenderer {
 public:
  // `template_dir`: optional folder with <model>.tmpl files that override or add templates.
  ProfileRenderer(std::string template_dir, std::string sip_server);
  // Template by the device's model: built-in "generic" (key=value) and "polycom" (XML), or a
  // file. An unknown model falls back to "generic".
  absl::StatusOr<Profile> Render(const ProfileInput& in) const;

 private:
  std::string template_dir_;
  std::string sip_server_;
};

}  // namespace hotdesk::featurecodes
