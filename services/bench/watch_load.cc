#include "services/bench/watch_load.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "hotdesk/v1/associations.grpc.pb.h"
#include "services/bench/unary_load.h"
#include "services/bench/workloads.h"

namespace hotdesk::bench {
namespace {

// The request_id of the one Establish made between the probe watchers and the rest (below).
constexpr char kWarmRequestId[] = "bench-watch-warm";

struct WatchState {
  std::atomic<bool> stopping{false};
  int warm_seen = 0;  // under mu
  std::atomic<int64_t> received{0};
  std::mutex mu;
  std::condition_variable cv;
  int subscribed = 0;
  int done = 0;
  int64_t errors = 0;
  std::map<std::string, int64_t> error_codes;

  void Error(const std::string& what) {
    std::lock_guard<std::mutex> lock(mu);
    ++errors;
    ++error_codes[what];
  }
};

class Watcher final : public grpc::ClientReadReactor<v1::AssociationEvent> {
 public:
  explicit Watcher(WatchState* st) : st_(st) {}

  void Begin(v1::Associations::Stub* stub, const std::string& tenant) {
    // The snapshot's SNAPSHOT_COMPLETE tells us this watcher is live: every later commit
    // reaches it.
    req_.set_tenant(tenant);
    req_.set_include_snapshot(true);
    stub->async()->WatchEvents(&ctx_, &req_, this);
    StartRead(&ev_);
    StartCall();
  }

  void Cancel() { ctx_.TryCancel(); }

  void OnReadDone(bool ok) override {
    if (!ok) return;  // OnDone follows with the status
    absl::Time now = absl::Now();
    if (ev_.type() == v1::EVENT_TYPE_SNAPSHOT_COMPLETE) {
      std::lock_guard<std::mutex> lock(st_->mu);
      ++st_->subscribed;
      st_->cv.notify_all();
    } else if (!ev_.snapshot() && ev_.request_id() == kWarmRequestId) {
      // Not part of the measured load: it only shows the server follows the tenant.
      std::lock_guard<std::mutex> lock(st_->mu);
      ++st_->warm_seen;
      st_->cv.notify_all();
    } else if (!ev_.snapshot()) {
      absl::Time committed =
          absl::FromUnixSeconds(ev_.time().seconds()) + absl::Nanoseconds(ev_.time().nanos());
      // No lock: this reactor's next OnReadDone cannot start before the StartRead below.
      lags_.push_back(absl::ToInt64Nanoseconds(now - committed));
      last_receipt_ = now;
      st_->received.fetch_add(1, std::memory_order_relaxed);
    }
    StartRead(&ev_);
  }

  // Valid once OnDone has run.
  const std::vector<int64_t>& lags() const { return lags_; }
  absl::Time last_receipt() const { return last_receipt_; }

  void OnDone(const grpc::Status& s) override {
    bool expected = st_->stopping.load() && s.error_code() == grpc::StatusCode::CANCELLED;
    if (!expected) st_->Error(absl::StrCat("watch:", CodeName(s.error_code())));
    std::lock_guard<std::mutex> lock(st_->mu);
    ++st_->done;
    st_->cv.notify_all();
  }

 private:
  WatchState* st_;
  grpc::ClientContext ctx_;
  v1::WatchEventsRequest req_;
  v1::AssociationEvent ev_;
  std::vector<int64_t> lags_;
  absl::Time last_receipt_ = absl::InfinitePast();
};

// Establishes fresh pairs at `rate` per second for `duration`; returns how many committed.
int64_t Produce(v1::Associations::Stub* stub, const std::string& tenant, double rate,
                absl::Duration duration, WatchState* st) {
  struct Pending {
    std::mutex mu;
    std::condition_variable cv;
    int outstanding = 0;
    int64_t committed = 0;
  } p;
  using Clock = std::chrono::steady_clock;
  auto interval =
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / rate));
  Clock::time_point start = Clock::now();
  Clock::time_point end =
      start + std::chrono::duration_cast<Clock::duration>(absl::ToChronoNanoseconds(duration));
  Clock::time_point next = start;
  for (int64_t i = 0; next < end; ++i, next += interval) {
    std::this_thread::sleep_until(next);
    struct EstablishCall {
      grpc::ClientContext ctx;
      v1::EstablishRequest req;
      v1::EstablishResponse resp;
    };
    auto* c = new EstablishCall;
    c->ctx.set_deadline(absl::ToChronoTime(absl::Now() + kCallTimeout));
    c->req.set_tenant(tenant);
    c->req.set_host(absl::StrCat("wdesk-", i));
    c->req.set_guest(absl::StrCat("wuser-", i));
    {
      std::lock_guard<std::mutex> lock(p.mu);
      ++p.outstanding;
    }
    stub->async()->Establish(&c->ctx, &c->req, &c->resp, [c, &p, st](grpc::Status s) {
      bool committed = s.ok() && !c->resp.unchanged();
      if (!s.ok()) st->Error(absl::StrCat("produce:", CodeName(s.error_code())));
      delete c;
      std::lock_guard<std::mutex> lock(p.mu);
      if (committed) ++p.committed;
      if (--p.outstanding == 0) p.cv.notify_all();
    });
  }
  std::unique_lock<std::mutex> lock(p.mu);
  p.cv.wait(lock, [&] { return p.outstanding == 0; });
  return p.committed;
}

}  // namespace

absl::StatusOr<WatchResult> RunWatchLoad(const WatchSpec& spec) {
  WatchResult r;
  r.watchers = spec.watchers;
  r.probe_watchers = std::min(spec.probe_watchers, spec.watchers);
  auto channels = MakeChannels(spec.server, std::max(1, spec.channels));
  std::vector<std::unique_ptr<v1::Associations::Stub>> stubs;
  for (const auto& ch : channels) stubs.push_back(v1::Associations::NewStub(ch));
  auto producer_channel = MakeChannels(spec.server, 1);
  auto producer = v1::Associations::NewStub(producer_channel[0]);

  auto count_conns = [&]() -> int {
    if (!spec.redis_clients) return -1;
    auto n = spec.redis_clients();
    return n.ok() ? *n : -1;
  };
  r.conns_before = count_conns();

  WatchState st;
  std::vector<std::unique_ptr<Watcher>> watchers;
  absl::Time sub_start = absl::Now();
  auto open_and_wait = [&](int upto) {
    while (static_cast<int>(watchers.size()) < upto) {
      watchers.push_back(std::make_unique<Watcher>(&st));
      watchers.back()->Begin(stubs[watchers.size() % stubs.size()].get(), spec.tenant);
    }
    std::unique_lock<std::mutex> lock(st.mu);
    st.cv.wait_for(lock, absl::ToChronoNanoseconds(spec.subscribe_timeout),
                   [&] { return st.subscribed + st.done >= upto; });
    return st.subscribed;
  };
  open_and_wait(r.probe_watchers);
  // A watcher is live at SNAPSHOT_COMPLETE, but the server may still be opening its Redis
  // subscription for the tenant (live events are caught up from the store meanwhile). Count
  // connections once an event has reached every probe watcher: the subscription is in place.
  {
    grpc::ClientContext ctx;
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + kCallTimeout));
    v1::EstablishRequest req;
    req.set_tenant(spec.tenant);
    req.set_host("wdesk-warm");
    req.set_guest("wuser-warm");
    req.set_request_id(kWarmRequestId);
    v1::EstablishResponse resp;
    grpc::Status s = producer->Establish(&ctx, req, &resp);
    if (!s.ok()) st.Error(absl::StrCat("produce:", CodeName(s.error_code())));
    std::unique_lock<std::mutex> lock(st.mu);
    st.cv.wait_for(lock, absl::ToChronoNanoseconds(spec.subscribe_timeout),
                   [&] { return st.warm_seen + st.done >= st.subscribed; });
  }
  r.conns_probe = count_conns();
  r.subscribed = open_and_wait(spec.watchers);
  r.subscribe_seconds = absl::ToDoubleSeconds(absl::Now() - sub_start);
  r.conns_all = count_conns();
  if (r.subscribed < spec.watchers) {
    st.Error("watch:NOT_SUBSCRIBED");
  }

  absl::Time produce_start = absl::Now();
  r.events = Produce(producer.get(), spec.tenant, spec.rate, spec.produce, &st);
  r.expected = r.events * r.subscribed;
  // Deliveries still in flight: poll, since watchers only signal every few hundred receipts.
  absl::Time drain_end = absl::Now() + spec.drain_timeout;
  while (st.received.load() < r.expected && absl::Now() < drain_end) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  st.stopping = true;
  for (auto& w : watchers) w->Cancel();
  {
    std::unique_lock<std::mutex> lock(st.mu);
    st.cv.wait(lock, [&] { return st.done == static_cast<int>(watchers.size()); });
  }
  r.received = st.received.load();
  if (r.received < r.expected) {
    st.Error("watch:MISSING_DELIVERIES");
  } else if (r.received > r.expected) {
    st.Error("watch:DUPLICATE_DELIVERIES");
  }
  Histogram lag;
  absl::Time last_receipt = produce_start;
  for (const auto& w : watchers) {
    lag.RecordAll(w->lags());
    last_receipt = std::max(last_receipt, w->last_receipt());
  }
  double span = absl::ToDoubleSeconds(last_receipt - produce_start);
  r.deliveries_per_sec = span > 0 ? static_cast<double>(r.received) / span : 0;
  r.lag = lag.Summarize();
  r.errors = st.errors;
  r.error_codes = st.error_codes;
  return r;
}

}  // namespace hotdesk::bench
