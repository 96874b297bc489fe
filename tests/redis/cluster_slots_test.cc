#include "services/redis/cluster_slots.h"

#include <gtest/gtest.h>

#include <cstring>
#include <deque>
#include <memory>
#include <vector>

namespace hotdesk {
namespace {

TEST(HashSlotTest, MatchesRedisForPlainKeysAndHashTags) {
  // Values from `redis-cli CLUSTER KEYSLOT` on redis 7.0.
  EXPECT_EQ(HashSlot("foo"), 12182);
  EXPECT_EQ(HashSlot("123456789"), 12739);  // CRC16/XMODEM check value 0x31C3 % 16384
  EXPECT_EQ(HashSlot("x:{a}:w"), 15495);
  EXPECT_EQ(HashSlot("x:{b}:w"), 3300);
  // Only the first {...} counts, and only when non-empty.
  EXPECT_EQ(HashSlot("hotdesk:{acme}:ev"), HashSlot("acme"));
  EXPECT_EQ(HashSlot("{acme}{other}"), HashSlot("acme"));
  EXPECT_EQ(HashSlot("a{}b"), HashSlot(std::string("a{}b")));
  EXPECT_NE(HashSlot("a{}b"), HashSlot(""));
  EXPECT_EQ(HashSlot("no{close"), HashSlot("no{close"));
  EXPECT_EQ(HashSlot(""), 0);
}

TEST(ParseRedirectTest, MovedAskAndGarbage) {
  auto moved = ParseRedirect("MOVED 3999 127.0.0.1:6381");
  ASSERT_TRUE(moved);
  EXPECT_EQ(moved->kind, Redirect::kMoved);
  EXPECT_EQ(moved->slot, 3999);
  EXPECT_EQ(moved->to.host, "127.0.0.1");
  EXPECT_EQ(moved->to.port, 6381);

  auto ask = ParseRedirect("ASK 12182 10.0.0.7:7002");
  ASSERT_TRUE(ask);
  EXPECT_EQ(ask->kind, Redirect::kAsk);
  EXPECT_EQ(ask->to.ToString(), "10.0.0.7:7002");

  auto unknown_host = ParseRedirect("MOVED 1 :7005");  // a node that does not know its address
  ASSERT_TRUE(unknown_host);
  EXPECT_EQ(unknown_host->to.host, "");
  EXPECT_EQ(unknown_host->to.port, 7005);

  auto v6 = ParseRedirect("MOVED 7 [::1]:7001");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->to.host, "::1");
  EXPECT_EQ(v6->to.ToString(), "[::1]:7001");

  for (const char* bad : {"MOVED", "MOVED 1", "MOVED x 1.2.3.4:1", "MOVED 16384 h:1",
                          "MOVED -1 h:1", "MOVED 1 h:0", "MOVED 1 h:70000", "MOVED 1 h",
                          "ASKING 1 h:1", "ERR something", "READONLY You can't write"}) {
    EXPECT_FALSE(ParseRedirect(bad)) << bad;
  }
}

// Builds a CLUSTER SLOTS-shaped reply by hand (the parser's input is hiredis' reply tree).
class FakeReply {
 public:
  redisReply* Int(long long v) {
    auto* r = New(REDIS_REPLY_INTEGER);
    r->integer = v;
    return r;
  }
  redisReply* Str(const std::string& s) {
    auto* r = New(REDIS_REPLY_STRING);
    strings_.push_back(s);
    r->str = const_cast<char*>(strings_.back().c_str());
    r->len = s.size();
    return r;
  }
  redisReply* Arr(std::vector<redisReply*> items) {
    auto* r = New(REDIS_REPLY_ARRAY);
    arrays_.push_back(std::move(items));
    r->element = arrays_.back().data();
    r->elements = arrays_.back().size();
    return r;
  }

 private:
  redisReply* New(int type) {
    replies_.push_back(std::make_unique<redisReply>());
    std::memset(replies_.back().get(), 0, sizeof(redisReply));
    replies_.back()->type = type;
    return replies_.back().get();
  }
  std::vector<std::unique_ptr<redisReply>> replies_;
  std::deque<std::string> strings_;
  std::deque<std::vector<redisReply*>> arrays_;
};

TEST(SlotMapTest, ParsesClusterSlotsAndRoutes) {
  FakeReply f;
  redisReply* reply = f.Arr({
      f.Arr({f.Int(0), f.Int(5460), f.Arr({f.Str("127.0.0.1"), f.Int(7001), f.Str("id1")}),
             f.Arr({f.Str("127.0.0.1"), f.Int(7004), f.Str("id4")})}),
      f.Arr({f.Int(5461), f.Int(10922), f.Arr({f.Str(""), f.Int(7002), f.Str("id2")})}),
      f.Arr({f.Int(10923), f.Int(16383), f.Arr({f.Str("127.0.0.1"), f.Int(7003)})}),
  });
  auto map = SlotMap::FromClusterSlots(reply, "10.1.1.1");
  ASSERT_TRUE(map.ok()) << map.status();
  EXPECT_TRUE(map->Complete());
  EXPECT_EQ(map->Primary(0)->port, 7001);
  EXPECT_EQ(map->Primary(5460)->port, 7001);
  EXPECT_EQ(map->Primary(5461)->host, "10.1.1.1");  // unknown host → the node we asked
  EXPECT_EQ(map->Primary(16383)->port, 7003);
  EXPECT_EQ(map->Primaries().size(), 3u);
  EXPECT_EQ(map->Primary(HashSlot("x:{b}:w"))->port, 7001);

  // A MOVED answer updates one slot.
  map->Assign(3300, RedisNodeAddr{"127.0.0.1", 7003});
  EXPECT_EQ(map->Primary(HashSlot("x:{b}:w"))->port, 7003);
  EXPECT_EQ(map->Primary(3299)->port, 7001);
}

TEST(SlotMapTest, IncompleteAndMalformed) {
  FakeReply f;
  auto partial = SlotMap::FromClusterSlots(
      f.Arr({f.Arr({f.Int(0), f.Int(100), f.Arr({f.Str("h"), f.Int(1)})})}), "h");
  ASSERT_TRUE(partial.ok());
  EXPECT_FALSE(partial->Complete());
  EXPECT_EQ(partial->Primary(101), nullptr);

  EXPECT_FALSE(SlotMap::FromClusterSlots(f.Str("nope"), "h").ok());
  EXPECT_FALSE(SlotMap::FromClusterSlots(
                   f.Arr({f.Arr({f.Int(5), f.Int(1), f.Arr({f.Str("h"), f.Int(1)})})}), "h")
                   .ok());  // lo > hi
  EXPECT_FALSE(SlotMap::FromClusterSlots(
                   f.Arr({f.Arr({f.Int(0), f.Int(16384), f.Arr({f.Str("h"), f.Int(1)})})}), "h")
                   .ok());  // beyond the last slot
  EXPECT_FALSE(
      SlotMap::FromClusterSlots(f.Arr({f.Arr({f.Int(0), f.Int(1)})}), "h").ok());  // no node
}

}  // namespace
}  // namespace hotdesk
