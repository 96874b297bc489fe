// Violations found by the fault suite, counted by kind with the first few examples of each,
// so that a failed run says precisely what broke.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <ostream>
#include <string>
#include <vector>

namespace hotdesk::faults {

class Violations {
 public:
  static constexpr size_t kExamplesPerKind = 5;

  void Add(const std::string& kind, const std::string& example) {
    std::lock_guard<std::mutex> lock(mu_);
    ++counts_[kind];
    auto& ex = examples_[kind];
    if (ex.size() < kExamplesPerKind) ex.push_back(example);
  }
  int64_t Count(const std::string& kind) const {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = counts_.find(kind);
    return it == counts_.end() ? 0 : it->second;
  }
  int64_t Total() const {
    std::lock_guard<std::mutex> lock(mu_);
    int64_t n = 0;
    for (const auto& [k, c] : counts_) n += c;
    return n;
  }
  // Takes a kind out (e.g. loss that a run measures rather than forbids); returns its count.
  int64_t Remove(const std::string& kind) {
    std::lock_guard<std::mutex> lock(mu_);
    int64_t n = counts_.count(kind) ? counts_[kind] : 0;
    counts_.erase(kind);
    examples_.erase(kind);
    return n;
  }
  std::map<std::string, int64_t> Counts() const {
    std::lock_guard<std::mutex> lock(mu_);
    return counts_;
  }
  // "kind: count" lines, each followed by its examples.
  void Print(std::ostream& out) const {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [kind, n] : counts_) {
      out << "  " << kind << ": " << n << "\n";
      for (const auto& e : examples_.at(kind)) out << "      e.g. " << e << "\n";
    }
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, int64_t> counts_;
  std::map<std::string, std::vector<std::string>> examples_;
};

}  // namespace hotdesk::faults
