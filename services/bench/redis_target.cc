#include "services/bench/redis_target.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"

namespace hotdesk::bench {

absl::StatusOr<std::unique_ptr<RedisTarget>> RedisTarget::Open(const RedisConfig& config,
                                                               absl::Duration timeout) {
  std::unique_ptr<RedisTarget> t(new RedisTarget(config));
  if (config.mode == RedisConfig::Mode::kSingle) {
    t->primaries_ = config.Endpoints();
  } else {
    // The server's own client finds the primaries: the bench then measures the nodes the
    // server really writes to.
    RedisConfig probe = config;
    probe.client_name = "hotdesk-bench";
    RedisClient client(probe);
    client.Start();
    absl::Time end = absl::Now() + timeout;
    while (!client.Healthy() && absl::Now() < end) absl::SleepFor(absl::Milliseconds(20));
    bool healthy = client.Healthy();
    t->primaries_ = client.Primaries();
    client.Stop();
    if (!healthy || t->primaries_.empty()) {
      return absl::UnavailableError(
          absl::StrCat("no primary of ", config.Describe(), " answered within ",
                       absl::FormatDuration(timeout)));
    }
  }
  for (const auto& node : t->primaries_) {
    auto conn = t->Connect(node);
    if (!conn.ok()) return conn.status();
    t->admin_.push_back(std::move(*conn));
  }
  if (config.mode == RedisConfig::Mode::kCluster) {
    auto reply = t->admin_[0]->Cmd({"CLUSTER", "SLOTS"});
    if (!reply.ok()) return reply.status();
    auto map = SlotMap::FromClusterSlots(reply->get(), t->primaries_[0].host);
    if (!map.ok()) return map.status();
    if (!map->Complete()) {
      return absl::UnavailableError(
          absl::StrCat(config.Describe(), ": not every hash slot has a primary"));
    }
    if (map->Primaries() != t->primaries_) {
      return absl::UnavailableError(
          absl::StrCat(config.Describe(), ": the slot map changed while the bench read it"));
    }
    t->slots_ = *std::move(map);
  }
  return t;
}

const char* RedisTarget::mode_name() const {
  switch (config_.mode) {
    case RedisConfig::Mode::kSingle:
      return "single";
    case RedisConfig::Mode::kSentinel:
      return "sentinel";
    case RedisConfig::Mode::kCluster:
      return "cluster";
  }
  return "?";
}

const RedisNodeAddr& RedisTarget::PrimaryFor(const std::string& key) const {
  if (config_.mode != RedisConfig::Mode::kCluster) return primaries_[0];
  const RedisNodeAddr* p = slots_.Primary(HashSlot(key));
  return p ? *p : primaries_[0];
}

size_t RedisTarget::IndexOf(const RedisNodeAddr& node) const {
  for (size_t i = 0; i < primaries_.size(); ++i) {
    if (primaries_[i] == node) return i;
  }
  return 0;
}

std::string RedisTarget::Describe() const {
  std::vector<std::string> addrs;
  for (const auto& p : primaries_) addrs.push_back(p.ToString());
  return absl::StrCat(mode_name(), ", ", primaries_.size(),
                      primaries_.size() == 1 ? " primary: " : " primaries: ",
                      absl::StrJoin(addrs, ","));
}

absl::StatusOr<std::unique_ptr<RedisConn>> RedisTarget::Connect(const RedisNodeAddr& node) const {
  return RedisConn::Connect(node, config_);
}

absl::StatusOr<int> RedisTarget::OtherClients() {
  int n = 0;
  for (auto& conn : admin_) {
    auto c = conn->OtherClients();
    if (!c.ok()) return c.status();
    n += *c;
  }
  return n;
}

absl::StatusOr<int64_t> RedisTarget::DeleteMatching(const std::string& pattern) {
  int64_t n = 0;
  for (auto& conn : admin_) {
    auto d = conn->DeleteMatching(pattern);
    if (!d.ok()) return d.status();
    n += *d;
  }
  return n;
}

absl::StatusOr<ReplyPtr> RedisTarget::Cmd(const std::vector<std::string>& argv) {
  std::string key = argv.size() > 1 ? argv[1] : "";
  return admin_[IndexOf(PrimaryFor(key))]->Cmd(argv);
}

}  // namespace hotdesk::bench
