// What a replica keeps after clients misbehave: real server, real Redis, real client processes
// killed with real signals; memory read from /proc, the watcher gauge from /metrics.
#include <csignal>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "google/rpc/error_details.pb.h"
#include "services/common/status.h"
#include "tests/e2e/grpc_helpers.h"
#include "tests/support/processes.h"

namespace hotdesk::testing {
namespace {

constexpr char kTenant[] = "acme";

TEST(ResourcesE2E, KilledWatchClientsThatStoppedReadingLeaveNothingAndSigtermEndsInTime) {
  // The reported failure: 40 watch clients that stopped reading (flow control full) were killed;
  // the watcher gauge stayed at 39, the reactors and hub memberships leaked, and a later SIGTERM
  // never finished.
  RedisServer redis;
  ASSERT_TRUE(redis.Start());
  int metrics_port = FreePort();
  HotdeskServerProcess server;
  const absl::Duration grace = absl::Seconds(5);
  ASSERT_TRUE(server.Start(redis.addr(),
                           {"--watch_ring_size=64", "--log_level=info",
                            "--shutdown_grace=" + absl::FormatDuration(grace),
                            "--metrics_listen=127.0.0.1:" + std::to_string(metrics_port)}))
      << server.process().Stderr();
  auto metric = [&](const std::string& name) {
    return MetricValue(HttpGet(metrics_port, "/metrics"), name);
  };
  auto stub = v1::Associations::NewStub(server.Channel());
  auto big = Login(kTenant, "h", "g");
  // ~4 KiB per event: a few hundred fill what gRPC and the kernel buffer for a stopped client.
  for (int a = 0; a < 16; ++a)
    (*big.mutable_attributes())["pad" + std::to_string(a)] = std::string(250, 'p');
  {
    // Warm up every path the test uses, so that the baseline is not a cold process.
    v1::WatchEventsRequest req;
    req.set_tenant(kTenant);
    req.set_after_cursor("0-0");
    Watcher warm(server.Channel(), req);
    for (int i = 0; i < 300; ++i) ASSERT_TRUE(Establish(stub.get(), big).ok());
    ASSERT_TRUE(warm.WaitFor(1));
  }
  ASSERT_TRUE(WaitUntil([&] { return metric("hotdesk_watchers") == 0; }, absl::Seconds(10)));
  int64_t baseline_kib = RssKib(server.process().pid());

  const int kClients = 40;
  std::vector<std::unique_ptr<ChildProcess>> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.push_back(std::make_unique<ChildProcess>());
    ASSERT_TRUE(clients.back()->Start(
        {CtlBinary(), "--server=" + server.addr(), "--tenant=" + std::string(kTenant), "watch"}));
  }
  ASSERT_TRUE(WaitUntil([&] { return metric("hotdesk_watchers") == kClients; }, absl::Seconds(20)))
      << metric("hotdesk_watchers");
  for (auto& c : clients) c->Signal(SIGSTOP);  // they stop reading

  v1::WatchEventsRequest req;
  req.set_tenant(kTenant);
  Watcher reading(server.Channel(), req);  // one that keeps reading, to know all went out
  ASSERT_TRUE(WaitUntil([&] { return metric("hotdesk_watchers") == kClients + 1; },
                        absl::Seconds(10)));
  const int kEvents = 3000;  // ~12 MiB: far more than the stopped clients' windows hold
  for (int i = 0; i < kEvents; ++i) {
    big.set_host("h" + std::to_string(i));
    big.set_guest("g" + std::to_string(i));
    ASSERT_TRUE(Establish(stub.get(), big).ok());
  }
  ASSERT_TRUE(reading.WaitFor(kEvents, absl::Seconds(60)));
  // The stopped clients took a small part each before their windows were full: each has a write
  // out that will never complete by itself.
  EXPECT_LT(metric("hotdesk_events_delivered_total"), 300 + kEvents + kClients * kEvents / 2);
  int64_t loaded_kib = RssKib(server.process().pid());

  for (auto& c : clients) c->Stop(SIGKILL);
  reading.Cancel();
  EXPECT_TRUE(WaitUntil([&] { return metric("hotdesk_watchers") == 0; }, absl::Seconds(15)))
      << "watchers still counted after their clients were killed: " << metric("hotdesk_watchers");
  int64_t after_kib = RssKib(server.process().pid());
  std::printf("server RSS: baseline %lld KiB, with %d stalled watchers %lld KiB, after %lld KiB\n",
              static_cast<long long>(baseline_kib), kClients, static_cast<long long>(loaded_kib),
              static_cast<long long>(after_kib));
  EXPECT_LT(after_kib - baseline_kib, 16 * 1024) << "memory of the killed watchers was kept";

  absl::Time start = absl::Now();
  int rc = server.process().Stop(SIGTERM, grace + absl::Seconds(15));
  absl::Duration took = absl::Now() - start;
  EXPECT_EQ(rc, 0) << server.process().Stderr().substr(0, 2000);
  EXPECT_LT(took, grace + absl::Seconds(2)) << "SIGTERM took " << absl::FormatDuration(took);
}

TEST(ResourcesE2E, LongTimeZoneNamesAreRefusedAndKeepNoMemory) {
  // Reported: 40 Establish calls with a 1,000,000-character daily.time_zone (each rightly
  // INVALID_ARGUMENT) grew RSS 25 -> 73 MiB for good: every failed name was cached.
  RedisServer redis;
  ASSERT_TRUE(redis.Start());
  HotdeskServerProcess server;
  ASSERT_TRUE(server.Start(redis.addr(), {"--log_level=info"})) << server.process().Stderr();
  auto stub = v1::Associations::NewStub(server.Channel());
  auto daily = [](const std::string& zone) {
    auto req = Login(kTenant, "7002", "7003");
    req.mutable_limit()->mutable_daily()->set_hour(23);
    req.mutable_limit()->mutable_daily()->set_time_zone(zone);
    return req;
  };
  ASSERT_TRUE(Establish(stub.get(), daily("Europe/Berlin")).ok());
  // Warm up with one long name (message buffers of that size), then take the baseline.
  ASSERT_EQ(Establish(stub.get(), daily(std::string(1000000, 'W'))).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  int64_t baseline_kib = RssKib(server.process().pid());
  for (int i = 0; i < 40; ++i) {
    std::string zone = absl::StrCat("Zone", i, "/") + std::string(1000000, 'x');
    grpc::ClientContext ctx;
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    v1::EstablishResponse resp;
    grpc::Status st = stub->Establish(&ctx, daily(zone), &resp);
    ASSERT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << st.error_message();
    google::rpc::BadRequest br;
    ASSERT_TRUE(GetDetail(FromGrpcStatus(st), &br));
    ASSERT_EQ(br.field_violations_size(), 1);
    EXPECT_EQ(br.field_violations(0).field(), "limit.daily.time_zone");
  }
  // An unknown but well-formed name is refused the same way.
  EXPECT_EQ(Establish(stub.get(), daily("Mars/Olympus_Mons")).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  int64_t after_kib = RssKib(server.process().pid());
  std::printf("server RSS: baseline %lld KiB, after 40 long zone names %lld KiB\n",
              static_cast<long long>(baseline_kib), static_cast<long long>(after_kib));
  EXPECT_LT(after_kib - baseline_kib, 8 * 1024) << "the refused names were kept";
  EXPECT_EQ(redis.Cmd({"HLEN", "hotdesk:{acme}:by-host"}), "1");  // only the valid login
}

}  // namespace
}  // namespace hotdesk::testing
