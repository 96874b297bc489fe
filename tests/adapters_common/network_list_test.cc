#include "adapters/common/network_list.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <gtest/gtest.h>

namespace hotdesk::adapters {
namespace {

NetworkList Parse(const std::string& text) {
  auto l = NetworkList::Parse(text, "--nets");
  EXPECT_TRUE(l.ok()) << l.status();
  return l.ok() ? *l : NetworkList();
}

TEST(NetworkList, MatchesAddressesInItsNetworks) {
  NetworkList l = Parse("127.0.0.1, 10.20.0.0/16,192.168.1.128/25, fd00::/8");
  EXPECT_EQ(l.ToString(), "127.0.0.1/32,10.20.0.0/16,192.168.1.128/25,fd00::/8");
  EXPECT_TRUE(l.Contains("127.0.0.1"));
  EXPECT_FALSE(l.Contains("127.0.0.2"));
  EXPECT_TRUE(l.Contains("10.20.255.1"));
  EXPECT_FALSE(l.Contains("10.21.0.1"));
  EXPECT_TRUE(l.Contains("192.168.1.200"));
  EXPECT_FALSE(l.Contains("192.168.1.127"));
  EXPECT_TRUE(l.Contains("fd12::1"));
  EXPECT_FALSE(l.Contains("fe80::1"));
  EXPECT_FALSE(l.Contains("not an address"));
  // A dual-stack listener sees IPv4 clients as IPv4-mapped IPv6.
  EXPECT_TRUE(l.Contains("::ffff:10.20.3.4"));
  EXPECT_FALSE(l.Contains("::ffff:10.21.3.4"));
}

TEST(NetworkList, MatchesSocketAddresses) {
  NetworkList l = Parse("127.0.0.0/8,::1/128");
  sockaddr_storage ss{};
  auto* in = reinterpret_cast<sockaddr_in*>(&ss);
  in->sin_family = AF_INET;
  inet_pton(AF_INET, "127.0.0.2", &in->sin_addr);
  EXPECT_TRUE(l.Contains(ss));
  inet_pton(AF_INET, "10.0.0.1", &in->sin_addr);
  EXPECT_FALSE(l.Contains(ss));
  sockaddr_storage ss6{};
  auto* in6 = reinterpret_cast<sockaddr_in6*>(&ss6);
  in6->sin6_family = AF_INET6;
  inet_pton(AF_INET6, "::1", &in6->sin6_addr);
  EXPECT_TRUE(l.Contains(ss6));
}

TEST(NetworkList, EmptyAndEverything) {
  EXPECT_TRUE(Parse("").empty());
  EXPECT_FALSE(Parse("").Contains("127.0.0.1"));
  NetworkList all = Parse("0.0.0.0/0,::/0");
  EXPECT_TRUE(all.Contains("203.0.113.9"));
  EXPECT_TRUE(all.Contains("2001:db8::1"));
}

TEST(NetworkList, BadEntriesAreNamed) {
  for (const char* bad : {"10.0.0.7/8", "10.0.0.0/33", "::/129", "10.0.0.0/x", "host.example",
                          "10.0.0"}) {
    auto l = NetworkList::Parse(std::string("127.0.0.1,") + bad, "--allow_networks");
    ASSERT_FALSE(l.ok()) << bad;
    EXPECT_EQ(l.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(l.status().message().find(std::string("--allow_networks: \"") + bad + "\""),
              std::string::npos)
        << l.status();
  }
}

}  // namespace
}  // namespace hotdesk::adapters
