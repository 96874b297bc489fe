#include "tests/support/redis_topologies.h"

#include <hiredis/hiredis.h>

#include <fstream>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"

namespace hotdesk::testing {
namespace {

void Pause() { std::this_thread::sleep_for(std::chrono::milliseconds(50)); }

// One command on a fresh connection to 127.0.0.1:port; nullptr when unreachable.
redisReply* Ask(int port, const std::vector<std::string>& argv) {
  timeval tv{2, 0};
  redisContext* c = redisConnectWithTimeout("127.0.0.1", port, tv);
  if (!c || c->err) {
    if (c) redisFree(c);
    return nullptr;
  }
  redisSetTimeout(c, tv);
  std::vector<const char*> p;
  std::vector<size_t> l;
  for (const auto& a : argv) {
    p.push_back(a.data());
    l.push_back(a.size());
  }
  auto* r =
      static_cast<redisReply*>(redisCommandArgv(c, static_cast<int>(p.size()), p.data(), l.data()));
  redisFree(c);
  return r;
}

std::string AskText(int port, const std::vector<std::string>& argv) {
  redisReply* r = Ask(port, argv);
  if (r == nullptr) return "";
  std::string out;
  if (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS ||
      r->type == REDIS_REPLY_ERROR)
    out.assign(r->str, r->len);
  if (r->type == REDIS_REPLY_INTEGER) out = std::to_string(r->integer);
  freeReplyObject(r);
  return out;
}

}  // namespace

// ---- cluster ----

bool RedisClusterProcesses::Start(int primaries, int replicas,
                                  std::vector<std::string> extra_args) {
  std::vector<std::string> args = {"--cluster-enabled", "yes", "--cluster-config-file",
                                   "nodes.conf", "--cluster-node-timeout", "2000"};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  std::vector<std::string> addrs;
  for (int i = 0; i < primaries * (1 + replicas); ++i) {
    nodes_.push_back(std::make_unique<RedisServer>(args));
    if (!nodes_.back()->Start()) return false;
    addrs.push_back(nodes_.back()->addr());
  }
  std::vector<std::string> create = {"--cluster", "create"};
  create.insert(create.end(), addrs.begin(), addrs.end());
  create.insert(create.end(), {"--cluster-replicas", std::to_string(replicas), "--cluster-yes"});
  std::string out, err;
  std::vector<std::string> argv = {"redis-cli"};
  argv.insert(argv.end(), create.begin(), create.end());
  if (RunCommand(argv, &out, &err) != 0) return false;
  return WaitHealthy(absl::Seconds(30));
}

std::string RedisClusterProcesses::Seeds() const {
  std::vector<std::string> addrs;
  for (const auto& n : nodes_) addrs.push_back(n->addr());
  return absl::StrJoin(addrs, ",");
}

std::string RedisClusterProcesses::Cli(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"redis-cli"};
  argv.insert(argv.end(), args.begin(), args.end());
  std::string out;
  RunCommand(argv, &out);
  return out;
}

int RedisClusterProcesses::IndexOfPort(int port) const {
  for (size_t i = 0; i < nodes_.size(); ++i)
    if (nodes_[i]->port() == port) return static_cast<int>(i);
  return -1;
}

bool RedisClusterProcesses::WaitHealthy(absl::Duration timeout) {
  absl::Time end = absl::Now() + timeout;
  while (absl::Now() < end) {
    bool ok = true;
    for (auto& n : nodes_) {
      if (n->pid() <= 0) continue;  // killed on purpose
      std::string info = AskText(n->port(), {"CLUSTER", "INFO"});
      if (!absl::StrContains(info, "cluster_state:ok") ||
          !absl::StrContains(info, "cluster_slots_ok:16384")) {
        ok = false;
        break;
      }
      // Replicas have their link up (a manual failover needs it).
      std::string repl = AskText(n->port(), {"INFO", "replication"});
      if (absl::StrContains(repl, "role:slave") &&
          !absl::StrContains(repl, "master_link_status:up")) {
        ok = false;
        break;
      }
    }
    if (ok) return true;
    Pause();
  }
  return false;
}

int RedisClusterProcesses::PrimaryIndexForKey(const std::string& key) {
  for (auto& n : nodes_) {
    if (n->pid() <= 0) continue;
    std::string slot_text = AskText(n->port(), {"CLUSTER", "KEYSLOT", key});
    int slot = -1;
    if (!absl::SimpleAtoi(slot_text, &slot)) continue;
    redisReply* r = Ask(n->port(), {"CLUSTER", "SLOTS"});
    if (r == nullptr) continue;
    int port = -1;
    for (size_t i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements; ++i) {
      const redisReply* range = r->element[i];
      if (range->element[0]->integer <= slot && slot <= range->element[1]->integer)
        port = static_cast<int>(range->element[2]->element[1]->integer);
    }
    freeReplyObject(r);
    if (port > 0) return IndexOfPort(port);
  }
  return -1;
}

int RedisClusterProcesses::ReplicaIndexOf(int primary_index) {
  std::string id = AskText(nodes_[primary_index]->port(), {"CLUSTER", "MYID"});
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (static_cast<int>(i) == primary_index || nodes_[i]->pid() <= 0) continue;
    redisReply* r = Ask(nodes_[i]->port(), {"ROLE"});
    if (r == nullptr) continue;
    bool replica_of = r->type == REDIS_REPLY_ARRAY && r->elements >= 3 &&
                      std::string(r->element[0]->str, r->element[0]->len) == "slave" &&
                      r->element[2]->integer == nodes_[primary_index]->port();
    freeReplyObject(r);
    if (replica_of) return static_cast<int>(i);
  }
  (void)id;
  return -1;
}

bool RedisClusterProcesses::MoveSlot(int slot, int to_index) {
  // Find the owner.
  int from_index = -1;
  redisReply* r = Ask(nodes_[to_index]->port(), {"CLUSTER", "SLOTS"});
  if (r == nullptr) return false;
  for (size_t i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements; ++i) {
    const redisReply* range = r->element[i];
    if (range->element[0]->integer <= slot && slot <= range->element[1]->integer)
      from_index = IndexOfPort(static_cast<int>(range->element[2]->element[1]->integer));
  }
  freeReplyObject(r);
  if (from_index < 0) return false;
  if (from_index == to_index) return true;
  int from = nodes_[from_index]->port(), to = nodes_[to_index]->port();
  std::string from_id = AskText(from, {"CLUSTER", "MYID"});
  std::string to_id = AskText(to, {"CLUSTER", "MYID"});
  std::string s = std::to_string(slot);
  if (AskText(to, {"CLUSTER", "SETSLOT", s, "IMPORTING", from_id}) != "OK") return false;
  if (AskText(from, {"CLUSTER", "SETSLOT", s, "MIGRATING", to_id}) != "OK") return false;
  while (true) {
    redisReply* keys = Ask(from, {"CLUSTER", "GETKEYSINSLOT", s, "100"});
    if (keys == nullptr) return false;
    std::vector<std::string> argv = {"MIGRATE", "127.0.0.1", std::to_string(to), "", "0", "5000",
                                     "KEYS"};
    for (size_t i = 0; i < keys->elements; ++i)
      argv.emplace_back(keys->element[i]->str, keys->element[i]->len);
    size_t n = keys->elements;
    freeReplyObject(keys);
    if (n == 0) break;
    std::string res = AskText(from, argv);
    if (res != "OK" && res != "NOKEY") return false;
  }
  for (auto& node : nodes_) {
    if (node->pid() <= 0) continue;
    AskText(node->port(), {"CLUSTER", "SETSLOT", s, "NODE", to_id});
  }
  return true;
}

// ---- sentinel ----

bool RedisSentinelProcesses::Start(std::vector<std::string> extra_args) {
  data_.push_back(std::make_unique<RedisServer>(extra_args));
  if (!data_[0]->Start()) return false;
  std::vector<std::string> replica_args = extra_args;
  replica_args.insert(replica_args.end(),
                      {"--replicaof", "127.0.0.1", std::to_string(data_[0]->port())});
  data_.push_back(std::make_unique<RedisServer>(replica_args));
  if (!data_[1]->Start()) return false;
  for (int i = 0; i < 3; ++i) {
    int port = FreePort();
    std::string dir = MakeTempDir();
    std::string conf = dir + "/sentinel.conf";
    {
      std::ofstream out(conf);
      out << "port " << port << "\nbind 127.0.0.1\ndir " << dir << "\n"
          << "sentinel monitor " << kMaster << " 127.0.0.1 " << data_[0]->port() << " 2\n"
          << "sentinel down-after-milliseconds " << kMaster << " 1000\n"
          << "sentinel failover-timeout " << kMaster << " 5000\n"
          << "sentinel parallel-syncs " << kMaster << " 1\n";
    }
    auto p = std::make_unique<ChildProcess>();
    if (!p->Start({"redis-server", conf, "--sentinel"})) return false;
    sentinels_.push_back(std::move(p));
    sentinel_ports_.push_back(port);
  }
  // Ready when every sentinel knows the replica and the other two sentinels.
  absl::Time end = absl::Now() + absl::Seconds(30);
  while (absl::Now() < end) {
    bool ready = true;
    for (int port : sentinel_ports_) {
      redisReply* r = Ask(port, {"SENTINEL", "MASTER", kMaster});
      int slaves = -1, others = -1;
      for (size_t i = 0; r && r->type == REDIS_REPLY_ARRAY && i + 1 < r->elements; i += 2) {
        std::string k(r->element[i]->str, r->element[i]->len);
        std::string v(r->element[i + 1]->str, r->element[i + 1]->len);
        if (k == "num-slaves") absl::SimpleAtoi(v, &slaves);
        if (k == "num-other-sentinels") absl::SimpleAtoi(v, &others);
      }
      if (r) freeReplyObject(r);
      if (slaves < 1 || others < 2) ready = false;
    }
    if (ready) return true;
    Pause();
  }
  return false;
}

std::string RedisSentinelProcesses::Sentinels() const {
  std::vector<std::string> addrs;
  for (int p : sentinel_ports_) addrs.push_back(absl::StrCat("127.0.0.1:", p));
  return absl::StrJoin(addrs, ",");
}

int RedisSentinelProcesses::IndexOfPort(int port) const {
  for (size_t i = 0; i < data_.size(); ++i)
    if (data_[i]->port() == port) return static_cast<int>(i);
  return -1;
}

int RedisSentinelProcesses::PrimaryPort() {
  for (int port : sentinel_ports_) {
    redisReply* r = Ask(port, {"SENTINEL", "GET-MASTER-ADDR-BY-NAME", kMaster});
    int p = 0;
    if (r && r->type == REDIS_REPLY_ARRAY && r->elements == 2)
      absl::SimpleAtoi(std::string(r->element[1]->str, r->element[1]->len), &p);
    if (r) freeReplyObject(r);
    if (p > 0) return p;
  }
  return 0;
}

int RedisSentinelProcesses::WaitNewPrimary(int old_port, absl::Duration timeout) {
  absl::Time end = absl::Now() + timeout;
  while (absl::Now() < end) {
    int p = PrimaryPort();
    if (p > 0 && p != old_port) {
      redisReply* r = Ask(p, {"ROLE"});
      bool primary = r && r->type == REDIS_REPLY_ARRAY && r->elements > 0 &&
                     std::string(r->element[0]->str, r->element[0]->len) == "master";
      if (r) freeReplyObject(r);
      if (primary) return p;
    }
    Pause();
  }
  return 0;
}

int RedisSentinelProcesses::Failover(absl::Duration timeout) {
  int old = PrimaryPort();
  absl::Time end = absl::Now() + timeout;
  // A sentinel refuses while a previous failover is settling (NOGOODSLAVE / INPROG): retry.
  while (absl::Now() < end) {
    std::string r = AskText(sentinel_ports_[0], {"SENTINEL", "FAILOVER", kMaster});
    if (r == "OK") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return WaitNewPrimary(old, end - absl::Now());
}

// ---- one interface over the three ----

bool RedisDeployment::Start(std::vector<std::string> extra_args) {
  if (mode_ == "redis") {
    single_ = std::make_unique<RedisServer>(extra_args);
    return single_->Start();
  }
  if (mode_ == "sentinel") {
    sentinel_ = std::make_unique<RedisSentinelProcesses>();
    return sentinel_->Start(extra_args);
  }
  if (mode_ == "cluster") {
    cluster_ = std::make_unique<RedisClusterProcesses>();
    return cluster_->Start(3, 1, extra_args);
  }
  return false;
}

std::vector<std::string> RedisDeployment::ServerFlags() const {
  if (single_) return {"--redis_addr=" + single_->addr()};
  if (sentinel_)
    return {"--redis_sentinels=" + sentinel_->Sentinels(),
            std::string("--redis_master_name=") + RedisSentinelProcesses::kMaster};
  return {"--redis_cluster_nodes=" + cluster_->Seeds()};
}

RedisServer& RedisDeployment::PrimaryFor(const std::string& key) {
  if (single_) return *single_;
  if (sentinel_) {
    int i = sentinel_->IndexOfPort(sentinel_->PrimaryPort());
    return sentinel_->data(i < 0 ? 0 : i);
  }
  int i = cluster_->PrimaryIndexForKey(key);
  return cluster_->node(i < 0 ? 0 : i);
}

std::string RedisDeployment::Cmd(const std::vector<std::string>& argv) {
  std::string key = argv.size() > 1 ? argv[1] : "";
  return PrimaryFor(key).Cmd(argv);
}

}  // namespace hotdesk::testing
