// CSTA clients (tests/csta's test client, real TCP) doing SetAgentState loggedOn/loggedOff
// through hotdesk-csta on hosts and guests of their own in one tenant, reconnecting when the
// gateway goes away. What they were answered is judged by CheckCsta (history_checker.h).
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "tests/faults/deployment.h"
#include "tests/faults/history.h"

namespace hotdesk::faults {

struct CstaLoadConfig {
  int clients = 2;
  std::string tenant;
  int devices = 4;  // hosts and guests per client: c<k>h<i>, c<k>g<i>
  uint64_t seed = 1;
  absl::Duration pause = absl::Milliseconds(20);  // between a client's requests
  // Longer than the gateway's own retry budget (--rpc_retry_budget, 20 s): an answer the gateway
  // still gives is waited for.
  absl::Duration answer_timeout = absl::Seconds(30);
};

class CstaLoad {
 public:
  CstaLoad(CstaLoadConfig config, Deployment* deployment);
  ~CstaLoad();
  void Start();
  void Stop();  // joins
  std::vector<CstaOp> ops() const;
  // Answers by kind ("SetAgentStateResponse", "error operation/invalidAgentState",
  // "no answer"), and how often the clients reconnected.
  std::map<std::string, int64_t> Answers() const;
  int64_t reconnects() const { return reconnects_.load(); }

 private:
  void Run(int client);

  CstaLoadConfig config_;
  Deployment* deployment_;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> reconnects_{0};
  mutable std::mutex mu_;
  std::vector<CstaOp> ops_;
  std::map<std::string, int64_t> answers_;
  std::vector<std::thread> threads_;
};

}  // namespace hotdesk::faults
