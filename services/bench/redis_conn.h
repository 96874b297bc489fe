// Synchronous hiredis connection to one Redis node for the bench's own Redis work: admin
// commands (INFO, CLIENT LIST, MEMORY USAGE, key cleanup) and the pipelined script driver.
// Which node to talk to is decided by RedisTarget (services/bench/redis_target.h).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <hiredis/hiredis.h>

#include "absl/status/statusor.h"
#include "services/redis/connection.h"
#include "services/redis/redis_client.h"

namespace hotdesk::bench {

using ::hotdesk::ReplyPtr;

class RedisConn {
 public:
  // Connects to `node` and logs in as `login` says (username/password; SELECT of a non-zero
  // db outside cluster mode), the way the server's client does.
  static absl::StatusOr<std::unique_ptr<RedisConn>> Connect(const RedisNodeAddr& node,
                                                            const RedisConfig& login);
  // host:port, no login (the bench's own spawned Redis).
  static absl::StatusOr<std::unique_ptr<RedisConn>> Connect(const std::string& addr);
  ~RedisConn();

  // One command, one reply; an error reply is returned as a non-OK status.
  absl::StatusOr<ReplyPtr> Cmd(const std::vector<std::string>& argv);
  // Pipelining: queue a command, then read replies in order.
  void Append(const std::vector<std::string>& argv);
  absl::StatusOr<ReplyPtr> Read();

  // INFO <section> field as an integer.
  absl::StatusOr<int64_t> InfoInt(const std::string& section, const std::string& field);
  // Connections other than this one (CLIENT LIST minus self).
  absl::StatusOr<int> OtherClients();
  // Calls `batch` with the keys matching `pattern`, a SCAN page at a time, until it fails.
  absl::Status ScanKeys(const std::string& pattern,
                        const std::function<absl::Status(const std::vector<std::string>&)>& batch);
  // UNLINKs every key matching `pattern` (SCAN); returns how many.
  absl::StatusOr<int64_t> DeleteMatching(const std::string& pattern);

 private:
  explicit RedisConn(redisContext* c) : ctx_(c) {}
  redisContext* ctx_;
};

}  // namespace hotdesk::bench
