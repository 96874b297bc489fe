// Concurrent clients doing random establish / cancel / roam with request ids. A call that fails
// without a definite answer is retried with the same request id on the next replica, as a
// client behind a load balancer would, until it gets an answer or its retry budget is spent.
// A share of the operations goes through the hotdesk-web gateways (HTTP/JSON) instead, retried
// the same way on the next gateway or over gRPC.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "tests/faults/deployment.h"
#include "tests/faults/history.h"

namespace hotdesk::faults {

struct LoadConfig {
  int clients = 8;
  std::vector<std::string> tenants;
  int hosts = 12;   // per tenant; few, so that logins collide, replace and roam
  int guests = 12;
  uint64_t seed = 1;
  int64_t max_ops = 0;  // 0 = until Stop
  absl::Duration attempt_deadline = absl::Seconds(3);
  absl::Duration retry_budget = absl::Seconds(60);
  // Share of operations made through hotdesk-web (needs the deployment's webs).
  double via_web = 0;
  // Request ids are <id_prefix>-c<client>-<n>; "" = s<seed>. Loads that run side by side need
  // prefixes of their own.
  std::string id_prefix;
  // Between a client's operations (a light load, e.g. the XSP tenant's); 0 = none.
  absl::Duration pause = absl::ZeroDuration();
};

class Load {
 public:
  Load(LoadConfig config, Deployment* deployment);
  ~Load();

  void Start();
  // No new operations; the ones in flight finish (answered or out of budget). Joins.
  void Stop();
  bool Done() const { return done_clients_.load() == config_.clients; }

  int64_t started() const { return started_.load(); }
  int64_t acknowledged() const { return acknowledged_.load(); }
  // Attempts by final gRPC status code name of each attempt ("OK", "UNAVAILABLE", ...).
  std::map<std::string, int64_t> AttemptCodes() const;
  // The first error message seen for each code.
  std::map<std::string, std::string> FirstMessages() const;
  // The attempts made through hotdesk-web, by the code their HTTP answer maps to.
  std::map<std::string, int64_t> WebAttemptCodes() const;
  std::vector<Op> ops() const;

 private:
  void Run(int client);
  Op Perform(int client, uint64_t n, uint64_t draw);

  LoadConfig config_;
  Deployment* deployment_;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> started_{0};
  std::atomic<int64_t> acknowledged_{0};
  std::atomic<int> done_clients_{0};
  mutable std::mutex mu_;
  std::vector<Op> ops_;
  std::map<std::string, int64_t> codes_;
  std::map<std::string, std::string> first_messages_;
  std::map<std::string, int64_t> web_codes_;
  std::vector<std::thread> threads_;
};

}  // namespace hotdesk::faults
