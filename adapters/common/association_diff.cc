#include "adapters/common/association_diff.h"

namespace hotdesk::adapters {

std::vector<v1::AssociationEvent> DiffAssociations(const std::map<std::string, std::string>& known,
                                                   const std::vector<v1::Association>& after,
                                                   const std::string& tenant) {
  std::map<std::string, const v1::Association*> now;
  for (const auto& a : after) now[a.host()] = &a;
  std::vector<v1::AssociationEvent> out;
  for (const auto& [host, guest] : known) {
    auto it = now.find(host);
    if (it != now.end() && it->second->guest() == guest) continue;
    v1::AssociationEvent ev;
    ev.set_type(v1::EVENT_TYPE_CANCELLED);
    ev.mutable_association()->set_tenant(tenant);
    ev.mutable_association()->set_host(host);
    ev.mutable_association()->set_guest(guest);
    ev.set_reason(v1::CANCEL_REASON_UNSPECIFIED);
    out.push_back(std::move(ev));
  }
  for (const auto& a : after) {
    auto it = known.find(a.host());
    if (it != known.end() && it->second == a.guest()) continue;
    v1::AssociationEvent ev;
    ev.set_type(v1::EVENT_TYPE_ESTABLISHED);
    *ev.mutable_association() = a;
    ev.set_source(a.source());
    *ev.mutable_time() = a.establish_time();
    out.push_back(std::move(ev));
  }
  return out;
}

}  // namespace hotdesk::adapters
