#include "adapters/xsp/bridge/sequences.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "adapters/xsp/xml/xsi_xml.h"

namespace hotdesk::xsp {

namespace {
PlannedStep MakeStep(std::string name, std::string user, std::string service, std::string body) {
  PlannedStep s;
  s.name = std::move(name);
  s.user = std::move(user);
  s.service = std::move(service);
  s.body = std::move(body);
  return s;
}
}  // namespace

const char* SeqKindName(SeqKind k) {
  return k == SeqKind::kEstablish ? "establish" : k == SeqKind::kCancel ? "cancel" : "sync";
}

std::string ServicePath(const std::string& user, const std::string& service) {
  return absl::StrCat("/com.broadsoft.xsi-actions/v2.0/user/", user, "/services/", service);
}

int LimitHours(const v1::Association& a) {
  int64_t seconds = 0;
  if (a.has_limit() && a.limit().has_duration()) {
    seconds = a.limit().duration().seconds();
  } else if (a.has_expire_time() && a.has_establish_time()) {
    // A daily logout: the hours from now to that time.
    seconds = a.expire_time().seconds() - a.establish_time().seconds();
  }
  if (seconds <= 0) return 0;
  int64_t hours = (seconds + 3599) / 3600;
  return static_cast<int>(std::clamp<int64_t>(hours, 1, 999));
}

absl::StatusOr<Plan> PlanFor(const v1::AssociationEvent& ev, const IdMapper& ids,
                             const OutboundConfig& cfg) {
  Plan p;
  p.kind = ev.type() == v1::EVENT_TYPE_ESTABLISHED ? SeqKind::kEstablish : SeqKind::kCancel;
  p.host = ev.association().host();
  p.guest = ev.association().guest();
  absl::StatusOr<std::string> h = ids.ToBroadWorks(p.host);
  if (!h.ok()) return h.status();
  absl::StatusOr<std::string> g = ids.ToBroadWorks(p.guest);
  if (!g.ok()) return g.status();
  p.bw_host = *h;
  p.bw_guest = *g;
  if (p.kind == SeqKind::kEstablish) {
    p.limit_hours = LimitHours(ev.association());
    if (cfg.agent_steps) {
      PlannedStep s = MakeStep("host_agent_sign_out", p.bw_host, "CallCenter",
                               BuildCallCenterState("Sign-Out"));
      s.only_if_agent_signed_in = true;
      p.steps.push_back(s);
    }
    p.steps.push_back(MakeStep("host_cfa_on", p.bw_host, "CallForwardingAlways",
                               BuildCallForwardingAlways(true, p.guest)));
    PlannedStep hg = MakeStep("guest_hoteling_associate", p.bw_guest, "HotelingGuest",
                              BuildHotelingGuestAssociate(p.bw_host, p.limit_hours));
    hg.expect_echo = true;
    hg.echo_host = p.host;
    p.steps.push_back(hg);
    if (cfg.agent_steps && !cfg.guest_agent_state.empty()) {
      p.steps.push_back(MakeStep("guest_agent_unavailable", p.bw_guest, "CallCenter",
                                 BuildCallCenterState(cfg.guest_agent_state)));
    }
  } else {
    if (cfg.agent_steps) {
      p.steps.push_back(MakeStep("guest_agent_sign_out", p.bw_guest, "CallCenter",
                                 BuildCallCenterState("Sign-Out")));
    }
    p.steps.push_back(MakeStep("host_cfa_off", p.bw_host, "CallForwardingAlways",
                               BuildCallForwardingAlways(false, "")));
    PlannedStep hg =
        MakeStep("guest_hoteling_clear", p.bw_guest, "HotelingGuest", BuildHotelingGuestClear());
    hg.expect_echo = true;
    p.steps.push_back(hg);
  }
  return p;
}

absl::StatusOr<Plan> PlanSync(const v1::AssociationEvent& ev, const IdMapper& ids) {
  Plan p;
  p.kind = SeqKind::kSync;
  p.host = ev.association().host();
  p.guest = ev.association().guest();
  absl::StatusOr<std::string> g = ids.ToBroadWorks(p.guest);
  if (!g.ok()) return g.status();
  p.bw_guest = *g;
  if (absl::StatusOr<std::string> h = ids.ToBroadWorks(p.host); h.ok()) p.bw_host = *h;
  PlannedStep hg = MakeStep("guest_hoteling_sync", p.bw_guest, "HotelingGuest", "");
  hg.expect_echo = true;
  hg.sync_guest = true;
  p.steps.push_back(hg);
  return p;
}

}  // namespace hotdesk::xsp
