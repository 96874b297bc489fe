// The gateway in-process, over a socket pair, against a real hotdesk-server: the ordering of
// MonitorStart against events, forced with an interceptor on the gateway's channel that makes a
// change happen exactly around the gateway's read of the association.
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include <grpcpp/support/client_interceptor.h>
#include <gtest/gtest.h>

#include "absl/time/clock.h"
#include "adapters/common/cursor_store.h"
#include "adapters/common/event_follower.h"
#include "adapters/csta/connection.h"
#include "adapters/csta/frame_codec.h"
#include "adapters/csta/gateway.h"
#include "adapters/csta/metrics.h"
#include "adapters/csta/transport.h"
#include "tests/csta/csta_test_client.h"
#include "tests/support/processes.h"

namespace hotdesk::csta {
namespace {

constexpr absl::Duration kWait = absl::Seconds(10);

// Runs `before` / `after` (once each) around the next GetAssociation on the channel.
struct GetHooks {
  std::mutex mu;
  std::function<void()> before, after;
  std::function<void()> Take(std::function<void()>* f) {
    std::lock_guard<std::mutex> lock(mu);
    std::function<void()> out;
    out.swap(*f);
    return out;
  }
};

class HookInterceptor : public grpc::experimental::Interceptor {
 public:
  HookInterceptor(grpc::experimental::ClientRpcInfo* info, GetHooks* hooks)
      : get_(std::string(info->method()) == "/hotdesk.v1.Associations/GetAssociation"),
        hooks_(hooks) {}
  void Intercept(grpc::experimental::InterceptorBatchMethods* m) override {
    using grpc::experimental::InterceptionHookPoints;
    if (get_ && m->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      if (auto f = hooks_->Take(&hooks_->before)) f();
    }
    if (get_ && m->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_STATUS)) {
      if (auto f = hooks_->Take(&hooks_->after)) f();
    }
    m->Proceed();
  }

 private:
  bool get_;
  GetHooks* hooks_;
};

class HookFactory : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  explicit HookFactory(GetHooks* hooks) : hooks_(hooks) {}
  grpc::experimental::Interceptor* CreateClientInterceptor(
      grpc::experimental::ClientRpcInfo* info) override {
    return new HookInterceptor(info, hooks_);
  }

 private:
  GetHooks* hooks_;
};

class GatewayInProcess : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(core_.Start(""));
    std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>> f;
    f.push_back(std::make_unique<HookFactory>(&hooks_));
    channel_ = grpc::experimental::CreateCustomChannelWithInterceptors(
        core_.addr(), grpc::InsecureChannelCredentials(), grpc::ChannelArguments(), std::move(f));
    stub_ = v1::Associations::NewStub(core_.Channel());
    config_.tenant = "default";
    config_.default_namespace = "http://www.ecma-international.org/standards/ecma-323/csta/ed3";
    gateway_ = std::make_unique<Gateway>(config_, channel_, &metrics_);
    adapters::FollowerCallbacks cb;
    cb.on_event = [this](const adapters::Delivery& d) {
      gateway_->OnEvent(d.event);
      std::lock_guard<std::mutex> lock(mu_);
      delivered_.push_back(d.event.cursor());
      cv_.notify_all();
      return absl::OkStatus();
    };
    adapters::FollowerOptions o;
    o.tenant = "default";
    follower_ = std::make_unique<adapters::EventFollower>(channel_, &store_, o, cb);
    follower_->Start();
    ASSERT_TRUE(follower_->WaitSynced(kWait));
    int fds[2];
    ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds), 0);
    client_fd_ = fds[1];
    ConnectionOptions co;
    co.status_on_connect = false;
    co.heartbeat_interval = absl::ZeroDuration();
    co.default_namespace = config_.default_namespace;
    co.private_namespace = config_.private_namespace;
    conn_ = std::make_shared<Connection>(1, PlainTransport(fds[0]), "pair", co, gateway_.get(),
                                         &metrics_);
    conn_thread_ = std::thread([this] { conn_->Run(); });
  }
  void TearDown() override {
    if (conn_) conn_->Stop();
    if (conn_thread_.joinable()) conn_thread_.join();
    if (follower_) follower_->Stop();
    if (client_fd_ >= 0) close(client_fd_);
    core_.Stop();
  }

  std::string Establish(const std::string& host, const std::string& guest) {
    v1::EstablishRequest req;
    req.set_tenant("default");
    req.set_host(host);
    req.set_guest(guest);
    v1::EstablishResponse resp;
    grpc::ClientContext ctx;
    EXPECT_TRUE(stub_->Establish(&ctx, req, &resp).ok());
    return resp.cursor();
  }
  void Cancel(const std::string& host) {
    v1::CancelRequest req;
    req.set_tenant("default");
    req.set_host(host);
    v1::CancelResponse resp;
    grpc::ClientContext ctx;
    EXPECT_TRUE(stub_->Cancel(&ctx, req, &resp).ok());
  }
  // Until the follower has handed the event at `cursor` to the gateway.
  bool WaitDelivered(const std::string& cursor) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, absl::ToChronoNanoseconds(kWait), [&] {
      return std::find(delivered_.begin(), delivered_.end(), cursor) != delivered_.end();
    });
  }
  bool Send(int invoke, const std::string& xml) {
    std::string f = EncodeFrame(invoke, xml);
    return ::write(client_fd_, f.data(), f.size()) == static_cast<ssize_t>(f.size());
  }
  // The next frame's body from the gateway, or "" on timeout.
  std::string Next(absl::Duration timeout) {
    absl::Time end = absl::Now() + timeout;
    Frame f;
    while (!decoder_.Next(&f)) {
      int ms = static_cast<int>(absl::ToInt64Milliseconds(end - absl::Now()));
      if (ms <= 0) return "";
      pollfd p{client_fd_, POLLIN, 0};
      if (::poll(&p, 1, ms) <= 0) return "";
      char buf[4096];
      ssize_t n = ::read(client_fd_, buf, sizeof(buf));
      if (n <= 0) return "";
      decoder_.Feed(absl::string_view(buf, static_cast<size_t>(n)));
    }
    return f.body;
  }
  // The next body naming `what` (skipping the rest), or "".
  std::string NextWith(const std::string& what) {
    absl::Time end = absl::Now() + kWait;
    while (absl::Now() < end) {
      std::string b = Next(end - absl::Now());
      if (b.empty()) return "";
      if (b.find(what) != std::string::npos) return b;
    }
    return "";
  }

  hotdesk::testing::HotdeskServerProcess core_;
  GetHooks hooks_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Associations::Stub> stub_;
  GatewayConfig config_;
  Metrics metrics_;
  std::unique_ptr<Gateway> gateway_;
  adapters::NullCursorStore store_;
  std::unique_ptr<adapters::EventFollower> follower_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> delivered_;
  int client_fd_ = -1;
  std::shared_ptr<Connection> conn_;
  std::thread conn_thread_;
  FrameDecoder decoder_;
};

TEST_F(GatewayInProcess, ChangeRightAfterMonitorStartsReadingReachesTheMonitor) {
  // The gateway reads 7003's association (none yet); right then 7003 logs on at 7002 and the
  // event reaches the gateway before the monitor's answer is out.
  hooks_.after = [&] { ASSERT_TRUE(WaitDelivered(Establish("7002", "7003"))); };
  ASSERT_TRUE(Send(1, testing::MonitorStartXml("7003")));
  std::string answer = NextWith("MonitorStartResponse");
  ASSERT_FALSE(answer.empty());
  EXPECT_EQ(answer.find("HOST_DN"), std::string::npos);  // the read saw no association
  // So the change must come as an event, or the client never learns it.
  std::string ev = NextWith("AgentLoggedOnEvent");
  ASSERT_FALSE(ev.empty()) << "the login of 7003 was lost to the monitor";
  EXPECT_NE(ev.find("<agentID>7003</agentID>"), std::string::npos) << ev;
}

TEST_F(GatewayInProcess, ChangeAlreadyInTheAnswerIsNotRepeated) {
  // 7003 logs on just before the gateway reads; the event reaches the gateway while the answer
  // is being prepared. The answer reports it (HOST_DN); the event is not sent again after it.
  hooks_.before = [&] { ASSERT_TRUE(WaitDelivered(Establish("7002", "7003"))); };
  ASSERT_TRUE(Send(1, testing::MonitorStartXml("7003")));
  std::string answer = NextWith("MonitorStartResponse");
  ASSERT_FALSE(answer.empty());
  EXPECT_NE(answer.find("7002"), std::string::npos) << answer;  // HOST_DN 7002
  Cancel("7002");
  std::string next = NextWith("Agent");
  EXPECT_NE(next.find("AgentLoggedOffEvent"), std::string::npos) << next;
}

}  // namespace
}  // namespace hotdesk::csta
