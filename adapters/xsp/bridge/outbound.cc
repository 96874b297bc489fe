#include "adapters/xsp/bridge/outbound.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
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

}  // namespace

Outbound::Outbound(const BridgeConfig& config, std::shared_ptr<v1::Associations::Stub> stub,
                   const IdMapper* ids, ProgressStore* store, EchoGuard* echo,
                   BridgeMetrics* metrics)
    : config_(config),
      stub_(std::move(stub)),
      ids_(ids),
      store_(store),
      echo_(echo),
      metrics_(metrics),
      client_(config.actions) {}

Outbound::~Outbound() { Stop(); }

void Outbound::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void Outbound::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    if (ctx_ != nullptr) ctx_->TryCancel();
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::string Outbound::cursor() {
  std::lock_guard<std::mutex> lock(mu_);
  return cursor_;
}

bool Outbound::SleepOrStop(absl::Duration d) {
  std::unique_lock<std::mutex> lock(mu_);
  return !cv_.wait_for(lock, absl::ToChronoNanoseconds(d), [this] { return stopping_.load(); });
}

void Outbound::Loop() {
  absl::Duration backoff = absl::Milliseconds(200);
  while (!stopping_) {
    absl::StatusOr<std::string> cursor = store_->LoadCursor();
    if (!cursor.ok()) {
      HD_LOG(kWarn, "xsp: cannot read cursor from redis").kv("error", cursor.status().message());
      SleepOrStop(absl::Seconds(1));
      continue;
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      cursor_ = *cursor;
    }
    grpc::ClientContext ctx;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) break;
      ctx_ = &ctx;
    }
    v1::WatchEventsRequest req;
    req.set_tenant(config_.tenant);
    req.set_after_cursor(*cursor);
    std::unique_ptr<grpc::ClientReader<v1::AssociationEvent>> reader =
        stub_->WatchEvents(&ctx, req);
    HD_LOG(kInfo, "xsp: watching events").kv("tenant", config_.tenant).kv("after", *cursor);
    watching_ = true;
    metrics_->WatchUp(true);
    v1::AssociationEvent ev;
    bool got_any = false;
    while (reader->Read(&ev)) {
      if (!got_any) {
        got_any = true;
        backoff = absl::Milliseconds(200);
      }
      if (ev.snapshot() ||
          (ev.type() != v1::EVENT_TYPE_ESTABLISHED && ev.type() != v1::EVENT_TYPE_CANCELLED)) {
        continue;
      }
      if (Handle(ev) == RunResult::kInterrupted) break;
      if (absl::Status s = store_->SaveCursor(ev.cursor()); !s.ok()) {
        HD_LOG(kError, "xsp: cannot save cursor")
            .kv("cursor", ev.cursor())
            .kv("error", s.message());
      }
      {
        std::lock_guard<std::mutex> lock(mu_);
        cursor_ = ev.cursor();
      }
      if (stopping_) break;
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      ctx_ = nullptr;
    }
    ctx.TryCancel();
    grpc::Status st = reader->Finish();
    watching_ = false;
    metrics_->WatchUp(false);
    if (stopping_) break;
    if (st.error_code() == grpc::StatusCode::OUT_OF_RANGE) {
      // The stream no longer holds our cursor: events were lost while the bridge was away.
      HD_LOG(kError,
             "xsp: cursor older than the stream's retention; resuming from now, "
             "changes made meanwhile were not applied to BroadWorks")
          .kv("cursor", *cursor);
      (void)store_->SaveCursor("");
      continue;
    }
    HD_LOG(kWarn, "xsp: event stream ended; reconnecting")
        .kv("code", static_cast<int>(st.error_code()))
        .kv("error", st.error_message())
        .kv("backoff", absl::FormatDuration(backoff));
    SleepOrStop(backoff);
    backoff = std::min(backoff * 2, absl::Seconds(10));
  }
}

void Outbound::SaveRecord(const SeqRecord& rec, bool is_new) {
  for (int attempt = 0; attempt < 3; ++attempt) {
    absl::Status s = store_->Save(rec, is_new);
    if (s.ok()) return;
    HD_LOG(kWarn, "xsp: cannot record sequence progress in redis")
        .kv("cursor", rec.cursor)
        .kv("error", s.message());
    absl::SleepFor(absl::Milliseconds(200));
  }
}

Outbound::RunResult Outbound::Handle(const v1::AssociationEvent& ev) {
  const char* kind = ev.type() == v1::EVENT_TYPE_ESTABLISHED ? "establish" : "cancel";
  if (ev.source() == v1::SOURCE_XSP) {
    // Made by this bridge from a platform change: BroadWorks already has it.
    HD_LOG(kDebug, "xsp: skipping own event").kv("cursor", ev.cursor()).kv("kind", kind);
    metrics_->Sequence(kind, "skipped_source_xsp");
    return RunResult::kEnded;
  }
  bool is_new = false;
  SeqRecord rec;
  absl::StatusOr<SeqRecord> loaded = store_->Load(ev.cursor());
  // Without knowing whether this sequence already ran, running it could repeat it: wait for Redis.
  while (!loaded.ok() && loaded.status().code() != absl::StatusCode::kNotFound) {
    HD_LOG(kWarn, "xsp: cannot read sequence progress from redis; waiting")
        .kv("cursor", ev.cursor())
        .kv("error", loaded.status().message());
    if (!SleepOrStop(absl::Seconds(1))) return RunResult::kInterrupted;
    loaded = store_->Load(ev.cursor());
  }
  if (loaded.ok()) {
    rec = std::move(*loaded);
    if (rec.state == "done" || rec.state == "failed") {
      // Already ended before a restart: never run twice.
      HD_LOG(kInfo, "xsp: sequence already ended, not repeated")
          .kv("cursor", ev.cursor())
          .kv("state", rec.state);
      metrics_->Sequence(kind, "already_ended");
      return RunResult::kEnded;
    }
  }
  absl::StatusOr<Plan> plan = PlanFor(ev, *ids_, config_.outbound);
  if (!loaded.ok()) {
    is_new = true;
    rec.cursor = ev.cursor();
    rec.kind = kind;
    rec.host = ev.association().host();
    rec.guest = ev.association().guest();
    rec.state = "running";
    if (plan.ok()) {
      rec.bw_host = plan->bw_host;
      rec.bw_guest = plan->bw_guest;
      for (const PlannedStep& s : plan->steps) rec.steps.push_back(PendingStep(s.name));
    }
  }
  if (!plan.ok()) {
    rec.state = "failed";
    rec.error = std::string(plan.status().message());
    SaveRecord(rec, is_new);
    metrics_->Sequence(kind, "failed");
    HD_LOG(kError, "xsp: sequence not run: ids not mapped")
        .kv("cursor", ev.cursor())
        .kv("host", rec.host)
        .kv("guest", rec.guest)
        .kv("error", rec.error);
    return RunResult::kEnded;
  }
  if (rec.steps.size() != plan->steps.size()) {
    // Configuration changed between runs: start the record over with the current plan.
    rec.steps.clear();
    for (const PlannedStep& s : plan->steps) rec.steps.push_back(PendingStep(s.name));
  }
  if (is_new) SaveRecord(rec, true);
  HD_LOG(kInfo, is_new ? "xsp: sequence started" : "xsp: sequence resumed")
      .kv("cursor", ev.cursor())
      .kv("kind", kind)
      .kv("host", plan->bw_host)
      .kv("guest", plan->bw_guest);
  for (size_t i = 0; i < plan->steps.size(); ++i) {
    StepRecord& sr = rec.steps[i];
    if (sr.outcome == "ok" || sr.outcome == "skipped") continue;
    if (!RunStep(*plan, plan->steps[i], &sr)) {
      SaveRecord(rec, false);
      HD_LOG(kWarn, "xsp: stopping with a sequence half done; it resumes after restart")
          .kv("cursor", ev.cursor())
          .kv("step", sr.name);
      return RunResult::kInterrupted;
    }
    metrics_->Step(sr.name, sr.outcome);
    if (sr.outcome == "failed") {
      for (size_t j = i + 1; j < rec.steps.size(); ++j) rec.steps[j].outcome = "not_run";
      rec.state = "failed";
      rec.error = absl::StrCat(sr.name, ": ", sr.detail);
      SaveRecord(rec, false);
      metrics_->Sequence(kind, "failed");
      HD_LOG(kError, "xsp: sequence failed")
          .kv("cursor", ev.cursor())
          .kv("kind", kind)
          .kv("step", sr.name)
          .kv("attempts", sr.attempts)
          .kv("error", sr.detail);
      return RunResult::kEnded;
    }
    SaveRecord(rec, false);
  }
  rec.state = "done";
  SaveRecord(rec, false);
  metrics_->Sequence(kind, "done");
  HD_LOG(kInfo, "xsp: sequence done").kv("cursor", ev.cursor()).kv("kind", kind);
  return RunResult::kEnded;
}

bool Outbound::RunStep(const Plan& plan, const PlannedStep& step, StepRecord* rec) {
  const OutboundConfig& oc = config_.outbound;
  const std::string path = ServicePath(step.user, step.service);
  absl::Duration backoff = oc.backoff_initial;
  for (int attempt = 0;; ++attempt) {
    rec->attempts++;
    HttpResult r;
    bool do_put = true;
    if (step.only_if_agent_signed_in) {
      r = client_.Request("GET", path, "", oc.step_timeout);
      if (Success(r.status)) {
        absl::StatusOr<CallCenterDoc> cc = ParseCallCenter(r.body);
        if (!cc.ok()) {
          r.status = 502;  // an answer we cannot read is treated like a server failure
          r.error = std::string(cc.status().message());
          do_put = false;
        } else if (cc->agent_acd_state.value_or("Sign-Out") == "Sign-Out") {
          rec->outcome = "skipped";
          rec->http_status = r.status;
          rec->detail = "agent not signed in";
          return true;
        }
      } else if (!Retryable(r.status)) {
        rec->outcome = "skipped";
        rec->http_status = r.status;
        rec->detail = absl::StrCat("no call-centre agent: ", DescribeFailure(r));
        return true;
      } else {
        do_put = false;
      }
    }
    if (do_put) {
      if (step.expect_echo) echo_->Expect(plan.guest, step.echo_host, absl::Now());
      r = client_.Request("PUT", path, step.body, oc.step_timeout);
    }
    rec->http_status = r.status;
    if (do_put && Success(r.status)) {
      rec->outcome = "ok";
      rec->detail.clear();
      return true;
    }
    rec->detail = r.status == 502 && !r.error.empty() ? absl::StrCat("bad reply: ", r.error)
                                                      : DescribeFailure(r);
    bool more = Retryable(r.status) && attempt < oc.step_retries;
    if (!more) {
      rec->outcome = "failed";
      return true;
    }
    metrics_->Step(step.name, "retry");
    HD_LOG(kWarn, "xsp: step failed; retrying")
        .kv("step", step.name)
        .kv("user", step.user)
        .kv("attempt", attempt + 1)
        .kv("error", rec->detail)
        .kv("backoff", absl::FormatDuration(backoff));
    if (!SleepOrStop(backoff)) {
      rec->outcome = "pending";
      return false;
    }
    backoff = std::min(backoff * 2, oc.backoff_max);
  }
}

}  // namespace hotdesk::xsp
