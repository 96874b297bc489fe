#include "tests/faults/load.h"

#include <algorithm>
#include <random>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "hotdesk/v1/associations.grpc.pb.h"
#include "tests/faults/web_client.h"

namespace hotdesk::faults {
namespace {

std::string CodeName(grpc::StatusCode code) {
  return absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
}

// Without a definite answer: the call may or may not have landed, so it is retried with its id.
bool Retryable(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::CANCELLED:
    case grpc::StatusCode::UNKNOWN:
    case grpc::StatusCode::INTERNAL:
    case grpc::StatusCode::ABORTED:
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return true;
    default:
      return false;
  }
}

StreamId Cursor(const std::string& text) {
  auto id = StreamId::Parse(text);
  return id ? *id : StreamId{};
}

}  // namespace

Load::Load(LoadConfig config, Deployment* deployment)
    : config_(std::move(config)), deployment_(deployment) {}

Load::~Load() { Stop(); }

void Load::Start() {
  for (int c = 0; c < config_.clients; ++c) threads_.emplace_back([this, c] { Run(c); });
}

void Load::Stop() {
  stop_ = true;
  for (auto& t : threads_) t.join();
  threads_.clear();
}

std::map<std::string, int64_t> Load::AttemptCodes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return codes_;
}

std::map<std::string, std::string> Load::FirstMessages() const {
  std::lock_guard<std::mutex> lock(mu_);
  return first_messages_;
}

std::map<std::string, int64_t> Load::WebAttemptCodes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return web_codes_;
}

std::vector<Op> Load::ops() const {
  std::lock_guard<std::mutex> lock(mu_);
  return ops_;
}

void Load::Run(int client) {
  // The sequence of operations depends only on the seed and the client number.
  std::mt19937_64 rng(config_.seed * 1000003u + static_cast<uint64_t>(client));
  for (uint64_t n = 0; !stop_; ++n) {
    if (started_.fetch_add(1) >= config_.max_ops && config_.max_ops > 0) {
      --started_;
      break;
    }
    Op op = Perform(client, n, rng());
    if (op.outcome == Outcome::kApplied || op.outcome == Outcome::kNoChange) ++acknowledged_;
    {
      std::lock_guard<std::mutex> lock(mu_);
      ops_.push_back(std::move(op));
    }
    if (config_.pause > absl::ZeroDuration())
      std::this_thread::sleep_for(absl::ToChronoNanoseconds(config_.pause));
  }
  ++done_clients_;
}

Op Load::Perform(int client, uint64_t n, uint64_t draw) {
  Op op;
  op.tenant = config_.tenants[draw % config_.tenants.size()];
  draw /= config_.tenants.size();
  std::string host = absl::StrCat("h", draw % config_.hosts);
  draw /= config_.hosts;
  std::string guest = absl::StrCat("g", draw % config_.guests);
  draw /= config_.guests;
  int pick = static_cast<int>(draw % 100);
  draw /= 100;
  const int webs = deployment_->webs();
  op.via_web = webs > 0 && static_cast<double>(draw % 1000) < config_.via_web * 1000;
  // 55 % login (replacing and roaming as it happens), 10 % login with a REJECT policy,
  // 20 % logout by host, 15 % logout by guest.
  op.kind = pick < 65 ? OpKind::kEstablish : pick < 85 ? OpKind::kCancelByHost
                                                       : OpKind::kCancelByGuest;
  op.reject_policy = pick >= 55 && pick < 65;
  if (op.kind != OpKind::kCancelByGuest) op.host = host;
  if (op.kind != OpKind::kCancelByHost) op.guest = guest;
  op.request_id =
      absl::StrCat(config_.id_prefix.empty() ? absl::StrCat("s", config_.seed) : config_.id_prefix,
                   "-c", client, "-", n);

  const std::string& token = deployment_->config().token;
  const int replicas = deployment_->replicas();
  // Where each attempt goes. gRPC operations: replica after replica. Through the web: gateway
  // after gateway, then the replicas over gRPC, round and round ([web0, web1, replica0, ...]).
  int endpoint = op.via_web ? client % webs : webs + client % replicas;
  absl::Time give_up = absl::Now() + config_.retry_budget;
  absl::Duration backoff = absl::Milliseconds(50);
  while (true) {
    ++op.attempts;
    const bool web = endpoint < webs;
    const int replica = web ? 0 : endpoint - webs;
    auto stub = v1::Associations::NewStub(deployment_->Channel(replica));
    auto ctx = CallContext(token, config_.attempt_deadline);
    const std::string path = absl::StrCat("/v1/tenants/", op.tenant, "/associations:",
                                          op.kind == OpKind::kEstablish ? "establish" : "cancel");
    grpc::Status st;
    if (op.kind == OpKind::kEstablish) {
      v1::EstablishRequest req;
      req.set_tenant(op.tenant);
      req.set_host(op.host);
      req.set_guest(op.guest);
      req.set_source(v1::SOURCE_API);
      req.set_request_id(op.request_id);
      if (op.reject_policy) {
        req.set_on_host_busy(v1::HOST_BUSY_POLICY_REJECT);
        req.set_on_guest_elsewhere(v1::GUEST_ELSEWHERE_POLICY_REJECT);
      }
      v1::EstablishResponse resp;
      st = web ? WebCall(deployment_->WebPort(endpoint), path, req, &resp, token,
                         config_.attempt_deadline)
               : stub->Establish(ctx.get(), req, &resp);
      if (st.ok()) {
        op.outcome = resp.unchanged() ? Outcome::kNoChange : Outcome::kApplied;
        op.cursor = Cursor(resp.cursor());
        op.result_host = resp.association().host();
        op.result_guest = resp.association().guest();
        for (const auto& s : resp.superseded()) op.superseded.push_back({s.host(), s.guest()});
      }
    } else {
      v1::CancelRequest req;
      req.set_tenant(op.tenant);
      req.set_host(op.host);
      req.set_guest(op.guest);
      req.set_reason(v1::CANCEL_REASON_LOGOUT);
      req.set_source(v1::SOURCE_API);
      req.set_request_id(op.request_id);
      v1::CancelResponse resp;
      st = web ? WebCall(deployment_->WebPort(endpoint), path, req, &resp, token,
                         config_.attempt_deadline)
               : stub->Cancel(ctx.get(), req, &resp);
      if (st.ok()) {
        op.outcome = Outcome::kApplied;
        op.cursor = Cursor(resp.cursor());
        op.result_host = resp.association().host();
        op.result_guest = resp.association().guest();
      }
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      std::string name = CodeName(st.error_code());
      if (++codes_[name] == 1 && !st.ok()) first_messages_[name] = st.error_message();
      if (web) ++web_codes_[name];
    }
    if (web) ++op.web_attempts;
    op.answered_ms = absl::ToUnixMillis(absl::Now());
    if (st.ok()) return op;
    op.detail = CodeName(st.error_code()) + ": " + st.error_message();
    if (st.error_code() == grpc::StatusCode::NOT_FOUND ||
        st.error_code() == grpc::StatusCode::FAILED_PRECONDITION) {
      op.outcome = Outcome::kNoChange;  // nothing to cancel, or a REJECT policy refused
      return op;
    }
    if (!Retryable(st.error_code())) {
      op.outcome = Outcome::kRejected;
      return op;
    }
    if (absl::Now() + backoff > give_up) {
      op.outcome = Outcome::kGaveUp;
      return op;
    }
    endpoint = op.via_web ? (endpoint + 1) % (webs + replicas)
                          : webs + (endpoint - webs + 1) % replicas;
    std::this_thread::sleep_for(absl::ToChronoNanoseconds(backoff));
    backoff = std::min(backoff * 2, absl::Seconds(1));
  }
}

}  // namespace hotdesk::faults
