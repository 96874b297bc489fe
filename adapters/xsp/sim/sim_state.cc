#include "adapters/xsp/sim/sim_state.h"

#include <random>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "adapters/xsp/sim/sim_store.h"
#include "services/common/log.h"

namespace hotdesk::xsp::sim {
namespace {

// Error codes are illustrative (reference/protocols.md C.7); HTTP statuses follow C.1/C.6.
Reply Error(int http, int code, absl::string_view summary) {
  return Reply{http, BuildErrorInfo(code, summary)};
}

Reply UserNotFound(const std::string& user) {
  return Error(404, 4008, absl::StrCat("[Error 4008] User not found: ", user));
}

Reply BadBody(const absl::Status& s) {
  return Error(400, 4003, absl::StrCat("[Error 4003] Invalid request body: ", s.message()));
}

constexpr char kPkgGuest[] = "Hoteling Guest";
constexpr char kPkgCfa[] = "Call Forwarding Always";
constexpr char kPkgAgent[] = "Call Center Agent";

}  // namespace

SimState::SimState(SimConfig config) : config_(std::move(config)) {
  for (const std::string& u : config_.users) users_[u];
}

absl::Status SimState::LoadState() {
  if (config_.state_file.empty()) return absl::OkStatus();
  absl::StatusOr<std::string> text = ReadWholeFile(config_.state_file);
  if (absl::IsNotFound(text.status())) return absl::OkStatus();  // a first start
  if (!text.ok()) return text.status();
  absl::StatusOr<std::map<std::string, SimUser>> users = DecodeUsers(*text);
  if (!users.ok())
    return absl::DataLossError(absl::StrCat(config_.state_file, ": ", users.status().message()));
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [id, u] : *users) users_[id] = std::move(u);
  return absl::OkStatus();
}

Reply SimState::SavedLocked(Reply reply) {
  if (config_.state_file.empty() || reply.status != 200) return reply;
  // Written before the answer: what a client was told was done survives a kill -9.
  if (absl::Status s = WriteFileReplacing(config_.state_file, EncodeUsers(users_)); !s.ok()) {
    HD_LOG(kError, "xsp simulator cannot save its state").kv("error", s.message());
    return Error(500, 5000, "[Error 5000] the platform could not save the change");
  }
  return reply;
}

std::string SimState::NewId() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  uint64_t a = rng(), b = rng() ^ ++id_counter_;
  return absl::StrFormat("%08x-%04x-4%03x-%04x-%012x", a >> 32, (a >> 16) & 0xffff, a & 0xfff,
                         ((b >> 48) & 0x3fff) | 0x8000, b & 0xffffffffffffULL);
}

// ---- journal and faults ----

int64_t SimState::Record(absl::string_view api, absl::string_view method, absl::string_view path,
                         absl::string_view body) {
  std::lock_guard<std::mutex> lock(mu_);
  JournalEntry e;
  e.seq = next_seq_++;
  e.api = std::string(api);
  e.method = std::string(method);
  e.path = std::string(path);
  e.body = std::string(body);
  journal_.push_back(std::move(e));
  return journal_.back().seq;
}

void SimState::SetStatus(int64_t seq, int status) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = journal_.rbegin(); it != journal_.rend(); ++it) {
    if (it->seq == seq) {
      it->status = status;
      return;
    }
  }
}

std::vector<JournalEntry> SimState::Journal(absl::string_view api, int64_t since) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<JournalEntry> out;
  for (const JournalEntry& e : journal_) {
    if (e.seq > since && (api.empty() || e.api == api)) out.push_back(e);
  }
  return out;
}

void SimState::ClearJournal() {
  std::lock_guard<std::mutex> lock(mu_);
  journal_.clear();
}

void SimState::AddFault(Fault f) {
  std::lock_guard<std::mutex> lock(mu_);
  faults_.push_back(std::move(f));
}

void SimState::ClearFaults() {
  std::lock_guard<std::mutex> lock(mu_);
  faults_.clear();
}

std::optional<Fault> SimState::TakeFault(absl::string_view method, absl::string_view path) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = faults_.begin(); it != faults_.end(); ++it) {
    if (!it->method.empty() && it->method != method) continue;
    if (!it->match.empty() && !absl::StrContains(path, it->match)) continue;
    Fault f = *it;
    if (--it->remaining <= 0) faults_.erase(it);
    return f;
  }
  return std::nullopt;
}

// ---- users ----

bool SimState::UserExistsLocked(const std::string& user) {
  if (users_.count(user)) return true;
  if (!config_.auto_users) return false;
  if (!config_.domain.empty() && !absl::EndsWith(user, absl::StrCat("@", config_.domain))) {
    return false;
  }
  return !user.empty();
}

SimUser* SimState::UserLocked(const std::string& user) {
  if (!UserExistsLocked(user)) return nullptr;
  return &users_[user];
}

Reply SimState::GetService(const std::string& user, const std::string& service) {
  std::lock_guard<std::mutex> lock(mu_);
  SimUser* u = UserLocked(user);
  if (u == nullptr) return UserNotFound(user);
  if (service == "HotelingGuest") return Reply{200, BuildHotelingGuestDoc(u->guest)};
  if (service == "HotelingHost") return Reply{200, BuildHotelingHostDoc(u->host)};
  if (service == "CallForwardingAlways") return Reply{200, BuildCallForwardingAlwaysDoc(u->cfa)};
  if (service == "CallCenter") {
    CallCenterDoc d;
    d.agent_acd_state = u->agent_state;
    return Reply{200, BuildCallCenterDoc(d)};
  }
  return Error(404, 4004, absl::StrCat("[Error 4004] Service not assigned: ", service));
}

Reply SimState::PutService(const std::string& user, const std::string& service,
                           const std::string& body) {
  std::lock_guard<std::mutex> lock(mu_);
  return SavedLocked(PutServiceLocked(user, service, body));
}

Reply SimState::PutServiceLocked(const std::string& user, const std::string& service,
                                 const std::string& body) {
  SimUser* u = UserLocked(user);
  if (u == nullptr) return UserNotFound(user);
  if (service == "HotelingGuest") {
    absl::StatusOr<HotelingGuestDoc> d = ParseHotelingGuest(body);
    if (!d.ok()) return BadBody(d.status());
    if (d->host_user_id && !UserExistsLocked(*d->host_user_id)) {
      return UserNotFound(*d->host_user_id);
    }
    if (d->active) u->guest.active = d->active;
    if (d->enable_association_limit)
      u->guest.enable_association_limit = d->enable_association_limit;
    if (d->association_limit_hours) u->guest.association_limit_hours = d->association_limit_hours;
    if (d->host_user_id) {
      // A host serves one guest: a new guest replaces the previous one (as BroadWorks does).
      for (auto& [id, other] : users_) {
        if (id != user && other.guest.host_user_id == d->host_user_id) {
          other.guest.host_user_id.reset();
          EmitLocked(id, kPkgGuest);
        }
      }
      u->guest.host_user_id = d->host_user_id;
    }
    if (d->host_nil) u->guest.host_user_id.reset();
    EmitLocked(user, kPkgGuest);
    return Reply{200, ""};
  }
  if (service == "HotelingHost") {
    absl::StatusOr<HotelingHostDoc> d = ParseHotelingHost(body);
    if (!d.ok()) return BadBody(d.status());
    if (d->active) u->host.active = d->active;
    if (d->enforce_association_limit)
      u->host.enforce_association_limit = d->enforce_association_limit;
    if (d->association_limit_hours) u->host.association_limit_hours = d->association_limit_hours;
    if (d->access_level) u->host.access_level = d->access_level;
    if (d->remove_guest_association.value_or(false)) ReleaseGuestOfHostLocked(user);
    return Reply{200, ""};
  }
  if (service == "CallForwardingAlways") {
    absl::StatusOr<CallForwardingAlwaysDoc> d = ParseCallForwardingAlways(body);
    if (!d.ok()) return BadBody(d.status());
    if (d->active) u->cfa.active = d->active;
    if (d->forward_to_phone_number) u->cfa.forward_to_phone_number = d->forward_to_phone_number;
    if (d->ring_splash) u->cfa.ring_splash = d->ring_splash;
    if (u->cfa.active.value_or(false) && u->cfa.forward_to_phone_number.value_or("").empty()) {
      u->cfa.active = false;
      return Error(400, 4410, "[Error 4410] forwardToPhoneNumber is required when active");
    }
    EmitLocked(user, kPkgCfa);
    return Reply{200, ""};
  }
  if (service == "CallCenter") {
    absl::StatusOr<CallCenterDoc> d = ParseCallCenter(body);
    if (!d.ok()) return BadBody(d.status());
    if (d->agent_acd_state && *d->agent_acd_state != u->agent_state) {
      u->agent_state = *d->agent_acd_state;
      EmitLocked(user, kPkgAgent);
    }
    return Reply{200, ""};
  }
  return Error(404, 4004, absl::StrCat("[Error 4004] Service not assigned: ", service));
}

void SimState::ReleaseGuestOfHostLocked(const std::string& host) {
  for (auto& [id, u] : users_) {
    if (u.guest.host_user_id == host) {
      u.guest.host_user_id.reset();
      EmitLocked(id, kPkgGuest);
    }
  }
}

// ---- events ----

SimChannel* SimState::ChannelForSetLocked(const std::string& set_id) {
  // The most recently opened live channel of the set gets the event.
  SimChannel* best = nullptr;
  for (auto& [id, ch] : channels_) {
    if (ch.set_id != set_id || ch.closed || ch.terminate || ch.drop) continue;
    if (best == nullptr || ch.opened > best->opened) best = &ch;
  }
  return best;
}

std::string SimState::BuildEventLocked(const std::string& user, const std::string& package,
                                       SimSubscription& sub, SimChannel& ch,
                                       std::string* event_id) {
  SimUser& u = users_[user];
  EventEnvelope env;
  env.event_id = NewId();
  env.sequence_number = sub.next_seq++;
  env.user_id = config_.user;
  env.external_application_id = sub.application_id;
  env.subscription_id = sub.id;
  env.channel_id = ch.id;
  env.target_id = user;
  *event_id = env.event_id;
  if (package == kPkgGuest) return BuildHotelingGuestEvent(env, u.guest);
  if (package == kPkgCfa) return BuildCallForwardingAlwaysEvent(env, u.cfa);
  return BuildAgentStateEvent(env, u.agent_state);
}

void SimState::EmitLocked(const std::string& user, const std::string& package) {
  for (auto& [id, sub] : subscriptions_) {
    if (sub.event != package) continue;
    bool match = (sub.target_type == "User" && sub.target == user) ||
                 (sub.target_type == "Group" && sub.target == config_.group);
    if (!match) continue;
    SimChannel* ch = ChannelForSetLocked(sub.set_id);
    if (ch == nullptr) continue;
    std::string event_id;
    ch->outbox.push_back(BuildEventLocked(user, package, sub, *ch, &event_id));
    unacked_[event_id] = ch->id;
  }
  cv_.notify_all();
}

Reply SimState::OpenChannel(const std::string& body, std::string* channel_id) {
  absl::StatusOr<ChannelDoc> d = ParseChannel(body);
  if (!d.ok()) return BadBody(d.status());
  if (d->channel_set_id.empty()) {
    return Error(400, 4003, "[Error 4003] channelSetId is required");
  }
  std::lock_guard<std::mutex> lock(mu_);
  SimChannel ch;
  ch.id = NewId();
  ch.set_id = d->channel_set_id;
  ch.expires =
      d->expires <= 0 || d->expires > config_.max_expires ? config_.max_expires : d->expires;
  ch.opened = absl::Now();
  ch.expires_at = ch.opened + absl::Seconds(ch.expires);
  ch.last_heartbeat = ch.opened;
  *channel_id = ch.id;
  std::string reply = BuildChannelReply(ch.id, ch.expires);
  ch.outbox.push_back(reply);
  channels_[ch.id] = std::move(ch);
  return Reply{200, reply};
}

Reply SimState::ModifyChannel(const std::string& channel_id, const std::string& body) {
  absl::StatusOr<ChannelDoc> d = ParseChannel(body);
  if (!d.ok()) return BadBody(d.status());
  std::lock_guard<std::mutex> lock(mu_);
  auto it = channels_.find(channel_id);
  if (it == channels_.end() || it->second.closed) {
    return Error(404, 4006, "[Error 4006] Channel not found");
  }
  int expires =
      d->expires <= 0 || d->expires > config_.max_expires ? config_.max_expires : d->expires;
  it->second.expires = expires;
  it->second.expires_at = absl::Now() + absl::Seconds(expires);
  // The granted expiry may differ from the requested one (G.1), so it is returned.
  return Reply{200, BuildChannelReply(channel_id, expires)};
}

Reply SimState::DeleteChannel(const std::string& channel_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = channels_.find(channel_id);
  if (it == channels_.end() || it->second.closed) {
    return Error(404, 4006, "[Error 4006] Channel not found");
  }
  it->second.terminate = true;
  it->second.terminate_reason = "ChannelDeleted";
  cv_.notify_all();
  return Reply{200, ""};
}

Reply SimState::Heartbeat(const std::string& channel_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = channels_.find(channel_id);
  if (it == channels_.end() || it->second.closed || it->second.terminate || it->second.drop) {
    return Error(404, 4006, "[Error 4006] Channel not found");
  }
  it->second.last_heartbeat = absl::Now();
  it->second.heartbeats++;
  it->second.outbox.push_back(BuildHeartBeat());
  cv_.notify_all();
  return Reply{200, ""};
}

Reply SimState::EventResponse(const std::string& body) {
  absl::StatusOr<EventResponseDoc> d = ParseEventResponse(body);
  if (!d.ok()) return BadBody(d.status());
  std::lock_guard<std::mutex> lock(mu_);
  auto it = unacked_.find(d->event_id);
  if (it == unacked_.end()) return Error(404, 4007, "[Error 4007] Event not found");
  unacked_.erase(it);
  if (d->status_code == 200) {
    acked_++;
  } else {
    rejected_acks_++;
  }
  return Reply{200, ""};
}

Reply SimState::Subscribe(const std::string& target_type, const std::string& target,
                          const std::string& body) {
  absl::StatusOr<SubscriptionDoc> d = ParseSubscription(body);
  if (!d.ok()) return Error(403, 4003, absl::StrCat("[Error 4003] ", d.status().message()));
  if (d->event.empty() || d->channel_set_id.empty()) {
    return Error(403, 4003, "[Error 4003] event and channelSetId are required");
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (target_type == "User" && !UserExistsLocked(target)) {
    return Error(403, 4008, absl::StrCat("[Error 4008] User not found: ", target));
  }
  if (target_type == "User") users_[target];
  SimSubscription sub;
  sub.id = NewId();
  sub.target_type = target_type;
  sub.target = target;
  sub.event = d->event;
  sub.set_id = d->channel_set_id;
  sub.application_id = d->application_id;
  sub.expires =
      d->expires <= 0 || d->expires > config_.max_expires ? config_.max_expires : d->expires;
  std::string reply = BuildSubscriptionReply(sub.id, sub.expires);
  SimSubscription& stored = subscriptions_[sub.id] = sub;
  // The initial event reflecting current state (not for group targets), sequenceNumber 1.
  if (target_type == "User" &&
      (stored.event == kPkgGuest || stored.event == kPkgCfa || stored.event == kPkgAgent)) {
    if (SimChannel* ch = ChannelForSetLocked(stored.set_id)) {
      std::string event_id;
      ch->outbox.push_back(BuildEventLocked(target, stored.event, stored, *ch, &event_id));
      unacked_[event_id] = ch->id;
      cv_.notify_all();
    }
  }
  return Reply{200, reply};
}

Reply SimState::ModifySubscription(const std::string& id, const std::string& body) {
  absl::StatusOr<SubscriptionDoc> d = ParseSubscription(body);
  if (!d.ok()) return Error(403, 4003, absl::StrCat("[Error 4003] ", d.status().message()));
  std::lock_guard<std::mutex> lock(mu_);
  auto it = subscriptions_.find(id);
  if (it == subscriptions_.end()) return Error(404, 4009, "[Error 4009] Subscription not found");
  it->second.expires =
      d->expires <= 0 || d->expires > config_.max_expires ? config_.max_expires : d->expires;
  return Reply{200, BuildSubscriptionReply(id, it->second.expires)};
}

Reply SimState::DeleteSubscription(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  if (subscriptions_.erase(id) == 0) {
    return Error(404, 4009, "[Error 4009] Subscription not found");
  }
  return Reply{200, ""};
}

Reply SimState::ListSubscriptions() {
  std::lock_guard<std::mutex> lock(mu_);
  std::string inner;
  for (const auto& [id, s] : subscriptions_) {
    absl::StrAppend(&inner, "<subscription><subscriptionId>", XmlEscape(id),
                    "</subscriptionId><targetId>", XmlEscape(s.target), "</targetId><event>",
                    XmlEscape(s.event), "</event><expires>", s.expires,
                    "</expires></subscription>");
  }
  return Reply{200, absl::StrCat(kXmlDecl, "<Subscriptions xmlns=\"", kXsiNs, "\">", inner,
                                 "</Subscriptions>")};
}

bool SimState::NextChunks(const std::string& channel_id, absl::Duration wait,
                          std::vector<std::string>* out, bool* done) {
  std::unique_lock<std::mutex> lock(mu_);
  *done = false;
  auto ready = [&] {
    auto it = channels_.find(channel_id);
    return it == channels_.end() || !it->second.outbox.empty() || it->second.terminate ||
           it->second.drop;
  };
  cv_.wait_for(lock, absl::ToChronoNanoseconds(wait), ready);
  auto it = channels_.find(channel_id);
  if (it == channels_.end()) return false;
  SimChannel& ch = it->second;
  if (ch.drop) return false;
  absl::Time now = absl::Now();
  if (!ch.terminate && now - ch.last_heartbeat > config_.event_timeout) {
    ch.terminate = true;
    ch.terminate_reason = "HeartbeatTimeout";
  }
  if (!ch.terminate && now > ch.expires_at) {
    ch.terminate = true;
    ch.terminate_reason = "Expired";
  }
  for (std::string& chunk : ch.outbox) {
    out->push_back(std::move(chunk));
    ch.delivered++;
  }
  ch.outbox.clear();
  if (ch.terminate) {
    out->push_back(BuildChannelTerminatedEvent(ch.id, ch.terminate_reason));
    *done = true;
  }
  return true;
}

void SimState::ChannelClosed(const std::string& channel_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = channels_.find(channel_id);
  if (it != channels_.end()) {
    it->second.closed = true;
    it->second.outbox.clear();
  }
  // Events still waiting for an ack on a closed channel are reported, not resent.
}

// ---- platform-side actions ----

Reply SimState::PlatformAssociate(const std::string& guest, const std::string& host,
                                  int limit_hours) {
  std::lock_guard<std::mutex> lock(mu_);
  return SavedLocked(PlatformAssociateLocked(guest, host, limit_hours));
}

Reply SimState::PlatformAssociateLocked(const std::string& guest, const std::string& host,
                                        int limit_hours) {
  SimUser* g = UserLocked(guest);
  if (g == nullptr) return UserNotFound(guest);
  if (!UserExistsLocked(host)) return UserNotFound(host);
  users_[host];
  for (auto& [id, other] : users_) {
    if (id != guest && other.guest.host_user_id == host) {
      other.guest.host_user_id.reset();
      EmitLocked(id, kPkgGuest);
    }
  }
  g = &users_[guest];
  g->guest.active = true;
  g->guest.host_user_id = host;
  g->guest.enable_association_limit = limit_hours > 0;
  if (limit_hours > 0) g->guest.association_limit_hours = limit_hours;
  EmitLocked(guest, kPkgGuest);
  return Reply{200, ""};
}

Reply SimState::PlatformRelease(const std::string& host) {
  std::lock_guard<std::mutex> lock(mu_);
  return SavedLocked(PlatformReleaseLocked(host));
}

Reply SimState::PlatformReleaseLocked(const std::string& host) {
  if (!UserExistsLocked(host)) return UserNotFound(host);
  ReleaseGuestOfHostLocked(host);
  return Reply{200, ""};
}

Reply SimState::PlatformGuestLogout(const std::string& guest) {
  std::lock_guard<std::mutex> lock(mu_);
  return SavedLocked(PlatformGuestLogoutLocked(guest));
}

Reply SimState::PlatformGuestLogoutLocked(const std::string& guest) {
  SimUser* g = UserLocked(guest);
  if (g == nullptr) return UserNotFound(guest);
  g->guest.host_user_id.reset();
  EmitLocked(guest, kPkgGuest);
  return Reply{200, ""};
}

Reply SimState::PlatformAgentState(const std::string& user, const std::string& state) {
  if (!ParseCallCenter(BuildCallCenterState(state)).ok()) {
    return Error(400, 4003, "[Error 4003] unknown agent state");
  }
  std::lock_guard<std::mutex> lock(mu_);
  SimUser* u = UserLocked(user);
  if (u == nullptr) return UserNotFound(user);
  u->agent_state = state;
  EmitLocked(user, kPkgAgent);
  return SavedLocked(Reply{200, ""});
}

int SimState::InjectRaw(const std::string& raw) {
  std::lock_guard<std::mutex> lock(mu_);
  int n = 0;
  for (auto& [id, ch] : channels_) {
    if (ch.closed || ch.terminate || ch.drop) continue;
    ch.outbox.push_back(raw);
    ++n;
  }
  cv_.notify_all();
  return n;
}

int SimState::DropChannels() {
  std::lock_guard<std::mutex> lock(mu_);
  int n = 0;
  for (auto& [id, ch] : channels_) {
    if (ch.closed || ch.drop) continue;
    ch.drop = true;
    ++n;
  }
  cv_.notify_all();
  return n;
}

// ---- views ----

std::string SimState::UserJson(const std::string& user) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = users_.find(user);
  if (it == users_.end()) return "";
  const SimUser& u = it->second;
  auto b = [](const std::optional<bool>& v) { return v.value_or(false) ? "true" : "false"; };
  return absl::StrCat(
      "{\"user\":\"", JsonEscape(user), "\",\"hotelingGuest\":{\"active\":", b(u.guest.active),
      ",\"enableAssociationLimit\":", b(u.guest.enable_association_limit),
      ",\"associationLimitHours\":", u.guest.association_limit_hours.value_or(0),
      ",\"hostUserId\":",
      u.guest.host_user_id ? absl::StrCat("\"", JsonEscape(*u.guest.host_user_id), "\"") : "null",
      "},\"callForwardingAlways\":{\"active\":", b(u.cfa.active), ",\"forwardToPhoneNumber\":\"",
      JsonEscape(u.cfa.forward_to_phone_number.value_or("")), "\"},\"agentACDState\":\"",
      JsonEscape(u.agent_state), "\"}");
}

std::string SimState::ChannelsJson() {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out = "{\"channels\":[";
  bool first = true;
  for (const auto& [id, ch] : channels_) {
    int64_t unacked = 0;
    for (const auto& [ev, cid] : unacked_) unacked += cid == id;
    absl::StrAppend(&out, first ? "" : ",", "{\"channelId\":\"", JsonEscape(id),
                    "\",\"channelSetId\":\"", JsonEscape(ch.set_id),
                    "\",\"open\":", ch.closed || ch.drop ? "false" : "true",
                    ",\"expires\":", ch.expires, ",\"delivered\":", ch.delivered,
                    ",\"heartbeats\":", ch.heartbeats, ",\"unacked\":", unacked, "}");
    first = false;
  }
  absl::StrAppend(&out, "],\"subscriptions\":", subscriptions_.size(), ",\"acked\":", acked_,
                  ",\"rejectedAcks\":", rejected_acks_, ",\"unacked\":", unacked_.size(), "}");
  return out;
}

}  // namespace hotdesk::xsp::sim
