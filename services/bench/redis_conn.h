// Synchronous hiredis connection for the bench's own Redis work: admin commands (INFO,
// CLIENT LIST, MEMORY USAGE, key cleanup) and the pipelined script driver.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <hiredis/hiredis.h>

#include "absl/status/statusor.h"

namespace hotdesk::bench {

struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

class RedisConn {
 public:
  // addr is host:port.
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
  // UNLINKs every key matching `pattern` (SCAN); returns how many.
  absl::StatusOr<int64_t> DeleteMatching(const std::string& pattern);

 private:
  explicit RedisConn(redisContext* c) : ctx_(c) {}
  redisContext* ctx_;
};

}  // namespace hotdesk::bench
