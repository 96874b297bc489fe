#include "services/bench/unary_load.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace hotdesk::bench {
namespace {

using Clock = std::chrono::steady_clock;

int64_t Nanos(Clock::duration d) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
}

Clock::duration ToChrono(absl::Duration d) {
  return std::chrono::duration_cast<Clock::duration>(absl::ToChronoNanoseconds(d));
}

class Driver {
 public:
  Driver(Workload& w, const LoadSpec& spec) : w_(w), spec_(spec) {
    for (const auto& name : w.KindNames()) {
      kinds_.push_back(std::make_unique<Kind>());
      kinds_.back()->name = name;
    }
  }

  LoadResult Run() {
    begin_ = Clock::now();
    if (spec_.max_ops > 0) {
      window_start_ = begin_;
      window_end_ = Clock::time_point::max();
    } else {
      window_start_ = begin_ + ToChrono(spec_.warmup);
      window_end_ = window_start_ + ToChrono(spec_.duration);
    }
    if (spec_.rate > 0) {
      RunOpenLoop();
    } else {
      for (int s = 0; s < spec_.slots; ++s) {
        if (!Claim()) break;
        Issue(s, Clock::now());
      }
      // A counted phase ends by itself when its calls are all started.
      if (spec_.max_ops <= 0) {
        std::this_thread::sleep_until(window_end_);
        stop_ = true;
      }
    }
    WaitIdle();
    return Collect();
  }

 private:
  struct Kind {
    std::string name;
    std::atomic<int64_t> ops{0};
    Histogram latency;
  };

  // Counts a call against max_ops; false when the phase has started all it may.
  bool Claim() {
    if (stop_) return false;
    if (spec_.max_ops <= 0) return true;
    int64_t n = started_.fetch_add(1);
    if (n >= spec_.max_ops) {
      stop_ = true;
      return false;
    }
    return true;
  }

  void Issue(int slot, Clock::time_point scheduled) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++outstanding_;
    }
    w_.Start(slot, [this, slot, scheduled](int kind, grpc::StatusCode code) {
      Clock::time_point now = Clock::now();
      bool ok = w_.Expected(kind, code);
      if (!ok) {
        std::lock_guard<std::mutex> lock(mu_);
        ++errors_;
        ++error_codes_[absl::StrCat(kinds_[kind]->name, ":", CodeName(code))];
      }
      // Only successful calls count as throughput and latency; failures are errors.
      if (ok && now >= window_start_ && now <= window_end_) {
        kinds_[kind]->ops.fetch_add(1);
        kinds_[kind]->latency.Record(Nanos(now - scheduled));
        if (spec_.max_ops > 0) {
          std::lock_guard<std::mutex> lock(mu_);
          if (now > last_done_) last_done_ = now;
        }
      }
      if (spec_.rate > 0) {
        std::lock_guard<std::mutex> lock(mu_);
        free_slots_.push_back(slot);
      } else if (Clock::now() < window_end_ && Claim()) {
        Issue(slot, Clock::now());
      }
      std::lock_guard<std::mutex> lock(mu_);
      if (--outstanding_ == 0) idle_.notify_all();
    });
  }

  void RunOpenLoop() {
    for (int s = spec_.slots - 1; s >= 0; --s) free_slots_.push_back(s);
    auto interval = std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(1.0 / spec_.rate));
    Clock::time_point next = begin_;
    bool late = false;
    int64_t started = 0;
    while (next < window_end_) {
      if (Clock::now() < next) std::this_thread::sleep_until(next);
      int slot = -1;
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (!free_slots_.empty()) {
          slot = free_slots_.back();
          free_slots_.pop_back();
        }
      }
      if (slot < 0) {
        // Every slot busy: the call starts late (its latency still counts from `next`).
        if (!late) ++late_starts_;
        late = true;
        std::this_thread::sleep_for(std::chrono::microseconds(50));
        continue;
      }
      late = false;
      Issue(slot, next);
      ++started;
      next += interval;
    }
    stop_ = true;
    double elapsed = std::chrono::duration<double>(Clock::now() - begin_).count();
    started_per_sec_ = elapsed > 0 ? static_cast<double>(started) / elapsed : 0;
  }

  void WaitIdle() {
    std::unique_lock<std::mutex> lock(mu_);
    idle_.wait(lock, [this] { return outstanding_ == 0; });
  }

  LoadResult Collect() {
    LoadResult r;
    Clock::time_point end = spec_.max_ops > 0 ? last_done_ : window_end_;
    r.seconds = std::chrono::duration<double>(end - window_start_).count();
    for (auto& k : kinds_) {
      KindStats ks;
      ks.name = k->name;
      ks.ops = k->ops.load();
      ks.latency = k->latency.Summarize();
      r.ops += ks.ops;
      r.kinds.push_back(std::move(ks));
    }
    r.ops_per_sec = r.seconds > 0 ? static_cast<double>(r.ops) / r.seconds : 0;
    r.errors = errors_;
    r.error_codes = error_codes_;
    r.late_starts = late_starts_;
    r.started_per_sec = started_per_sec_;
    return r;
  }

  Workload& w_;
  LoadSpec spec_;
  std::vector<std::unique_ptr<Kind>> kinds_;
  Clock::time_point begin_, window_start_, window_end_;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> started_{0};
  int64_t late_starts_ = 0;     // pacing thread only
  double started_per_sec_ = 0;  // pacing thread only

  std::mutex mu_;
  std::condition_variable idle_;
  int64_t outstanding_ = 0;
  int64_t errors_ = 0;
  std::map<std::string, int64_t> error_codes_;
  std::vector<int> free_slots_;
  Clock::time_point last_done_;
};

}  // namespace

LoadResult RunLoad(Workload& workload, const LoadSpec& spec) {
  Driver d(workload, spec);
  return d.Run();
}

std::vector<std::shared_ptr<grpc::Channel>> MakeChannels(const std::string& target, int count) {
  std::vector<std::shared_ptr<grpc::Channel>> out;
  for (int i = 0; i < count; ++i) {
    grpc::ChannelArguments args;
    args.SetInt("grpc.channel_id", i);
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    out.push_back(grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args));
  }
  return out;
}

std::string CodeName(grpc::StatusCode code) {
  std::string name = absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
  return name.empty() ? absl::StrCat("CODE_", static_cast<int>(code)) : name;
}

}  // namespace hotdesk::bench
