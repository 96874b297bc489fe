#include "adapters/csta/gateway.h"

#include "absl/strings/numbers.h"
#include "absl/time/clock.h"
#include "adapters/csta/metrics.h"
#include "services/common/log.h"
#include "services/common/status.h"
#include "services/core/commands.h"
#include "services/core/ids.h"
#include "services/core/stream_id.h"

namespace hotdesk::csta {
namespace {

const char* MetricName(const Request& req) {
  switch (req.type) {
    case RequestType::kUnknown:
      return "unknown";
    case RequestType::kClientResponse:
      return "response";
    case RequestType::kMonitorStart:
      return "MonitorStart";
    case RequestType::kMonitorStop:
      return "MonitorStop";
    case RequestType::kSetAgentState:
      return "SetAgentState";
    case RequestType::kGetAgentState:
      return "GetAgentState";
    case RequestType::kSnapshotDevice:
      return "SnapshotDevice";
    case RequestType::kEscapeService:
      return "EscapeService";
    case RequestType::kSystemStatus:
      return "SystemStatus";
    case RequestType::kRequestSystemStatus:
      return "RequestSystemStatus";
    case RequestType::kSystemRegister:
      return "SystemRegister";
    case RequestType::kSystemRegisterCancel:
      return "SystemRegisterCancel";
  }
  return "unknown";
}

}  // namespace

Gateway::Gateway(const GatewayConfig& config, std::shared_ptr<grpc::Channel> channel,
                 Metrics* metrics)
    : config_(config),
      assoc_(v1::Associations::NewStub(channel)),
      guests_(v1::Guests::NewStub(channel)),
      metrics_(metrics),
      monitors_(config.max_monitors_per_client),
      start_time_(absl::Now()),
      policy_{config.rpc_timeout, config.rpc_retry_budget} {}

grpc::Status Gateway::Read(const char* method,
                           const std::function<grpc::Status(grpc::ClientContext*)>& attempt) {
  absl::Time start = absl::Now();
  grpc::Status st = adapters::CallWithRetry(policy_, &canceller_, attempt);
  Record(method, st, start);
  return st;
}

void Gateway::Record(const char* method, const grpc::Status& st, absl::Time start) {
  metrics_->Backend(method, GrpcCodeLabel(st.error_code()), absl::ToDoubleSeconds(absl::Now() - start));
  // The gateway's own token was refused: a deployment problem (token missing, expired, for
  // another tenant or source), not the CSTA client's, so say it where operators look.
  if (st.error_code() == grpc::StatusCode::UNAUTHENTICATED ||
      st.error_code() == grpc::StatusCode::PERMISSION_DENIED) {
    HD_LOG(kWarn, "core refused the gateway's call; check --core_token_file")
        .kv("method", method)
        .kv("code", GrpcCodeLabel(st.error_code()))
        .kv("error", st.error_message());
  }
}

Gateway::Reply Gateway::Error(const Namespaces& ns, const CstaError& e) {
  return Reply{BuildError(ns, e.category, e.value), false};
}

void Gateway::OnClosed(Connection& conn) {
  monitors_.RemoveClient(conn.id());
  metrics_->monitors().Set(static_cast<double>(monitors_.size()));
}

void Gateway::OnFrame(const std::shared_ptr<Connection>& conn, const Frame& frame) {
  Namespaces ns = conn->Ns();
  auto reject = [&](const char* kind, const CstaError& e, const std::string& detail) {
    HD_LOG(kWarn, "rejected CSTA input")
        .kv("conn", conn->id())
        .kv("peer", conn->peer())
        .kv("invoke", frame.invoke_id)
        .kv("kind", kind)
        .kv("detail", detail);
    metrics_->ProtocolError(kind);
    metrics_->Request("unknown", "error");
    conn->Enqueue(EncodeFrame(frame.invoke_id, BuildError(ns, e.category, e.value)));
  };
  switch (conn->AdmitFrame(absl::Now())) {
    case FrameAdmission::kAdmit:
      break;
    case FrameAdmission::kRefuseFirst:
      reject("rate_limited", errors::TooManyFrames(),
             absl::StrCat("more than --max_frames_per_second=", config_.max_frames_per_second,
                          "; frames are refused until the client slows down"));
      return;
    case FrameAdmission::kRefuse:
      // Answered and counted like the first, not logged again.
      metrics_->ProtocolError("rate_limited");
      metrics_->Request("unknown", "error");
      conn->Enqueue(EncodeFrame(frame.invoke_id, BuildError(ns, errors::TooManyFrames().category,
                                                            errors::TooManyFrames().value)));
      return;
  }
  if (frame.oversize) {
    return reject("oversize", errors::Oversize(),
                  "frame length " + std::to_string(frame.length) + " above --max_frame " +
                      std::to_string(config_.max_frame));
  }
  ParseResult pr = ParseRequest(frame.body);
  if (pr.status == ParseStatus::kMalformed)
    return reject("malformed_xml", errors::MalformedXml(), pr.detail);
  if (pr.status == ParseStatus::kForeignNamespace)
    return reject("foreign_namespace", errors::ForeignNamespace(), pr.detail);
  const Request& req = pr.request;
  if (!req.ns.empty() && req.type != RequestType::kClientResponse) {
    // Answer, and send events, in the namespace this client speaks. Its answers to our own
    // requests do not count: they merely echo the namespace we used.
    conn->SetNamespace(req.ns);
    ns.csta = req.ns;
  }
  if (req.type == RequestType::kUnknown)
    return reject("unknown_request", errors::UnknownRequest(), "service " + req.name);
  bool replied = false;
  Reply r = Handle(conn, req, ns, frame.invoke_id, &replied);
  if (req.type != RequestType::kClientResponse) {
    metrics_->Request(MetricName(req), r.ok ? "ok" : "error");
    HD_LOG(kDebug, "request")
        .kv("conn", conn->id())
        .kv("invoke", frame.invoke_id)
        .kv("service", req.name)
        .kv("result", r.ok ? "ok" : "error");
  }
  if (!replied && !r.xml.empty()) conn->Enqueue(EncodeFrame(frame.invoke_id, r.xml));
}

Gateway::Reply Gateway::Handle(const std::shared_ptr<Connection>& conn, const Request& req,
                               const Namespaces& ns, int invoke_id, bool* replied) {
  switch (req.type) {
    case RequestType::kMonitorStart:
      return MonitorStart(conn, req, ns, invoke_id, replied);
    case RequestType::kMonitorStop:
      if (!monitors_.Remove(conn->id(), req.cross_ref_id))
        return Error(ns, errors::UnknownCrossRef());
      metrics_->monitors().Set(static_cast<double>(monitors_.size()));
      return {BuildEmpty(ns, "MonitorStopResponse")};
    case RequestType::kSetAgentState:
      return SetAgentState(*conn, req, ns, conn->NextRequestId(invoke_id));
    case RequestType::kGetAgentState:
      return GetAgentState(req, ns);
    case RequestType::kSnapshotDevice:
      return SnapshotDevice(req, ns);
    case RequestType::kEscapeService:
      return EscapeService(*conn, req, ns, conn->NextRequestId(invoke_id));
    case RequestType::kSystemStatus:
      return {BuildEmpty(ns, "SystemStatusResponse")};
    case RequestType::kRequestSystemStatus:
      return {BuildRequestSystemStatusResponse(ns, "normal")};
    case RequestType::kSystemRegister:
      return {BuildSystemRegisterResponse(ns, std::to_string(conn->id()))};
    case RequestType::kSystemRegisterCancel:
      return {BuildEmpty(ns, "SystemRegisterCancelResponse")};
    case RequestType::kClientResponse:
      return {""};  // e.g. the answer to our SystemStatus heartbeat: activity, nothing to do
    case RequestType::kUnknown:
      break;
  }
  return Error(ns, errors::UnknownRequest());
}

// ---- backend calls ----

grpc::Status Gateway::Establish(const std::string& host, const std::string& guest,
                                const std::string& request_id, v1::EstablishResponse* resp) {
  v1::EstablishRequest req;
  req.set_tenant(config_.tenant);
  req.set_host(host);
  req.set_guest(guest);
  req.set_source(v1::SOURCE_CSTA);
  req.set_on_host_busy(config_.reject_host_busy ? v1::HOST_BUSY_POLICY_REJECT
                                                : v1::HOST_BUSY_POLICY_REPLACE);
  req.set_on_guest_elsewhere(config_.reject_guest_elsewhere ? v1::GUEST_ELSEWHERE_POLICY_REJECT
                                                            : v1::GUEST_ELSEWHERE_POLICY_MOVE);
  req.set_request_id(request_id);
  absl::Time start = absl::Now();
  int attempts = 0;
  grpc::Status st =
      adapters::RetryingEstablish(*assoc_, policy_, &canceller_, req, resp, &attempts);
  Record("Establish", st, start);
  HD_LOG(kInfo, "establish")
      .kv("host", host)
      .kv("guest", guest)
      .kv("request_id", request_id)
      .kv("attempts", attempts)
      .kv("code", GrpcCodeLabel(st.error_code()))
      .kv("unchanged", st.ok() && resp->unchanged());
  return st;
}

grpc::Status Gateway::Cancel(const std::string& host, const std::string& guest,
                             const std::string& request_id, v1::CancelResponse* resp) {
  v1::CancelRequest req;
  req.set_tenant(config_.tenant);
  req.set_host(host);
  req.set_guest(guest);
  req.set_source(v1::SOURCE_CSTA);
  req.set_reason(v1::CANCEL_REASON_LOGOUT);
  req.set_request_id(request_id);
  absl::Time start = absl::Now();
  int attempts = 0;
  grpc::Status st = adapters::RetryingCancel(*assoc_, policy_, &canceller_, req, resp, &attempts);
  Record("Cancel", st, start);
  HD_LOG(kInfo, "cancel")
      .kv("host", host)
      .kv("guest", guest)
      .kv("request_id", request_id)
      .kv("attempts", attempts)
      .kv("code", GrpcCodeLabel(st.error_code()));
  return st;
}

grpc::Status Gateway::Get(const std::string& host, const std::string& guest, v1::Association* out) {
  v1::GetAssociationRequest req;
  req.set_tenant(config_.tenant);
  req.set_host(host);
  req.set_guest(guest);
  return Read("GetAssociation",
              [&](grpc::ClientContext* ctx) { return assoc_->GetAssociation(ctx, req, out); });
}

bool Gateway::CheckPassword(const std::string& guest, const std::string& password, CstaError* err,
                            bool* pin_verified) {
  *pin_verified = false;
  auto unregistered = [&](grpc::StatusCode code) {
    if (config_.allow_unregistered_guests) return true;
    HD_LOG(kInfo, "login refused: guest not registered")
        .kv("guest", guest)
        .kv("code", GrpcCodeLabel(code));
    *err = errors::MissingAgent();
    return false;
  };
  if (password.empty()) {
    // No password offered: fine only for a guest without a PIN. Asking (rather than verifying
    // an empty PIN) keeps this from counting as a failed attempt.
    v1::GetGuestRequest req;
    req.set_tenant(config_.tenant);
    req.set_id(guest);
    v1::Guest g;
    grpc::Status st =
        Read("GetGuest", [&](grpc::ClientContext* ctx) { return guests_->GetGuest(ctx, req, &g); });
    if (st.error_code() == grpc::StatusCode::NOT_FOUND ||
        st.error_code() == grpc::StatusCode::UNIMPLEMENTED)
      return unregistered(st.error_code());
    if (!st.ok()) {
      *err = MapStatus(st, Call::kVerifyPin);
      return false;
    }
    if (g.has_pin()) {
      HD_LOG(kInfo, "login refused: PIN required").kv("guest", guest);
      *err = errors::WrongPassword();
      return false;
    }
    return true;
  }
  v1::VerifyPinRequest req;
  req.set_tenant(config_.tenant);
  req.set_id(guest);
  req.set_pin(password);  // never logged
  v1::VerifyPinResponse resp;
  // One attempt only: a check that timed out may have counted a failure, and a retry would
  // count it again.
  absl::Time start = absl::Now();
  grpc::Status st = adapters::CallOnce(policy_, &canceller_, [&](grpc::ClientContext* ctx) {
    return guests_->VerifyPin(ctx, req, &resp);
  });
  Record("VerifyPin", st, start);
  if (st.error_code() == grpc::StatusCode::NOT_FOUND ||
      st.error_code() == grpc::StatusCode::UNIMPLEMENTED)
    return unregistered(st.error_code());
  if (!st.ok()) {
    *err = MapStatus(st, Call::kVerifyPin);
    return false;
  }
  switch (resp.result()) {
    case v1::VerifyPinResponse::RESULT_OK:
      *pin_verified = true;
      return true;
    case v1::VerifyPinResponse::RESULT_NO_PIN:
      return true;
    case v1::VerifyPinResponse::RESULT_WRONG:
      HD_LOG(kInfo, "login refused: wrong PIN")
          .kv("guest", guest)
          .kv("attempts_left", resp.attempts_left());
      *err = errors::WrongPassword();
      return false;
    case v1::VerifyPinResponse::RESULT_LOCKED:
      HD_LOG(kInfo, "login refused: guest locked").kv("guest", guest);
      *err = errors::Locked();
      return false;
    default:
      *err = {"operation", "generic"};
      return false;
  }
}

// ---- services ----

Gateway::Reply Gateway::SetAgentState(const Connection& conn, const Request& req,
                                      const Namespaces& ns,
                                      const std::string& request_id) {
  if (!config_.setagentstate_hotdesk) return Error(ns, errors::NotSupported());
  if (req.device.empty()) return Error(ns, errors::MissingDevice());
  const std::string& state = req.requested_state;
  if (state == "loggedOn") {
    if (req.agent_id.empty()) return Error(ns, errors::MissingAgent());
    auto untrusted = [&] {
      HD_LOG(kInfo, "login refused: a login without a verified PIN needs a trusted connection")
          .kv("peer", conn.peer())
          .kv("guest", req.agent_id);
      return Error(ns, errors::PinRequired());
    };
    // Nothing to verify: refused at once, without asking the core.
    if (!conn.trusted() && (req.password.empty() || !config_.check_password)) return untrusted();
    bool pin_verified = false;
    if (config_.check_password) {
      CstaError err;
      if (!CheckPassword(req.agent_id, req.password, &err, &pin_verified)) return Error(ns, err);
    }
    if (!conn.trusted() && !pin_verified) return untrusted();
    v1::EstablishResponse resp;
    grpc::Status st = Establish(req.device, req.agent_id, request_id, &resp);
    if (!st.ok()) return Error(ns, MapStatus(st, Call::kEstablish));
    return {BuildEmpty(ns, "SetAgentStateResponse")};
  }
  if (state == "loggedOff") {
    v1::CancelResponse resp;
    grpc::Status st = Cancel(req.device, req.agent_id, request_id, &resp);
    if (!st.ok()) return Error(ns, MapStatus(st, Call::kCancel));
    return {BuildEmpty(ns, "SetAgentStateResponse")};
  }
  if (state == "ready" || state == "notReady" || state == "workingAfterCall" || state == "busy") {
    // Work states are not hot desking: accepted for a device with a logged-on guest (so that
    // desktops that follow a login with "ready" keep working), changing nothing.
    v1::Association a;
    grpc::Status st = Get(req.device, "", &a);
    if (!st.ok()) return Error(ns, MapStatus(st, Call::kGet));
    return {BuildEmpty(ns, "SetAgentStateResponse")};
  }
  return Error(ns, errors::BadAgentState());
}

Gateway::Reply Gateway::EscapeService(const Connection& conn, const Request& req,
                                      const Namespaces& ns, const std::string& request_id) {
  int number = 0;
  if (!absl::SimpleAtoi(req.service_number, &number)) return Error(ns, errors::NotSupported());
  if ((number == config_.private_service_initiate || number == config_.private_service_cancel) &&
      !conn.trusted()) {
    // Initiate hot-desking makes an association with no PIN at all.
    HD_LOG(kInfo, "private service refused: the connection is not trusted")
        .kv("peer", conn.peer())
        .kv("service", number);
    return Error(ns, errors::UntrustedPrivateService());
  }
  const std::string& guest = req.this_dn;
  if (number == config_.private_service_initiate) {
    std::string host = req.PrivateKey(config_.host_dn_key);
    if (guest.empty()) return Error(ns, errors::MissingAgent());
    if (host.empty()) return Error(ns, errors::MissingDevice());
    v1::EstablishResponse resp;
    grpc::Status st = Establish(host, guest, request_id, &resp);
    if (!st.ok()) return Error(ns, MapStatus(st, Call::kEstablish));
    if (resp.unchanged() && config_.private_already_associated_error)
      return Error(ns, errors::AlreadyAssociated());
    PrivateBlock p{
        "privateInfo", "serviceNumber", number, guest, host, {{config_.host_dn_key, host}}};
    return {BuildEscapeServiceResponse(ns, p)};
  }
  if (number == config_.private_service_cancel) {
    if (guest.empty()) return Error(ns, errors::MissingAgent());
    v1::CancelResponse resp;
    grpc::Status st = Cancel("", guest, request_id, &resp);
    if (!st.ok()) return Error(ns, MapStatus(st, Call::kCancel));
    const std::string& host = resp.association().host();
    PrivateBlock p{
        "privateInfo", "serviceNumber", number, guest, host, {{config_.host_dn_key, host}}};
    return {BuildEscapeServiceResponse(ns, p)};
  }
  return Error(ns, errors::NotSupported());
}

bool Gateway::DeviceInfo(const std::string& device, const v1::Association* as_host,
                         const v1::Association* as_guest, PrivateBlock* out) const {
  if (!as_host && !as_guest) return false;
  *out = PrivateBlock{"deviceInfo", "", 0, device, "", {}};
  if (as_guest) {
    out->other_dn = as_guest->host();
    out->keys.emplace_back(config_.host_dn_key, as_guest->host());
  }
  if (as_host) {
    if (out->other_dn.empty()) out->other_dn = as_host->guest();
    out->keys.emplace_back(config_.guest_dn_key, as_host->guest());
  }
  return true;
}

Gateway::Reply Gateway::GetAgentState(const Request& req, const Namespaces& ns) {
  if (req.device.empty()) return Error(ns, errors::MissingDevice());
  // The device as a host (who is logged on here?), else as a guest (is this agent logged on?).
  v1::Association a;
  grpc::Status st = Get(req.device, "", &a);
  if (st.ok()) {
    PrivateBlock p;
    DeviceInfo(req.device, &a, nullptr, &p);
    return {BuildGetAgentStateResponse(ns, a.guest(), &p)};
  }
  if (st.error_code() != grpc::StatusCode::NOT_FOUND) return Error(ns, MapStatus(st, Call::kGet));
  st = Get("", req.device, &a);
  if (st.ok()) {
    PrivateBlock p;
    DeviceInfo(req.device, nullptr, &a, &p);
    return {BuildGetAgentStateResponse(ns, a.guest(), &p)};
  }
  if (st.error_code() != grpc::StatusCode::NOT_FOUND) return Error(ns, MapStatus(st, Call::kGet));
  return {BuildGetAgentStateResponse(ns, "", nullptr)};
}

Gateway::Reply Gateway::SnapshotDevice(const Request& req, const Namespaces& ns) {
  if (req.device.empty()) return Error(ns, errors::MissingDevice());
  v1::Association as_host, as_guest;
  grpc::Status sh = Get(req.device, "", &as_host);
  if (!sh.ok() && sh.error_code() != grpc::StatusCode::NOT_FOUND)
    return Error(ns, MapStatus(sh, Call::kGet));
  grpc::Status sg = Get("", req.device, &as_guest);
  if (!sg.ok() && sg.error_code() != grpc::StatusCode::NOT_FOUND)
    return Error(ns, MapStatus(sg, Call::kGet));
  PrivateBlock p;
  bool have = config_.report_host_dn && DeviceInfo(req.device, sh.ok() ? &as_host : nullptr,
                                                   sg.ok() ? &as_guest : nullptr, &p);
  return {BuildSnapshotDeviceResponse(ns, have ? &p : nullptr)};
}

Gateway::Reply Gateway::MonitorStart(const std::shared_ptr<Connection>& conn, const Request& req,
                                     const Namespaces& ns, int invoke_id, bool* replied) {
  if (req.device.empty() || !IdProblem(req.device).empty())
    return Error(ns, errors::MissingDevice());
  // Register first, then read: an event that arrives between the two waits for the answer
  // instead of reaching no monitor.
  std::string xref;
  {
    std::lock_guard<std::mutex> lock(dispatch_mu_);
    xref = monitors_.Add(conn, req.device);
    if (xref.empty()) return Error(ns, errors::TooManyMonitors());
    pending_monitors_[xref];
  }
  metrics_->monitors().Set(static_cast<double>(monitors_.size()));
  // Registration of a guest device that is already associated reports HOST_DN ("association
  // before startup"): the client learns the state it missed.
  PrivateBlock p;
  bool have = false;
  std::optional<StreamId> read_at;  // the state read includes every event up to here
  if (config_.report_host_dn) {
    v1::Association a;
    grpc::Status st = Get("", req.device, &a);
    if (st.ok()) {
      have = DeviceInfo(req.device, nullptr, &a, &p);
      read_at = StreamId::Parse(a.cursor());
    }
  }
  std::lock_guard<std::mutex> lock(dispatch_mu_);
  std::vector<v1::AssociationEvent> waiting = std::move(pending_monitors_[xref]);
  pending_monitors_.erase(xref);
  conn->Enqueue(EncodeFrame(invoke_id, BuildMonitorStartResponse(ns, xref, have ? &p : nullptr)));
  *replied = true;
  HD_LOG(kDebug, "monitor started")
      .kv("conn", conn->id())
      .kv("device", req.device)
      .kv("xref", xref)
      .kv("waiting_events", waiting.size());
  MonitorTarget t{conn, xref, req.device};
  ReplayBacklog(t, req.device);
  for (const auto& ev : waiting) {
    // Already in the answer (deduplicated by cursor): the guest's association that was read was
    // made by this event or a later one.
    std::optional<StreamId> at = StreamId::Parse(ev.cursor());
    if (read_at && at && ev.association().guest() == req.device && *at <= *read_at) continue;
    SendEvent(t, ev);
  }
  return {"", true};
}

void Gateway::ReplayBacklog(const MonitorTarget& t, const std::string& device) {
  // Changes made while the gateway was down (restart window): this client reconnected to hear
  // them, so replay the ones about this device.
  if (backlog_.empty() || absl::Now() >= start_time_ + config_.restart_replay_window) return;
  for (const auto& ev : backlog_) {
    const auto& a = ev.association();
    if (a.host() == device || a.guest() == device) SendEvent(t, ev);
  }
}

// ---- events ----

void Gateway::SendEvent(const MonitorTarget& t, const v1::AssociationEvent& ev) {
  const auto& a = ev.association();
  bool on = ev.type() == v1::EVENT_TYPE_ESTABLISHED;
  Namespaces ns{t.client->Namespace(), config_.private_namespace};
  t.client->Enqueue(
      EncodeFrame(kEventInvokeId, BuildAgentEvent(ns, on, t.cross_ref_id, a.host(), a.guest())));
  metrics_->EventSent(on ? "AgentLoggedOnEvent" : "AgentLoggedOffEvent");
  if (config_.forwarding_events) {
    t.client->Enqueue(EncodeFrame(
        kEventInvokeId, BuildForwardingEvent(ns, t.cross_ref_id, a.host(), on, a.guest())));
    metrics_->EventSent("ForwardingEvent");
  }
  if (config_.private_events) {
    PrivateBlock p{"privateEvent",
                   "eventNumber",
                   on ? config_.private_event_established : config_.private_event_cancelled,
                   a.guest(),
                   a.host(),
                   {{config_.host_dn_key, a.host()}}};
    t.client->Enqueue(EncodeFrame(kEventInvokeId, BuildPrivateEvent(ns, t.cross_ref_id, p)));
    metrics_->EventSent("PrivateEvent");
  }
}

void Gateway::OnEvent(const v1::AssociationEvent& ev) {
  if (ev.type() != v1::EVENT_TYPE_ESTABLISHED && ev.type() != v1::EVENT_TYPE_CANCELLED) return;
  const auto& a = ev.association();
  std::lock_guard<std::mutex> lock(dispatch_mu_);
  absl::Time now = absl::Now();
  if (now < start_time_ + config_.restart_replay_window) {
    absl::Time when =
        absl::FromUnixSeconds(ev.time().seconds()) + absl::Nanoseconds(ev.time().nanos());
    if (when < start_time_ && backlog_.size() < 100000) backlog_.push_back(ev);
  } else if (!backlog_.empty()) {
    backlog_.clear();
  }
  auto targets = monitors_.ForDevices({a.host(), a.guest()});
  HD_LOG(kDebug, "association event")
      .kv("type", EventTypeName(ev.type()))
      .kv("host", a.host())
      .kv("guest", a.guest())
      .kv("source", SourceName(ev.source()))
      .kv("monitors", targets.size());
  for (const auto& t : targets) {
    auto pending = pending_monitors_.find(t.cross_ref_id);
    if (pending != pending_monitors_.end()) {
      pending->second.push_back(ev);  // sent after the MonitorStartResponse
    } else {
      SendEvent(t, ev);
    }
  }
}

}  // namespace hotdesk::csta
