#include "services/bench/histogram.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <thread>

namespace hotdesk::bench {

void Histogram::Record(int64_t nanos) {
  if (nanos < 0) nanos = 0;
  size_t i = std::hash<std::thread::id>()(std::this_thread::get_id()) % kShards;
  std::lock_guard<std::mutex> lock(shards_[i].mu);
  shards_[i].samples.push_back(nanos);
}

void Histogram::RecordAll(const std::vector<int64_t>& nanos) {
  std::lock_guard<std::mutex> lock(shards_[0].mu);
  for (int64_t v : nanos) shards_[0].samples.push_back(v < 0 ? 0 : v);
}

std::vector<int64_t> Histogram::Samples() const {
  std::vector<int64_t> all;
  for (const auto& s : shards_) {
    std::lock_guard<std::mutex> lock(s.mu);
    all.insert(all.end(), s.samples.begin(), s.samples.end());
  }
  return all;
}

int64_t Histogram::Count() const {
  int64_t n = 0;
  for (const auto& s : shards_) {
    std::lock_guard<std::mutex> lock(s.mu);
    n += static_cast<int64_t>(s.samples.size());
  }
  return n;
}

LatencySummary Histogram::Summarize() const {
  std::vector<int64_t> all;
  for (const auto& s : shards_) {
    std::lock_guard<std::mutex> lock(s.mu);
    all.insert(all.end(), s.samples.begin(), s.samples.end());
  }
  LatencySummary out;
  out.count = static_cast<int64_t>(all.size());
  if (all.empty()) return out;
  std::sort(all.begin(), all.end());
  auto at = [&](double q) {
    // Nearest rank: the smallest sample with at least q of all samples at or below it.
    size_t rank = static_cast<size_t>(std::ceil(q * static_cast<double>(all.size())));
    rank = std::clamp<size_t>(rank, 1, all.size());
    return static_cast<double>(all[rank - 1]) / 1e6;
  };
  out.p50 = at(0.50);
  out.p90 = at(0.90);
  out.p99 = at(0.99);
  out.p999 = at(0.999);
  out.max = static_cast<double>(all.back()) / 1e6;
  long double sum = 0;
  for (int64_t v : all) sum += v;
  out.mean = static_cast<double>(sum / all.size()) / 1e6;
  return out;
}

}  // namespace hotdesk::bench
