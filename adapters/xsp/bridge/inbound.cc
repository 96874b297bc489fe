#include "adapters/xsp/bridge/inbound.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "adapters/common/backoff.h"
#include "adapters/xsp/bridge/sequences.h"
#include "services/common/log.h"

namespace hotdesk::xsp {
namespace {

constexpr char kEventsRoot[] = "/com.broadsoft.xsi-events/v2.0";
constexpr char kAsyncChannel[] = "/com.broadsoft.async/com.broadsoft.xsi-events/v2.0/channel";
constexpr absl::Duration kRequestTimeout = absl::Seconds(5);

bool Success(int status) { return status >= 200 && status < 300; }

// Refresh when 80% of the granted time has passed.
absl::Time RefreshAt(int expires) {
  return absl::Now() + absl::Milliseconds(std::max(1, expires) * 800);
}

// Could not be applied now; worth trying again later.
bool NotYet(const absl::Status& s) {
  return absl::IsUnavailable(s) || absl::IsDeadlineExceeded(s) || absl::IsCancelled(s);
}

absl::Status FromGrpc(const grpc::Status& st) {
  return absl::Status(static_cast<absl::StatusCode>(st.error_code()), st.error_message());
}

std::string Excerpt(const std::string& s) {
  std::string e = s.substr(0, 160);
  std::replace(e.begin(), e.end(), '\n', ' ');
  return e;
}

}  // namespace

Inbound::Inbound(const BridgeConfig& config, std::shared_ptr<grpc::Channel> channel,
                 const IdMapper* ids, ProgressStore* store, BridgeMetrics* metrics)
    : config_(config),
      stub_(v1::Associations::NewStub(channel)),
      ids_(ids),
      store_(store),
      metrics_(metrics),
      client_(config.events),
      policy_{config.core_timeout, config.core_retry_budget} {
  if (config_.inbound.channel_set_id.empty()) {
    config_.inbound.channel_set_id = absl::StrCat("hotdesk-xsp-", config_.tenant);
  }
  for (const std::string& pkg : config_.inbound.packages) {
    for (const std::string& u : config_.inbound.subscribe_users) {
      subs_.push_back({absl::StrCat("/user/", u), "User", pkg, "", absl::InfinitePast()});
    }
    if (!config_.inbound.subscribe_group.empty()) {
      std::vector<std::string> parts = absl::StrSplit(config_.inbound.subscribe_group, '/');
      std::string path = parts.size() == 2
                             ? absl::StrCat("/serviceprovider/", parts[0], "/group/", parts[1])
                             : absl::StrCat("/group/", config_.inbound.subscribe_group);
      subs_.push_back({path, "Group", pkg, "", absl::InfinitePast()});
    }
  }
}

Inbound::~Inbound() { Stop(); }

void Inbound::Start() {
  channel_thread_ = std::thread([this] { ChannelLoop(); });
  control_thread_ = std::thread([this] { ControlLoop(); });
  worker_thread_ = std::thread([this] { WorkerLoop(); });
}

void Inbound::Stop() {
  if (stopping_.exchange(true)) return;
  canceller_.Cancel();  // an event being applied stays unacknowledged
  cv_.notify_all();
  if (control_thread_.joinable()) control_thread_.join();
  // Leave the platform clean: no subscriptions or channel left behind for this channel set.
  std::string channel_id;
  std::vector<std::string> sub_ids;
  {
    std::lock_guard<std::mutex> lock(mu_);
    channel_id = up_ ? channel_id_ : "";
    for (const Sub& s : subs_) {
      if (!s.id.empty()) sub_ids.push_back(s.id);
    }
  }
  // Bounded: an unreachable XSP must not hold up the shutdown.
  for (const std::string& id : sub_ids) {
    HttpResult r = client_.Request("DELETE", absl::StrCat(kEventsRoot, "/subscription/", id), "",
                                   absl::Seconds(2));
    if (r.status == 0) break;
  }
  if (!channel_id.empty()) {
    Pinned("DELETE", absl::StrCat(kEventsRoot, "/channel/", channel_id), "");
  }
  abort_stream_ = true;
  if (channel_thread_.joinable()) channel_thread_.join();
  cv_.notify_all();
  if (worker_thread_.joinable()) worker_thread_.join();
}

ChannelStatus Inbound::Status() {
  std::lock_guard<std::mutex> lock(mu_);
  ChannelStatus s;
  s.up = up_;
  s.channel_id = channel_id_;
  s.expires = channel_expires_;
  s.opens = opens_;
  for (const Sub& sub : subs_) s.subscriptions += !sub.id.empty();
  return s;
}

bool Inbound::Wait(absl::Duration d) {
  std::unique_lock<std::mutex> lock(mu_);
  return !cv_.wait_for(lock, absl::ToChronoNanoseconds(d), [this] { return stopping_.load(); });
}

HttpResult Inbound::Pinned(absl::string_view method, absl::string_view path,
                           absl::string_view body) {
  std::string ip;
  long port = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ip = pin_ip_;
    port = pin_port_;
  }
  return client_.Request(method, path, body, kRequestTimeout, ip, port);
}

// ---- channel thread ----

void Inbound::ChannelLoop() {
  const InboundConfig& ic = config_.inbound;
  absl::Duration backoff = absl::Milliseconds(500);
  const std::string body = BuildChannelRequest(ic.channel_set_id, 1, 50, ic.channel_expires);
  while (!stopping_) {
    abort_stream_ = false;
    splitter_.Reset();
    HD_LOG(kInfo, "xsp: opening event channel")
        .kv("url", config_.events.base_url)
        .kv("channel_set", ic.channel_set_id);
    HttpResult r = client_.Stream(
        kAsyncChannel, body, kRequestTimeout, std::max(ic.event_timeout, absl::Seconds(2)),
        [this](const std::string& ip, long port) {
          std::lock_guard<std::mutex> lock(mu_);
          pin_ip_ = ip;
          pin_port_ = port;
        },
        [this](absl::string_view data) {
          for (const std::string& doc : splitter_.Feed(data)) OnDocument(doc);
        },
        &abort_stream_);
    bool was_up;
    {
      std::lock_guard<std::mutex> lock(mu_);
      was_up = up_;
      up_ = false;
      channel_id_.clear();
    }
    metrics_->ChannelUp(false);
    if (stopping_) break;
    if (r.status != 200 && r.status != 0) {
      HD_LOG(kError, "xsp: event channel refused").kv("error", DescribeFailure(r));
    } else {
      HD_LOG(kWarn, "xsp: event channel lost; reopening")
          .kv("error", r.error.empty() ? "closed by server" : r.error)
          .kv("backoff", absl::FormatDuration(was_up ? absl::Milliseconds(500) : backoff));
    }
    if (was_up) backoff = absl::Milliseconds(500);
    Wait(backoff);
    backoff = std::min(backoff * 2, ic.reopen_backoff_max);
  }
}

void Inbound::OnDocument(const std::string& doc) {
  absl::StatusOr<StreamDoc> parsed = ParseStreamDoc(doc);
  if (!parsed.ok()) {
    metrics_->EventReceived("malformed");
    std::string id = ScrapeEventId(doc);
    HD_LOG(kWarn, "xsp: rejected malformed document from the XSP")
        .kv("error", parsed.status().message())
        .kv("event_id", id)
        .kv("excerpt", Excerpt(doc));
    if (!id.empty()) {
      std::lock_guard<std::mutex> lock(mu_);
      Work w;
      w.malformed = true;
      w.malformed_event_id = id;
      queue_.push_back(std::move(w));
      cv_.notify_all();
    }
    return;
  }
  switch (parsed->kind) {
    case StreamDoc::Kind::kChannel: {
      {
        std::lock_guard<std::mutex> lock(mu_);
        up_ = true;
        channel_id_ = parsed->channel.channel_id;
        channel_expires_ =
            parsed->channel.expires > 0 ? parsed->channel.expires : config_.inbound.channel_expires;
        channel_refresh_at_ = RefreshAt(channel_expires_);
        generation_++;
        opens_++;
      }
      metrics_->ChannelOpened();
      metrics_->ChannelUp(true);
      HD_LOG(kInfo, "xsp: event channel open")
          .kv("channel_id", parsed->channel.channel_id)
          .kv("expires", parsed->channel.expires);
      cv_.notify_all();
      return;
    }
    case StreamDoc::Kind::kHeartBeat:
      metrics_->EventReceived("ChannelHeartBeat");
      return;
    case StreamDoc::Kind::kEvent:
      if (parsed->event.event_type == "ChannelTerminatedEvent") {
        metrics_->EventReceived("ChannelTerminatedEvent");
        HD_LOG(kInfo, "xsp: channel terminated by the XSP").kv("reason", parsed->event.reason);
        return;
      }
      std::lock_guard<std::mutex> lock(mu_);
      Work w;
      w.event = std::move(parsed->event);
      queue_.push_back(std::move(w));
      cv_.notify_all();
      return;
  }
}

// ---- control thread ----

void Inbound::EnsureSubscriptions(bool new_channel) {
  const InboundConfig& ic = config_.inbound;
  std::vector<Sub> subs;
  {
    std::lock_guard<std::mutex> lock(mu_);
    subs = subs_;
    resubscribe_ = false;
  }
  absl::Time now = absl::Now();
  for (Sub& s : subs) {
    if (stopping_) return;
    if (!s.id.empty() && (new_channel || s.refresh_at <= now)) {
      HttpResult r =
          client_.Request("PUT", absl::StrCat(kEventsRoot, "/subscription/", s.id),
                          BuildSubscriptionRefresh(ic.subscription_expires), kRequestTimeout);
      if (Success(r.status)) {
        int expires = ic.subscription_expires;
        if (absl::StatusOr<SubscriptionDoc> d = ParseSubscription(r.body);
            d.ok() && d->expires > 0) {
          expires = d->expires;
        }
        s.refresh_at = RefreshAt(expires);
      } else if (r.status == 404 || r.status == 403) {
        HD_LOG(kInfo, "xsp: subscription gone; subscribing again").kv("event", s.package);
        s.id.clear();
        s.refresh_at = now;  // at once, below (not when the lost one would have been refreshed)
      } else {
        HD_LOG(kWarn, "xsp: subscription refresh failed").kv("error", DescribeFailure(r));
        s.refresh_at = now + absl::Seconds(5);
      }
    }
    if (s.id.empty() && s.refresh_at <= now) {
      HttpResult r = client_.Request(
          "POST", absl::StrCat(kEventsRoot, s.path),
          BuildSubscriptionRequest(s.target_type, s.package, ic.subscription_expires,
                                   ic.channel_set_id, ic.application_id),
          kRequestTimeout);
      absl::StatusOr<SubscriptionDoc> d =
          Success(r.status)
              ? ParseSubscription(r.body)
              : absl::StatusOr<SubscriptionDoc>(absl::UnknownError(DescribeFailure(r)));
      if (d.ok() && !d->subscription_id.empty()) {
        s.id = d->subscription_id;
        s.refresh_at = RefreshAt(d->expires > 0 ? d->expires : ic.subscription_expires);
        HD_LOG(kInfo, "xsp: subscribed")
            .kv("target", s.path)
            .kv("event", s.package)
            .kv("subscription_id", s.id);
        if (s.target_type == "Group") {
          std::lock_guard<std::mutex> lock(mu_);
          group_sub_ids_.push_back(s.id);
        }
      } else {
        HD_LOG(kError, "xsp: subscription failed")
            .kv("target", s.path)
            .kv("event", s.package)
            .kv("error", d.status().message());
        s.refresh_at = now + absl::Seconds(5);
      }
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  subs_ = subs;
}

void Inbound::ControlLoop() {
  const InboundConfig& ic = config_.inbound;
  uint64_t seen_generation = 0;
  absl::Time next_heartbeat;
  const absl::Duration heartbeat_every = ic.event_timeout / 2;
  while (Wait(absl::Milliseconds(100))) {
    bool up, resub;
    uint64_t gen;
    std::string channel_id;
    absl::Time channel_refresh_at, first_sub_refresh = absl::InfiniteFuture();
    {
      std::lock_guard<std::mutex> lock(mu_);
      up = up_;
      gen = generation_;
      channel_id = channel_id_;
      channel_refresh_at = channel_refresh_at_;
      resub = resubscribe_;
      for (const Sub& s : subs_) first_sub_refresh = std::min(first_sub_refresh, s.refresh_at);
    }
    if (!up) continue;
    absl::Time now = absl::Now();
    if (gen != seen_generation) {
      seen_generation = gen;
      next_heartbeat = now + heartbeat_every;
      EnsureSubscriptions(true);
      QueueReconciliations();
    } else if (resub || first_sub_refresh <= now) {
      EnsureSubscriptions(false);
    }
    now = absl::Now();
    if (now >= next_heartbeat) {
      next_heartbeat = now + heartbeat_every;
      HttpResult r =
          Pinned("PUT", absl::StrCat(kEventsRoot, "/channel/", channel_id, "/heartbeat"), "");
      if (r.status == 404) {
        HD_LOG(kWarn, "xsp: XSP does not know the channel; reopening").kv("channel_id", channel_id);
        abort_stream_ = true;
      } else if (!Success(r.status)) {
        HD_LOG(kWarn, "xsp: heartbeat failed").kv("error", DescribeFailure(r));
      }
    }
    if (now >= channel_refresh_at) {
      HttpResult r = Pinned("PUT", absl::StrCat(kEventsRoot, "/channel/", channel_id),
                            BuildChannelRefresh(ic.channel_expires));
      std::lock_guard<std::mutex> lock(mu_);
      if (Success(r.status)) {
        // Without a granted value in the reply, assume the server grants what it granted before.
        int expires = std::min(ic.channel_expires,
                               channel_expires_ > 0 ? channel_expires_ : ic.channel_expires);
        if (absl::StatusOr<ChannelDoc> d = ParseChannel(r.body); d.ok() && d->expires > 0) {
          expires = d->expires;
        }
        channel_expires_ = expires;
        channel_refresh_at_ = RefreshAt(expires);
        HD_LOG(kDebug, "xsp: channel refreshed").kv("expires", expires);
      } else if (r.status == 404) {
        abort_stream_ = true;
      } else {
        channel_refresh_at_ = now + absl::Seconds(5);
        HD_LOG(kWarn, "xsp: channel refresh failed").kv("error", DescribeFailure(r));
      }
    }
  }
}

// ---- worker thread ----

void Inbound::WorkerLoop() {
  while (true) {
    Work w;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stopping_.load() || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      if (stopping_ && !up_) {
        queue_.clear();
        return;
      }
      w = std::move(queue_.front());
      queue_.pop_front();
    }
    if (w.malformed) {
      // Rejected: acknowledged with a non-200 status so the XSP does not wait on it.
      Ack(w.malformed_event_id, 400, "Malformed event");
      continue;
    }
    if (!w.reconcile_user.empty()) {
      adapters::Backoff backoff(
          {config_.inbound.apply_backoff, config_.inbound.apply_backoff_max});
      for (;;) {
        absl::Status st = Reconcile(w.reconcile_user, w.reconcile_request_id);
        if (st.ok() || !NotYet(st)) break;
        if (!Wait(backoff.Next())) return;
      }
      continue;
    }
    // In order: a later event waits until this one is applied.
    adapters::Backoff backoff({config_.inbound.apply_backoff, config_.inbound.apply_backoff_max});
    for (;;) {
      absl::Status st = HandleEvent(w.event);
      if (st.ok()) {
        if (!w.event.event_id.empty()) Ack(w.event.event_id, 200, "OK");
        break;
      }
      if (!NotYet(st)) {
        // hotdesk refused the change (e.g. a disabled guest): final, like a malformed event.
        if (!w.event.event_id.empty()) Ack(w.event.event_id, 400, "Not applied");
        break;
      }
      absl::Duration wait = backoff.Next();
      HD_LOG(kWarn, "xsp: platform change not applied yet; not acknowledged, trying again")
          .kv("event_id", w.event.event_id)
          .kv("error", st.message())
          .kv("retry_ms", absl::ToInt64Milliseconds(wait));
      if (!Wait(wait)) return;  // stopping: left unacknowledged
    }
  }
}

void Inbound::Ack(const std::string& event_id, int status, const std::string& reason) {
  HttpResult r = Pinned("POST", absl::StrCat(kEventsRoot, "/channel/eventresponse"),
                        BuildEventResponse(event_id, status, reason));
  if (!Success(r.status)) {
    HD_LOG(kWarn, "xsp: event response failed")
        .kv("event_id", event_id)
        .kv("error", DescribeFailure(r));
  }
}

absl::Status Inbound::HandleEvent(const XsiEvent& ev) {
  metrics_->EventReceived(ev.data_type.empty() ? ev.event_type : ev.data_type);
  if (ev.event_type == "SubscriptionTerminatedEvent") {
    std::lock_guard<std::mutex> lock(mu_);
    for (Sub& s : subs_) {
      if (s.id == ev.subscription_id) {
        s.id.clear();
        s.refresh_at = absl::InfinitePast();
      }
    }
    resubscribe_ = true;
    return absl::OkStatus();
  }
  if (ev.data_type == "HotelingGuestEvent") return HandleHoteling(ev);
  HD_LOG(kDebug, "xsp: event")
      .kv("type", ev.data_type)
      .kv("target", ev.target_id)
      .kv("state", ev.agent_state);
  return absl::OkStatus();
}

absl::StatusOr<bool> Inbound::StillCurrent(const std::string& bw_guest,
                                           const std::string& bw_host) {
  HttpResult r = client_.Request("GET", ServicePath(bw_guest, "HotelingGuest"), "",
                                 config_.outbound.step_timeout);
  if (r.status == 0 || r.status >= 500) {
    return absl::UnavailableError(absl::StrCat("cannot read HotelingGuest: ", DescribeFailure(r)));
  }
  if (!Success(r.status)) return true;  // cannot tell: take the event as it is
  absl::StatusOr<HotelingGuestDoc> now = ParseHotelingGuest(r.body);
  if (!now.ok()) return true;
  const bool associated =
      now->host_user_id.has_value() && !now->host_user_id->empty() && now->active.value_or(true);
  return associated ? *now->host_user_id == bw_host : bw_host.empty();
}

void Inbound::QueueReconciliations() {
  std::vector<std::string> users;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const Sub& s : subs_)
      if (s.target_type == "User" && s.package == "Hoteling Guest" && !s.id.empty())
        users.push_back(s.path.substr(s.path.rfind('/') + 1));
  }
  std::lock_guard<std::mutex> lock(mu_);
  for (const std::string& u : users) {
    Work w;
    w.reconcile_user = u;
    w.reconcile_request_id = absl::StrCat("xsp-reconcile-", adapters::RandomNonce());
    queue_.push_back(std::move(w));
  }
  cv_.notify_all();
}

absl::Status Inbound::Reconcile(const std::string& bw_user, const std::string& request_id) {
  absl::StatusOr<std::string> guest = ids_->ToHotdesk(bw_user);
  if (!guest.ok()) return absl::OkStatus();  // not a hotdesk user: nothing to compare
  HttpResult r = client_.Request("GET", ServicePath(bw_user, "HotelingGuest"), "",
                                 kRequestTimeout);
  if (r.status == 404) return absl::OkStatus();  // no hoteling guest service
  if (!Success(r.status))
    return absl::UnavailableError(absl::StrCat("reading ", bw_user, ": ", DescribeFailure(r)));
  absl::StatusOr<HotelingGuestDoc> doc = ParseHotelingGuest(r.body);
  if (!doc.ok()) return absl::UnavailableError(absl::StrCat("reading ", bw_user, ": ",
                                                             doc.status().message()));
  const bool associate = !doc->host_nil && doc->host_user_id.has_value() &&
                         !doc->host_user_id->empty() && doc->active.value_or(true);
  std::string host;
  if (associate) {
    absl::StatusOr<std::string> h = ids_->ToHotdesk(*doc->host_user_id);
    if (!h.ok()) return absl::OkStatus();
    host = *h;
  }
  absl::StatusOr<adapters::FollowerState> state = store_->Load();
  if (!state.ok()) return absl::UnavailableError(state.status().message());
  if (!state->known_complete) return absl::OkStatus();  // nothing to compare with
  std::string expected;
  for (const auto& [h, g] : state->known)
    if (g == *guest) expected = h;
  if (expected == host) return absl::OkStatus();
  absl::StatusOr<std::vector<SeqRecord>> pending = store_->Pending();
  if (!pending.ok()) return absl::UnavailableError(pending.status().message());
  for (const SeqRecord& p : *pending) {
    // A sequence still to run will write the platform; the difference is its to settle.
    if (p.guest == *guest || (!host.empty() && p.host == host) ||
        (!expected.empty() && p.host == expected))
      return absl::OkStatus();
  }
  const char* kind = associate ? "establish" : "cancel";
  HD_LOG(kWarn, "xsp: the platform differs from what the bridge expects; a missed change")
      .kv("guest", *guest)
      .kv("platform_host", host)
      .kv("expected_host", expected)
      .kv("request_id", request_id);
  metrics_->Inbound(kind, "reconciled");
  return ApplyToHotdesk(kind, *guest, host, *doc, request_id);
}

absl::Status Inbound::HandleHoteling(const XsiEvent& ev) {
  const std::string bw_guest = ev.target_id.empty() ? ev.user_id : ev.target_id;
  const HotelingGuestDoc& info = ev.hoteling_guest;
  const bool associate =
      info.host_user_id.has_value() && !info.host_user_id->empty() && info.active.value_or(true);
  const char* kind = associate ? "establish" : "cancel";
  absl::StatusOr<std::string> guest = ids_->ToHotdesk(bw_guest);
  absl::StatusOr<std::string> host =
      associate ? ids_->ToHotdesk(*info.host_user_id) : absl::StatusOr<std::string>("");
  if (!guest.ok() || !host.ok()) {
    metrics_->Inbound(kind, "unmapped");
    HD_LOG(kWarn, "xsp: hoteling event for unmapped user ignored")
        .kv("guest", bw_guest)
        .kv("host", info.host_user_id.value_or(""));
    return absl::OkStatus();
  }
  bool initial = false;
  if (ev.sequence_number == 1) {
    std::lock_guard<std::mutex> lock(mu_);
    initial = std::find(group_sub_ids_.begin(), group_sub_ids_.end(), ev.subscription_id) ==
              group_sub_ids_.end();
  }
  if (initial && !config_.inbound.apply_initial_events) {
    metrics_->Inbound(kind, "initial");
    HD_LOG(kDebug, "xsp: initial hoteling state (not a change)")
        .kv("guest", *guest)
        .kv("host", *host);
    return absl::OkStatus();
  }
  // The bridge's own change coming back (recorded in Redis before it was sent, so also across a
  // restart of the bridge)?
  absl::StatusOr<bool> echo = store_->ConsumeEcho(*guest, *host);
  if (!echo.ok()) return absl::UnavailableError(echo.status().message());
  if (*echo) {
    metrics_->Inbound(kind, "echo");
    HD_LOG(kDebug, "xsp: own change came back; ignored").kv("guest", *guest).kv("host", *host);
    return absl::OkStatus();
  }
  // A platform change, unless the platform has moved on since (then its successor's event
  // follows, and applying this one now would undo it in hotdesk).
  absl::StatusOr<bool> current =
      StillCurrent(bw_guest, associate ? *info.host_user_id : std::string());
  if (!current.ok()) return current.status();
  if (!*current) {
    metrics_->Inbound(kind, "stale");
    HD_LOG(kInfo, "xsp: hoteling event superseded on the platform; ignored")
        .kv("guest", *guest)
        .kv("host", *host);
    return absl::OkStatus();
  }
  return ApplyToHotdesk(kind, *guest, associate ? *host : std::string(), info,
                        absl::StrCat("xsp-", ev.event_id));
}

absl::Status Inbound::ApplyToHotdesk(const char* kind, const std::string& guest_id,
                                     const std::string& host_id, const HotelingGuestDoc& info,
                                     const std::string& request_id) {
  const bool associate = !host_id.empty();
  const std::string* guest = &guest_id;
  const std::string* host = &host_id;
  // Compare with hotdesk: a platform state hotdesk already has is not a change.
  v1::GetAssociationRequest get;
  get.set_tenant(config_.tenant);
  get.set_guest(*guest);
  v1::Association current_assoc;
  grpc::Status gs = adapters::CallWithRetry(policy_, &canceller_, [&](grpc::ClientContext* ctx) {
    return stub_->GetAssociation(ctx, get, &current_assoc);
  });
  if (!gs.ok() && gs.error_code() != grpc::StatusCode::NOT_FOUND) {
    metrics_->Inbound(kind, adapters::IsRetryable(gs.error_code()) ? "retry" : "error");
    HD_LOG(kError, "xsp: cannot read association from hotdesk")
        .kv("guest", *guest)
        .kv("error", gs.error_message());
    return FromGrpc(gs);
  }
  bool has = gs.ok();
  grpc::Status st;
  if (associate) {
    if (has && current_assoc.host() == *host) {
      metrics_->Inbound(kind, "unchanged");
      return absl::OkStatus();
    }
    v1::EstablishRequest req;
    req.set_tenant(config_.tenant);
    req.set_host(*host);
    req.set_guest(*guest);
    req.set_source(v1::SOURCE_XSP);
    req.set_request_id(request_id);
    if (info.enable_association_limit.value_or(false) && info.association_limit_hours) {
      req.mutable_limit()->mutable_duration()->set_seconds(int64_t{*info.association_limit_hours} *
                                                           3600);
    }
    (*req.mutable_attributes())["origin"] = "broadworks";
    v1::EstablishResponse resp;
    st = adapters::RetryingEstablish(*stub_, policy_, &canceller_, req, &resp);
  } else {
    if (!has) {
      metrics_->Inbound(kind, "unchanged");
      return absl::OkStatus();
    }
    v1::CancelRequest req;
    req.set_tenant(config_.tenant);
    req.set_guest(*guest);
    req.set_reason(v1::CANCEL_REASON_EXTERNAL);
    req.set_source(v1::SOURCE_XSP);
    req.set_request_id(request_id);
    v1::CancelResponse resp;
    st = adapters::RetryingCancel(*stub_, policy_, &canceller_, req, &resp);
    if (st.error_code() == grpc::StatusCode::NOT_FOUND) st = grpc::Status::OK;
  }
  if (!st.ok()) {
    metrics_->Inbound(kind, adapters::IsRetryable(st.error_code()) ? "retry" : "error");
    HD_LOG(kError, "xsp: platform change not applied to hotdesk")
        .kv("kind", kind)
        .kv("guest", *guest)
        .kv("host", *host)
        .kv("request_id", request_id)
        .kv("error", st.error_message());
    return FromGrpc(st);
  }
  metrics_->Inbound(kind, "applied");
  HD_LOG(kInfo, "xsp: platform change applied to hotdesk")
      .kv("kind", kind)
      .kv("guest", *guest)
      .kv("host", associate ? *host : current_assoc.host())
      .kv("request_id", request_id);
  return absl::OkStatus();
}

}  // namespace hotdesk::xsp
