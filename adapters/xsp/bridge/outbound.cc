#include "adapters/xsp/bridge/outbound.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "adapters/common/backoff.h"
#include "adapters/xsp/xml/xsi_xml.h"
#include "services/common/log.h"
#include "services/core/commands.h"

namespace hotdesk::xsp {
namespace {

bool Retryable(int status) {
  return status == 0 || status >= 500 || status == 401 || status == 408 || status == 429;
}

bool Success(int status) { return status >= 200 && status < 300; }

StepRecord PendingStep(const std::string& name) {
  StepRecord r;
  r.name = name;
  r.outcome = "pending";
  return r;
}

bool SharesUser(const SeqRecord& a, const SeqRecord& b) {
  return a.host == b.host || a.guest == b.guest;
}

// Delay before the n-th retry of a parked sequence (n >= 1): the adapters' backoff policy.
absl::Duration ParkDelay(const OutboundConfig& oc, int parks) {
  adapters::Backoff b({oc.park_backoff, oc.park_backoff_max});
  absl::Duration d;
  for (int i = 0; i < std::min(parks, 32); ++i) d = b.Next();
  return d;
}

}  // namespace

Outbound::Outbound(const BridgeConfig& config, std::shared_ptr<grpc::Channel> channel,
                   const IdMapper* ids, ProgressStore* store, BridgeMetrics* metrics)
    : config_(config),
      channel_(std::move(channel)),
      ids_(ids),
      store_(store),
      metrics_(metrics),
      client_(config.actions),
      stub_(v1::Associations::NewStub(channel_)),
      policy_{config.core_timeout, config.core_retry_budget} {
  adapters::FollowerCallbacks cb;
  cb.on_event = [this](const adapters::Delivery& d) { return TakeIn(d); };
  cb.on_baseline = [this](const std::vector<v1::Association>& all, const std::string& cursor) {
    // The first start follows from "now": what hotdesk has is not pushed to BroadWorks again.
    HD_LOG(kInfo, "xsp: following events from now")
        .kv("tenant", config_.tenant)
        .kv("cursor", cursor)
        .kv("associations", all.size());
  };
  cb.on_stream = [this](bool up) {
    watching_ = up;
    metrics_->WatchUp(up);
  };
  cb.on_resync = [this](size_t n) { metrics_->Resync(); };
  adapters::FollowerOptions fo;
  fo.tenant = config_.tenant;
  follower_ = std::make_unique<adapters::EventFollower>(channel_, store_, fo, cb);
}

Outbound::~Outbound() { Stop(); }

void Outbound::Start() {
  worker_ = std::thread([this] { WorkerLoop(); });
}

void Outbound::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  canceller_.Cancel();  // a sync step reading hotdesk
  if (worker_.joinable()) worker_.join();
  follower_->Stop();
}

std::string Outbound::cursor() const { return follower_->cursor(); }

std::vector<SeqRecord> Outbound::Pending() const {
  std::lock_guard<std::mutex> lock(mu_);
  return pending_;
}

bool Outbound::SleepOrStop(absl::Duration d) {
  std::unique_lock<std::mutex> lock(mu_);
  return !cv_.wait_for(lock, absl::ToChronoNanoseconds(d), [this] { return stopping_.load(); });
}

void Outbound::UpdateGauges() {
  size_t parked = 0, n = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    n = pending_.size();
    for (const SeqRecord& r : pending_) parked += r.state == "parked";
  }
  metrics_->SetQueue(n, parked);
}

absl::Status Outbound::TakeIn(const adapters::Delivery& d) {
  const v1::AssociationEvent& ev = d.event;
  // Made by this bridge from a platform change: BroadWorks had it; a sync makes sure it still
  // agrees once the sequences before it have run.
  const char* kind = ev.source() == v1::SOURCE_XSP ? "sync"
                     : ev.type() == v1::EVENT_TYPE_ESTABLISHED ? "establish"
                                                               : "cancel";
  SeqRecord rec;
  rec.cursor = d.key;
  rec.kind = kind;
  rec.host = ev.association().host();
  rec.guest = ev.association().guest();
  rec.state = "queued";
  rec.event = ev.SerializeAsString();
  absl::StatusOr<bool> added = store_->Enqueue(&rec);
  if (!added.ok()) return added.status();  // the follower offers it again
  if (!*added) {
    HD_LOG(kDebug, "xsp: event already taken in").kv("cursor", d.key);
    return absl::OkStatus();
  }
  HD_LOG(kDebug, "xsp: sequence queued")
      .kv("cursor", d.key)
      .kv("kind", kind)
      .kv("resync", d.resync);
  {
    std::lock_guard<std::mutex> lock(mu_);
    pending_.push_back(std::move(rec));
  }
  cv_.notify_all();
  UpdateGauges();
  return absl::OkStatus();
}

absl::Status Outbound::Drop(const std::string& key) {
  SeqRecord rec;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = std::find_if(pending_.begin(), pending_.end(),
                           [&](const SeqRecord& r) { return r.cursor == key; });
    if (it == pending_.end()) return absl::NotFoundError("no pending sequence " + key);
    if (running_ == key) return absl::FailedPreconditionError("sequence " + key + " is running");
    rec = std::move(*it);
    pending_.erase(it);
  }
  rec.state = "dropped";
  for (StepRecord& s : rec.steps) {
    if (s.outcome == "pending" || s.outcome == "failed") s.outcome = "not_run";
  }
  SaveRecord(rec);
  metrics_->Sequence(rec.kind, "dropped");
  HD_LOG(kWarn, "xsp: sequence dropped by an operator")
      .kv("cursor", key)
      .kv("kind", rec.kind)
      .kv("host", rec.host)
      .kv("guest", rec.guest)
      .kv("parks", rec.parks)
      .kv("error", rec.error);
  cv_.notify_all();  // sequences behind it may run now
  UpdateGauges();
  return absl::OkStatus();
}

int Outbound::NextRunnable(absl::Time now, absl::Time* wake) const {
  for (size_t i = 0; i < pending_.size(); ++i) {
    const SeqRecord& r = pending_[i];
    bool blocked = false;
    for (size_t j = 0; j < i && !blocked; ++j) blocked = SharesUser(pending_[j], r);
    if (blocked) continue;
    if (r.state == "parked") {
      absl::Time due = absl::FromUnixMillis(r.next_attempt_ms);
      if (due > now) {
        *wake = std::min(*wake, due);
        continue;
      }
    }
    return static_cast<int>(i);
  }
  return -1;
}

void Outbound::WorkerLoop() {
  // Sequences queued before a restart first, then take new events in.
  for (;;) {
    absl::StatusOr<std::vector<SeqRecord>> loaded = store_->Pending();
    if (loaded.ok()) {
      std::lock_guard<std::mutex> lock(mu_);
      pending_ = std::move(*loaded);
      break;
    }
    HD_LOG(kWarn, "xsp: cannot read pending sequences from redis; waiting")
        .kv("error", loaded.status().message());
    if (!SleepOrStop(absl::Seconds(1))) return;
  }
  UpdateGauges();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    if (!pending_.empty()) {
      HD_LOG(kInfo, "xsp: sequences pending from before").kv("count", pending_.size());
    }
    follower_->Start();
  }
  for (;;) {
    SeqRecord rec;
    {
      std::unique_lock<std::mutex> lock(mu_);
      int i = -1;
      for (;;) {
        if (stopping_) return;
        absl::Time wake = absl::InfiniteFuture();
        i = NextRunnable(absl::Now(), &wake);
        if (i >= 0) break;
        if (wake == absl::InfiniteFuture()) {
          cv_.wait(lock);
        } else {
          cv_.wait_for(lock, absl::ToChronoNanoseconds(wake - absl::Now()));
        }
      }
      rec = pending_[i];
      running_ = rec.cursor;
    }
    Outcome out = Run(&rec);
    {
      std::lock_guard<std::mutex> lock(mu_);
      running_.clear();
      auto it = std::find_if(pending_.begin(), pending_.end(),
                             [&](const SeqRecord& r) { return r.cursor == rec.cursor; });
      if (it != pending_.end()) {
        if (rec.ended()) {
          pending_.erase(it);
        } else {
          *it = rec;
        }
      }
    }
    UpdateGauges();
    if (out == Outcome::kInterrupted) return;
  }
}

void Outbound::SaveRecord(const SeqRecord& rec) {
  for (int attempt = 0; attempt < 3; ++attempt) {
    absl::Status s = store_->Save(rec);
    if (s.ok()) return;
    HD_LOG(kWarn, "xsp: cannot record sequence progress in redis")
        .kv("cursor", rec.cursor)
        .kv("error", s.message());
    if (!SleepOrStop(absl::Milliseconds(200))) return;
  }
}

Outbound::Outcome Outbound::Run(SeqRecord* rec) {
  const std::string kind = rec->kind;
  v1::AssociationEvent ev;
  absl::StatusOr<Plan> plan =
      !ev.ParseFromString(rec->event)
          ? absl::StatusOr<Plan>(absl::DataLossError("unreadable sequence record"))
      : kind == "sync" ? PlanSync(ev, *ids_)
                       : PlanFor(ev, *ids_, config_.outbound);
  if (!plan.ok()) {
    // Nothing on BroadWorks to change (or nothing readable): retrying cannot help.
    rec->state = "unmapped";
    rec->error = std::string(plan.status().message());
    SaveRecord(*rec);
    metrics_->Sequence(kind, "unmapped");
    HD_LOG(kError, "xsp: sequence not run: ids not mapped")
        .kv("cursor", rec->cursor)
        .kv("host", rec->host)
        .kv("guest", rec->guest)
        .kv("error", rec->error);
    return Outcome::kUnmapped;
  }
  if (rec->steps.size() != plan->steps.size()) {
    // New, or the configuration changed between runs: start with the current plan.
    rec->steps.clear();
    for (const PlannedStep& s : plan->steps) rec->steps.push_back(PendingStep(s.name));
  }
  // A parked sequence goes on at its failed step; steps that succeeded are not sent again.
  for (StepRecord& s : rec->steps) {
    if (s.outcome == "failed" || s.outcome == "not_run") s.outcome = "pending";
  }
  const char* how = rec->state == "queued"   ? "xsp: sequence started"
                    : rec->state == "parked" ? "xsp: parked sequence retried"
                                             : "xsp: sequence resumed";
  rec->bw_host = plan->bw_host;
  rec->bw_guest = plan->bw_guest;
  rec->state = "running";
  rec->error.clear();
  SaveRecord(*rec);
  HD_LOG(kInfo, how)
      .kv("cursor", rec->cursor)
      .kv("kind", kind)
      .kv("host", plan->bw_host)
      .kv("guest", plan->bw_guest)
      .kv("parks", rec->parks);
  for (size_t i = 0; i < plan->steps.size(); ++i) {
    StepRecord& sr = rec->steps[i];
    if (sr.outcome == "ok" || sr.outcome == "skipped") continue;
    if (!RunStep(*rec, *plan, plan->steps[i], &sr)) {
      SaveRecord(*rec);
      HD_LOG(kWarn, "xsp: stopping with a sequence half done; it resumes after restart")
          .kv("cursor", rec->cursor)
          .kv("step", sr.name);
      return Outcome::kInterrupted;
    }
    metrics_->Step(sr.name, sr.outcome);
    if (sr.outcome == "failed") {
      for (size_t j = i + 1; j < rec->steps.size(); ++j) rec->steps[j].outcome = "not_run";
      rec->parks++;
      absl::Duration delay = ParkDelay(config_.outbound, rec->parks);
      rec->state = "parked";
      rec->next_attempt_ms = absl::ToUnixMillis(absl::Now() + delay);
      rec->error = absl::StrCat(sr.name, ": ", sr.detail);
      SaveRecord(*rec);
      metrics_->Sequence(kind, "parked");
      HD_LOG(kError, "xsp: sequence failed; parked, retried later")
          .kv("cursor", rec->cursor)
          .kv("kind", kind)
          .kv("step", sr.name)
          .kv("attempts", sr.attempts)
          .kv("parks", rec->parks)
          .kv("retry_in", absl::FormatDuration(delay))
          .kv("error", sr.detail);
      return Outcome::kParked;
    }
    SaveRecord(*rec);
  }
  rec->state = "done";
  SaveRecord(*rec);
  metrics_->Sequence(kind, "done");
  HD_LOG(kInfo, "xsp: sequence done").kv("cursor", rec->cursor).kv("kind", kind);
  return Outcome::kDone;
}

absl::Status Outbound::PlanGuestSync(const Plan& plan, const std::string& path,
                                     PlannedStep* step, bool* needed, HttpResult* r) {
  v1::GetAssociationRequest get;
  get.set_tenant(config_.tenant);
  get.set_guest(plan.guest);
  v1::Association now;
  grpc::Status gs = adapters::CallWithRetry(
      policy_, &canceller_,
      [&](grpc::ClientContext* ctx) { return stub_->GetAssociation(ctx, get, &now); });
  if (!gs.ok() && gs.error_code() != grpc::StatusCode::NOT_FOUND)
    return absl::UnavailableError(absl::StrCat("cannot read hotdesk: ", gs.error_message()));
  std::string want_bw;
  if (gs.ok()) {
    absl::StatusOr<std::string> h = ids_->ToBroadWorks(now.host());
    if (!h.ok()) return h.status();
    want_bw = *h;
  }
  *r = client_.Request("GET", path, "", config_.outbound.step_timeout);
  if (!Success(r->status)) return absl::UnavailableError(DescribeFailure(*r));
  absl::StatusOr<HotelingGuestDoc> has = ParseHotelingGuest(r->body);
  if (!has.ok()) return absl::UnavailableError(absl::StrCat("bad reply: ", has.status().message()));
  const std::string has_bw = has->host_nil ? "" : has->host_user_id.value_or("");
  *needed = has_bw != want_bw;
  step->echo_host = gs.ok() ? now.host() : "";
  step->body = gs.ok() ? BuildHotelingGuestAssociate(want_bw, LimitHours(now))
                       : BuildHotelingGuestClear();
  return absl::OkStatus();
}

bool Outbound::RunStep(const SeqRecord& rec, const Plan& plan, const PlannedStep& planned,
                       StepRecord* sr) {
  const OutboundConfig& oc = config_.outbound;
  const std::string path = ServicePath(planned.user, planned.service);
  PlannedStep step = planned;
  absl::Duration backoff = oc.backoff_initial;
  for (int attempt = 0;; ++attempt) {
    sr->attempts++;
    HttpResult r;
    bool do_put = true;
    if (step.sync_guest) {
      bool needed = true;
      absl::Status s = PlanGuestSync(plan, path, &step, &needed, &r);
      if (!s.ok()) {
        if (Success(r.status)) r.status = 502;
        r.error = std::string(s.message());
        do_put = false;
      } else if (!needed) {
        sr->outcome = "skipped";
        sr->http_status = r.status;
        sr->detail = "the platform has what hotdesk has";
        return true;
      }
    }
    if (step.only_if_agent_signed_in) {
      r = client_.Request("GET", path, "", oc.step_timeout);
      if (Success(r.status)) {
        absl::StatusOr<CallCenterDoc> cc = ParseCallCenter(r.body);
        if (!cc.ok()) {
          r.status = 502;  // an answer we cannot read is treated like a server failure
          r.error = std::string(cc.status().message());
          do_put = false;
        } else if (cc->agent_acd_state.value_or("Sign-Out") == "Sign-Out") {
          sr->outcome = "skipped";
          sr->http_status = r.status;
          sr->detail = "agent not signed in";
          return true;
        }
      } else if (!Retryable(r.status)) {
        sr->outcome = "skipped";
        sr->http_status = r.status;
        sr->detail = absl::StrCat("no call-centre agent: ", DescribeFailure(r));
        return true;
      } else {
        do_put = false;
      }
    }
    if (do_put && step.expect_echo) {
      // Recorded (in Redis, beside the sequence) before the change is sent: its event may come
      // back at any time after, even to a bridge restarted meanwhile.
      absl::Status s =
          store_->ExpectEcho(rec, plan.guest, step.echo_host, config_.inbound.echo_window);
      if (!s.ok()) {
        r = HttpResult{};
        r.error = absl::StrCat("cannot record the expected echo: ", s.message());
        do_put = false;
      }
    }
    if (do_put) r = client_.Request("PUT", path, step.body, oc.step_timeout);
    sr->http_status = r.status;
    if (do_put && Success(r.status)) {
      sr->outcome = "ok";
      sr->detail.clear();
      return true;
    }
    sr->detail = r.status == 502 && !r.error.empty() ? absl::StrCat("bad reply: ", r.error)
                                                     : DescribeFailure(r);
    bool more = Retryable(r.status) && attempt < oc.step_retries;
    if (!more) {
      sr->outcome = "failed";
      return true;
    }
    metrics_->Step(step.name, "retry");
    HD_LOG(kWarn, "xsp: step failed; retrying")
        .kv("step", step.name)
        .kv("user", step.user)
        .kv("attempt", attempt + 1)
        .kv("error", sr->detail)
        .kv("backoff", absl::FormatDuration(backoff));
    if (!SleepOrStop(backoff)) {
      sr->outcome = "pending";
      return false;
    }
    backoff = std::min(backoff * 2, oc.backoff_max);
  }
}

}  // namespace hotdesk::xsp
