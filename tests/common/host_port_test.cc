#include "services/common/host_port.h"

#include <gtest/gtest.h>

namespace hotdesk {
namespace {

TEST(SplitHostPortTest, HostAndPort) {
  auto hp = SplitHostPort("redis.example:6380");
  ASSERT_TRUE(hp.ok()) << hp.status();
  EXPECT_EQ(hp->host, "redis.example");
  EXPECT_EQ(hp->port, 6380);
  auto v6 = SplitHostPort("[::1]:6379");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
}

TEST(SplitHostPortTest, RefusalsNameTheAddress) {
  for (const char* bad : {"redis", ":6379", "h:0", "h:65536", "h:x", "h:"}) {
    auto hp = SplitHostPort(bad);
    EXPECT_FALSE(hp.ok()) << bad;
    EXPECT_NE(hp.status().message().find(bad), std::string::npos) << hp.status();
  }
  EXPECT_TRUE(SplitHostPort("127.0.0.1:0", /*allow_port_zero=*/true).ok());
}

TEST(PeerWithoutPortTest, OneClientsConnectionsAreOneCaller) {
  EXPECT_EQ(PeerWithoutPort("ipv4:10.0.0.7:52114"), "ipv4:10.0.0.7");
  EXPECT_EQ(PeerWithoutPort("ipv6:[::1]:52114"), "ipv6:[::1]");
  EXPECT_EQ(PeerWithoutPort("ipv6:[2001:db8::1]:443"), "ipv6:[2001:db8::1]");
  EXPECT_EQ(PeerWithoutPort("unix:/run/hotdesk.sock"), "unix:/run/hotdesk.sock");
}

}  // namespace
}  // namespace hotdesk
