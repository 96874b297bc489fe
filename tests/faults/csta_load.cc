#include "tests/faults/csta_load.h"

#include <random>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tests/csta/csta_test_client.h"

namespace hotdesk::faults {
namespace {

// "category/value" of a CSTAErrorCode (the categories error_map.h answers with).
std::string ErrorOf(const csta::testing::Message& m) {
  for (const char* category : {"operation", "stateIncompatibility", "systemResourceAvailability",
                               "security", "privateErrorCode"}) {
    std::string value = m.Find(category);
    if (!value.empty()) return absl::StrCat(category, "/", value);
  }
  return m.xml.substr(0, 120);
}

}  // namespace

CstaLoad::CstaLoad(CstaLoadConfig config, Deployment* deployment)
    : config_(std::move(config)), deployment_(deployment) {}

CstaLoad::~CstaLoad() { Stop(); }

void CstaLoad::Start() {
  for (int c = 0; c < config_.clients; ++c) threads_.emplace_back([this, c] { Run(c); });
}

void CstaLoad::Stop() {
  stop_ = true;
  for (auto& t : threads_) t.join();
  threads_.clear();
}

std::vector<CstaOp> CstaLoad::ops() const {
  std::lock_guard<std::mutex> lock(mu_);
  return ops_;
}

std::map<std::string, int64_t> CstaLoad::Answers() const {
  std::lock_guard<std::mutex> lock(mu_);
  return answers_;
}

void CstaLoad::Run(int client) {
  std::mt19937_64 rng(config_.seed * 7919u + static_cast<uint64_t>(client));
  const std::string name = absl::StrCat("csta", client);
  csta::testing::Client conn;
  int connection = 0, index = 0;
  bool connected = false;
  while (!stop_) {
    if (!connected) {
      // The gateway is restarted on the same port; connect again as soon as it listens.
      if (!conn.Connect(deployment_->CstaPort())) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        continue;
      }
      connected = true;
      ++connection;
      index = 0;
      if (connection > 1) ++reconnects_;
    }
    CstaOp op;
    op.client = name;
    op.connection = connection;
    op.index = ++index;
    uint64_t draw = rng();
    op.host = absl::StrCat("c", client, "h", draw % config_.devices);
    draw /= config_.devices;
    // 60 % loggedOn (the gateway's --on_host_busy=reject refuses a busy host; a guest elsewhere
    // moves), 40 % loggedOff of whoever is at the host.
    op.logged_on = draw % 100 < 60;
    draw /= 100;
    if (op.logged_on) op.guest = absl::StrCat("c", client, "g", draw % config_.devices);
    std::string answer;
    auto m = conn.Request(csta::testing::SetAgentStateXml(
                              op.host, op.logged_on ? "loggedOn" : "loggedOff", op.guest),
                          config_.answer_timeout);
    op.invoke = conn.next_invoke();  // the id Request just used
    if (!m) {
      op.outcome = CstaOutcome::kNoAnswer;
      answer = "no answer";
      conn.Close();
      connected = false;
    } else if (m->name == "SetAgentStateResponse") {
      op.outcome = CstaOutcome::kAcknowledged;
      answer = m->name;
    } else {
      op.outcome = CstaOutcome::kError;
      op.detail = ErrorOf(*m);
      answer = "error " + op.detail;
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      ops_.push_back(std::move(op));
      ++answers_[answer];
    }
    std::this_thread::sleep_for(absl::ToChronoNanoseconds(config_.pause));
  }
}

}  // namespace hotdesk::faults
