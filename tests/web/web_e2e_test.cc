// hotdesk-web as a real process in front of a real hotdesk-server on a real redis-server: the
// HTTP mapping, errors, the SSE event stream (resume, heartbeats, cancellation when the client
// leaves), sessions and the CSRF rule.
#include <gtest/gtest.h>
#include <httplib.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "tests/support/wait_serving.h"
#include "tests/support/processes.h"

namespace hotdesk {
namespace {

using testing::ChildProcess;
using testing::FreePort;
using testing::HotdeskServerProcess;
using testing::RedisServer;

constexpr char kJson[] = "application/json";

// One Server-Sent Events frame.
struct Frame {
  std::string id, event, data, comment;
};

// Reads an event stream on its own thread until Stop() (or the server ends it).
class SseReader {
 public:
  SseReader(int port, const std::string& path, httplib::Headers headers = {}) {
    thread_ = std::thread([this, port, path, headers] {
      httplib::Client cli("127.0.0.1", port);
      cli.set_read_timeout(30, 0);
      auto res = cli.Get(path.c_str(), headers,
                         [this](const httplib::Response& r) {
                           std::lock_guard<std::mutex> lock(mu_);
                           status_ = r.status;
                           cv_.notify_all();
                           return true;
                         },
                         [this](const char* data, size_t n) {
                           std::lock_guard<std::mutex> lock(mu_);
                           buffer_.append(data, n);
                           Parse();
                           cv_.notify_all();
                           return !stop_;
                         });
      std::lock_guard<std::mutex> lock(mu_);
      ended_ = true;
      if (res && status_ == 0) status_ = res->status;
      cv_.notify_all();
    });
  }
  ~SseReader() { Stop(); }
  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    if (thread_.joinable()) thread_.join();
  }
  // Waits until `pred(frames)` holds; false after `timeout`.
  template <typename Pred>
  bool WaitFor(Pred pred, absl::Duration timeout = absl::Seconds(10)) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, absl::ToChronoNanoseconds(timeout), [&] { return pred(frames_); });
  }
  std::vector<Frame> events() {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<Frame> out;
    for (const auto& f : frames_)
      if (!f.data.empty()) out.push_back(f);
    return out;
  }
  int status() {
    std::lock_guard<std::mutex> lock(mu_);
    return status_;
  }

 private:
  void Parse() {
    size_t end;
    while ((end = buffer_.find("\n\n")) != std::string::npos) {
      Frame f;
      for (absl::string_view line : absl::StrSplit(buffer_.substr(0, end), '\n')) {
        if (absl::ConsumePrefix(&line, "id: ")) f.id = std::string(line);
        else if (absl::ConsumePrefix(&line, "event: ")) f.event = std::string(line);
        else if (absl::ConsumePrefix(&line, "data: ")) f.data = std::string(line);
        else if (absl::ConsumePrefix(&line, ": ")) f.comment = std::string(line);
      }
      frames_.push_back(f);
      buffer_.erase(0, end + 2);
    }
  }
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::string buffer_;
  std::vector<Frame> frames_;
  bool stop_ = false;
  bool ended_ = false;
  int status_ = 0;
};

size_t CountData(const std::vector<Frame>& frames) {
  size_t n = 0;
  for (const auto& f : frames) n += !f.data.empty() && !f.id.empty();
  return n;
}

class WebE2ETest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(redis_.Start());
    server_metrics_ = FreePort();
    ASSERT_TRUE(server_.Start(redis_.addr(), {"--pin_hash_cost=min",
                                              "--metrics_listen=127.0.0.1:" +
                                                  std::to_string(server_metrics_)}));
    ASSERT_TRUE(testing::WaitServing(server_.Channel()));
    ASSERT_TRUE(web_.Start({WEB_BIN, "--server=" + server_.addr(), "--listen=127.0.0.1:0",
                            "--metrics_listen=127.0.0.1:0", "--sse_heartbeat=1s",
                            "--max_body_bytes=4096", "--read_timeout=1s",
                            "--session_secret=test-secret",
                            "--log_level=debug"}));
    std::string line = web_.WaitForLine("http listening on port", absl::Seconds(20));
    ASSERT_FALSE(line.empty()) << web_.Stderr();
    port_ = std::atoi(line.substr(line.rfind(' ') + 1).c_str());
    line = web_.WaitForLine("metrics listening on port", absl::Seconds(5));
    web_metrics_ = std::atoi(line.substr(line.rfind(' ') + 1).c_str());
  }
  void TearDown() override {
    if (web_.Running()) EXPECT_EQ(web_.Stop(), 0) << web_.Stderr();
    server_.Stop();
  }

  httplib::Result Post(const std::string& path, const std::string& body,
                       const httplib::Headers& h = {}) {
    httplib::Client cli("127.0.0.1", port_);
    return cli.Post(path.c_str(), h, body, kJson);
  }
  httplib::Result Get(const std::string& path, const httplib::Headers& h = {}) {
    httplib::Client cli("127.0.0.1", port_);
    return cli.Get(path.c_str(), h);
  }
  // A gauge or counter value from a /metrics page (-1 when absent).
  static double Metric(int port, const std::string& name) {
    httplib::Client cli("127.0.0.1", port);
    auto res = cli.Get("/metrics");
    if (!res) return -1;
    for (absl::string_view line : absl::StrSplit(res->body, '\n')) {
      if (absl::ConsumePrefix(&line, name + " ")) {
        double v;
        if (absl::SimpleAtod(line, &v)) return v;
      }
    }
    return -1;
  }
  static bool WaitMetric(int port, const std::string& name, double want) {
    absl::Time end = absl::Now() + absl::Seconds(10);
    while (absl::Now() < end) {
      if (Metric(port, name) == want) return true;
      absl::SleepFor(absl::Milliseconds(50));
    }
    return false;
  }
  std::string Establish(const std::string& host, const std::string& guest) {
    auto r = Post("/v1/tenants/acme/associations:establish",
                  absl::StrCat(R"({"host":")", host, R"(","guest":")", guest, R"("})"));
    EXPECT_TRUE(r && r->status == 200) << (r ? r->body : "no answer");
    return r ? r->body : "";
  }

  RedisServer redis_;
  HotdeskServerProcess server_;
  ChildProcess web_;
  int port_ = 0, web_metrics_ = 0, server_metrics_ = 0;
};

TEST_F(WebE2ETest, ResourcesMapToRpcsAndChangesLandInRedis) {
  auto r = Post("/v1/tenants/acme/devices",
                R"({"mac":"00:15:65:7a:1b:2c","hotdeskExtension":"HD0001","displayName":"Desk 1"})");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_NE(r->body.find(R"("mac":"0015657a1b2c")"), std::string::npos) << r->body;

  Establish("HD0001", "101");
  EXPECT_NE(redis_.Cmd({"HGET", "hotdesk:{acme}:by-host", "HD0001"}).find("101"), std::string::npos);

  r = Get("/v1/tenants/acme/associations/HD0001");
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_NE(r->body.find(R"("guest":"101")"), std::string::npos) << r->body;
  r = Get("/v1/tenants/acme/guests/101/association");
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_NE(r->body.find(R"("host":"HD0001")"), std::string::npos) << r->body;
  r = Get("/v1/tenants/acme/associations?pageSize=10");
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_NE(r->body.find(R"("associations":[)"), std::string::npos) << r->body;
  r = Get("/v1/tenants/acme/devices");
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_NE(r->body.find(R"("guest":"101")"), std::string::npos) << "device status joins " << r->body;

  r = Post("/v1/tenants/acme/devices/0015657a1b2c:forceLogout", "{}");
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(redis_.Cmd({"HGET", "hotdesk:{acme}:by-host", "HD0001"}), "(nil)");
  std::string ev = redis_.Cmd({"XREVRANGE", "hotdesk:{acme}:ev", "+", "-", "COUNT", "1"});
  EXPECT_NE(ev.find(" t C "), std::string::npos) << ev;
}

TEST_F(WebE2ETest, ErrorsAreGoogleRpcStatusWithHttpCodesAndChangeNothing) {
  auto r = Post("/v1/tenants/acme/devices", R"({"mac":"nonsense","hotdeskExtension":"HD0001"})");
  ASSERT_EQ(r->status, 400) << r->body;
  EXPECT_NE(r->body.find(R"("code":3)"), std::string::npos) << r->body;
  EXPECT_NE(r->body.find(R"("field":"device.mac")"), std::string::npos) << r->body;
  EXPECT_EQ(redis_.Cmd({"HLEN", "hotdesk:{acme}:dev"}), "0");

  r = Post("/v1/tenants/acme/associations:establish", R"({"host":"h1","guset":"g"})");
  ASSERT_EQ(r->status, 400);
  EXPECT_NE(r->body.find(R"("field":"body")"), std::string::npos) << r->body;
  EXPECT_NE(r->body.find("guset"), std::string::npos) << "names the unknown field: " << r->body;

  r = Get("/v1/tenants/acme/associations?pageSize=lots");
  ASSERT_EQ(r->status, 400);
  EXPECT_NE(r->body.find(R"("field":"pageSize")"), std::string::npos) << r->body;

  r = Get("/v1/tenants/acme/associations/nobody");
  ASSERT_EQ(r->status, 404);
  EXPECT_NE(r->body.find(R"("code":5)"), std::string::npos) << r->body;

  httplib::Client cli("127.0.0.1", port_);
  r = cli.Put("/v1/tenants/acme/devices/0015657a1b2c", "{}", kJson);
  ASSERT_EQ(r->status, 405);
  EXPECT_EQ(r->get_header_value("Allow"), "GET, PATCH, DELETE");

  r = Post("/v1/tenants/acme/associations:establish",
           absl::StrCat(R"({"host":"h1","guest":"g1","attributes":{"x":")", std::string(5000, 'a'),
                        R"("}})"));
  ASSERT_EQ(r->status, 413);
  EXPECT_NE(r->body.find("too large"), std::string::npos) << r->body;

  r = cli.Post("/v1/tenants/acme/associations:establish", R"({"host":"h1","guest":"g1"})",
               "text/plain");
  ASSERT_EQ(r->status, 415);
  EXPECT_EQ(redis_.Cmd({"HLEN", "hotdesk:{acme}:by-host"}), "0");
}

TEST_F(WebE2ETest, EventStreamResumesFromLastEventIdWithoutLossOrDuplicates) {
  std::vector<Frame> first;
  {
    SseReader sse(port_, "/v1/tenants/acme/events");
    ASSERT_TRUE(sse.WaitFor([](const auto& f) { return !f.empty(); })) << "no prelude";
    ASSERT_TRUE(WaitMetric(server_metrics_, "hotdesk_watchers", 1));
    Establish("h1", "g1");
    Establish("h2", "g1");  // roams: CANCELLED h1, ESTABLISHED h2
    ASSERT_TRUE(sse.WaitFor([](const auto& f) { return CountData(f) == 3; }));
    first = sse.events();
  }
  ASSERT_EQ(first.size(), 3u);
  EXPECT_NE(first[1].data.find("CANCEL_REASON_SUPERSEDED"), std::string::npos) << first[1].data;
  // Changes made while nobody listens...
  Establish("h3", "g3");
  Establish("h4", "g4");
  // ...arrive after a reconnect that sends the last id it saw, and nothing before it.
  SseReader again(port_, "/v1/tenants/acme/events?includeSnapshot=true",
                  {{"Last-Event-ID", first.back().id}});
  ASSERT_TRUE(again.WaitFor([](const auto& f) { return CountData(f) >= 2; }));
  absl::SleepFor(absl::Milliseconds(300));  // let a wrong extra event show up, if any
  auto resumed = again.events();
  ASSERT_EQ(resumed.size(), 2u);
  EXPECT_NE(resumed[0].data.find(R"("host":"h3")"), std::string::npos) << resumed[0].data;
  EXPECT_NE(resumed[1].data.find(R"("host":"h4")"), std::string::npos) << resumed[1].data;
  EXPECT_EQ(resumed[0].data.find(R"("snapshot":true)"), std::string::npos)
      << "a resume must not replay the snapshot";
  EXPECT_GT(resumed[0].id, first.back().id);
}

TEST_F(WebE2ETest, SnapshotThenLiveAndHeartbeatsOnAQuietStream) {
  Establish("h1", "g1");
  SseReader sse(port_, "/v1/tenants/acme/events?includeSnapshot=true");
  ASSERT_TRUE(sse.WaitFor([](const auto& f) {
    for (const auto& x : f)
      if (x.data.find("EVENT_TYPE_SNAPSHOT_COMPLETE") != std::string::npos) return true;
    return false;
  }));
  auto evs = sse.events();
  ASSERT_GE(evs.size(), 2u);
  EXPECT_NE(evs[0].data.find(R"("snapshot":true)"), std::string::npos);
  EXPECT_TRUE(evs[0].id.empty()) << "snapshot entries are not stream positions";
  EXPECT_FALSE(evs[1].id.empty());
  ASSERT_TRUE(sse.WaitFor([](const auto& f) {
    for (const auto& x : f)
      if (x.comment == "heartbeat") return true;
    return false;
  }, absl::Seconds(5))) << "no heartbeat within 5 s with --sse_heartbeat=1s";
}

TEST_F(WebE2ETest, LeavingClientCancelsItsWatchOnTheServer) {
  ASSERT_EQ(Metric(server_metrics_, "hotdesk_watchers"), 0);
  {
    SseReader a(port_, "/v1/tenants/acme/events");
    SseReader b(port_, "/v1/tenants/acme/events");
    ASSERT_TRUE(a.WaitFor([](const auto& f) { return !f.empty(); }));
    ASSERT_TRUE(b.WaitFor([](const auto& f) { return !f.empty(); }));
    ASSERT_TRUE(WaitMetric(server_metrics_, "hotdesk_watchers", 2));
    ASSERT_TRUE(WaitMetric(web_metrics_, "hotdesk_web_event_streams", 2));
  }  // both clients close their connections
  EXPECT_TRUE(WaitMetric(web_metrics_, "hotdesk_web_event_streams", 0));
  EXPECT_TRUE(WaitMetric(server_metrics_, "hotdesk_watchers", 0))
      << "the WatchEvents calls outlived their browsers: " << Metric(server_metrics_, "hotdesk_watchers");
}

TEST_F(WebE2ETest, RefusedStreamIsAnHttpErrorNotAStream) {
  auto r = Get("/v1/tenants/NOT_A_TENANT/events");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(r->get_header_value("Content-Type"), kJson);
  EXPECT_NE(r->body.find(R"("field":"tenant")"), std::string::npos) << r->body;
}

TEST_F(WebE2ETest, SessionCookieIsSealedHttpOnlyStrictAndChangesNeedTheCsrfHeader) {
  auto r = Post("/v1/session", R"({"token":"dev-token"})");
  ASSERT_EQ(r->status, 200) << r->body;
  std::string set = r->get_header_value("Set-Cookie");
  EXPECT_TRUE(absl::StrContains(set, "HttpOnly")) << set;
  EXPECT_TRUE(absl::StrContains(set, "SameSite=Strict")) << set;
  EXPECT_FALSE(absl::StrContains(set, "dev-token")) << "token readable in the cookie: " << set;
  std::string cookie = set.substr(0, set.find(';'));

  r = Get("/v1/session", {{"Cookie", cookie}});
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_NE(r->body.find(R"("via":"session")"), std::string::npos) << r->body;

  std::string body = R"({"host":"h1","guest":"g1"})";
  r = Post("/v1/tenants/acme/associations:establish", body, {{"Cookie", cookie}});
  EXPECT_EQ(r->status, 403) << r->body;
  EXPECT_NE(r->body.find("X-Hotdesk-Csrf"), std::string::npos) << r->body;
  r = Post("/v1/tenants/acme/associations:establish", body,
           {{"Cookie", cookie}, {"X-Hotdesk-Csrf", "1"}, {"Origin", "https://evil.example"}});
  EXPECT_EQ(r->status, 403) << r->body;
  EXPECT_EQ(redis_.Cmd({"HLEN", "hotdesk:{acme}:by-host"}), "0");
  r = Post("/v1/tenants/acme/associations:establish", body,
           {{"Cookie", cookie}, {"X-Hotdesk-Csrf", "1"}});
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(redis_.Cmd({"HLEN", "hotdesk:{acme}:by-host"}), "1");

  r = Get("/v1/session", {{"Cookie", "hotdesk_session=forged"}});
  EXPECT_EQ(r->status, 401);
  r = Post("/v1/session", R"({"token":""})");
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(r->body.find(R"("field":"token")"), std::string::npos) << r->body;
}

TEST_F(WebE2ETest, ClientThatNeverFinishesItsRequestIsCutOffAfterTheReadTimeout) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port_));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  std::string partial = "POST /v1/tenants/acme/associations:establish HTTP/1.1\r\nHost: x\r\n";
  ASSERT_EQ(send(fd, partial.data(), partial.size(), 0), static_cast<ssize_t>(partial.size()));
  timeval tv{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  absl::Time start = absl::Now();
  char buf[512];
  ssize_t n;
  while ((n = recv(fd, buf, sizeof buf, 0)) > 0) {
  }
  absl::Duration took = absl::Now() - start;
  close(fd);
  EXPECT_EQ(n, 0) << "the server should close the connection, not leave it hanging";
  EXPECT_LT(took, absl::Seconds(5)) << "with --read_timeout=1s";
}

TEST_F(WebE2ETest, ConsoleIsServedFromTheBinaryWithASafeContentPolicy) {
  auto r = Get("/");
  ASSERT_EQ(r->status, 200);
  EXPECT_NE(r->body.find("<title>hotdesk console</title>"), std::string::npos);
  EXPECT_TRUE(absl::StrContains(r->get_header_value("Content-Security-Policy"), "default-src 'self'"));
  r = Get("/app.js");
  ASSERT_EQ(r->status, 200);
  EXPECT_TRUE(absl::StartsWith(r->get_header_value("Content-Type"), "text/javascript"));
  EXPECT_EQ(Get("/nothing.html")->status, 404);
}

}  // namespace
}  // namespace hotdesk
