#include "services/redis/connection.h"

#include <errno.h>
#include <ev.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace hotdesk {

struct RedisConnection::Io {
  ev_io read;
  ev_io write;
};

void AppendRespCommand(const std::vector<std::string>& argv, std::string* out) {
  absl::StrAppend(out, "*", argv.size(), "\r\n");
  for (const auto& a : argv) absl::StrAppend(out, "$", a.size(), "\r\n", a, "\r\n");
}

namespace {

std::string ReplyText(const redisReply* r) {
  if (r == nullptr) return "";
  if (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS ||
      r->type == REDIS_REPLY_ERROR)
    return std::string(r->str, r->len);
  return "";
}

// Opens a non-blocking socket connecting to host:port. Name resolution is synchronous (hosts
// are configured names or cluster-announced IPs; resolution is local in practice).
int StartConnect(const RedisNodeAddr& addr, std::string* error) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  std::string port = std::to_string(addr.port);
  int rc = getaddrinfo(addr.host.c_str(), port.c_str(), &hints, &res);
  if (rc != 0) {
    *error = absl::StrCat("resolve ", addr.host, ": ", gai_strerror(rc));
    return -1;
  }
  int fd = -1;
  for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
    fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) continue;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 || errno == EINPROGRESS) break;
    *error = absl::StrCat("connect ", addr.ToString(), ": ", std::strerror(errno));
    close(fd);
    fd = -1;
  }
  freeaddrinfo(res);
  if (fd < 0 && error->empty()) *error = absl::StrCat("connect ", addr.ToString(), ": no address");
  return fd;
}

}  // namespace

RedisConnection::RedisConnection(struct ev_loop* loop, RedisNodeAddr addr,
                                 RedisConnectionOptions options, Hooks hooks)
    : loop_(loop),
      addr_(std::move(addr)),
      options_(std::move(options)),
      hooks_(std::move(hooks)),
      io_(std::make_unique<Io>()) {}

RedisConnection::~RedisConnection() {
  hooks_ = Hooks{};  // the owner is going away: no more calls into it
  Close(absl::UnavailableError("redis client stopped"));
}

absl::Time RedisConnection::oldest_sent() const {
  return pending_.empty() ? absl::InfiniteFuture() : pending_.front().sent;
}

void RedisConnection::Open() {
  if (state_ != State::kIdle) return;
  opened_at_ = absl::Now();
  std::string error;
  fd_ = StartConnect(addr_, &error);
  state_ = State::kConnecting;
  if (fd_ < 0) return Close(absl::UnavailableError(error));
  reader_ = redisReaderCreate();
  ev_io_init(&io_->read, [](struct ev_loop*, ev_io* w, int) {
    static_cast<RedisConnection*>(w->data)->OnReadable();
  }, fd_, EV_READ);
  io_->read.data = this;
  ev_io_init(&io_->write, [](struct ev_loop*, ev_io* w, int) {
    static_cast<RedisConnection*>(w->data)->OnWritable();
  }, fd_, EV_WRITE);
  io_->write.data = this;
  // Writable = the connect finished (either way).
  ev_io_start(loop_, &io_->write);
}

void RedisConnection::Close(const absl::Status& why) {
  if (state_ == State::kIdle) return;
  state_ = State::kIdle;
  ++generation_;
  if (fd_ >= 0) {
    ev_io_stop(loop_, &io_->read);
    ev_io_stop(loop_, &io_->write);
    close(fd_);
    fd_ = -1;
  }
  if (reader_ != nullptr) {
    redisReaderFree(reader_);
    reader_ = nullptr;
  }
  out_.clear();
  std::deque<Pending> failed;
  failed.swap(pending_);
  for (auto& p : failed) {
    ReplyPtr none;
    if (p.fn) p.fn(none, why);
  }
  if (hooks_.closed) hooks_.closed(why);
}

void RedisConnection::Send(const std::vector<std::string>& argv, ReplyFn fn) {
  if (state_ != State::kHandshake && state_ != State::kReady) {
    ReplyPtr none;
    if (fn) fn(none, absl::UnavailableError("redis connection is not open"));
    return;
  }
  AppendRespCommand(argv, &out_);
  pending_.push_back(Pending{std::move(fn), absl::Now()});
  // Written when the loop next polls: requests queued in one iteration share one write.
  ev_io_start(loop_, &io_->write);
}

void RedisConnection::SendNoReply(const std::vector<std::string>& argv) {
  if (state_ != State::kReady) return;
  AppendRespCommand(argv, &out_);
  ev_io_start(loop_, &io_->write);
}

void RedisConnection::OnWritable() {
  if (state_ == State::kConnecting) return OnConnected();
  Flush();
}

void RedisConnection::OnConnected() {
  int err = 0;
  socklen_t len = sizeof(err);
  if (getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
  if (err != 0)
    return Close(
        absl::UnavailableError(absl::StrCat("connect ", addr_.ToString(), ": ", strerror(err))));
  ev_io_stop(loop_, &io_->write);
  ev_io_start(loop_, &io_->read);
  StartHandshake();
}

void RedisConnection::StartHandshake() {
  state_ = State::kHandshake;
  uint64_t gen = generation_;
  // Each step's error closes the connection; the last step makes it ready.
  auto step = [this, gen](const char* what, bool fatal) {
    return [this, gen, what, fatal](ReplyPtr& r, const absl::Status& closed) {
      if (!closed.ok() || gen != generation_) return;
      if (r->type == REDIS_REPLY_ERROR && fatal) {
        Close(absl::UnavailableError(absl::StrCat("redis ", addr_.ToString(), " refused ", what,
                                                  ": ", ReplyText(r.get()))));
      }
    };
  };
  if (!options_.password.empty()) {
    std::vector<std::string> auth = {"AUTH"};
    if (!options_.username.empty()) auth.push_back(options_.username);
    auth.push_back(options_.password);
    Send(auth, step("AUTH", true));
  }
  if (options_.db != 0) Send({"SELECT", std::to_string(options_.db)}, step("SELECT", true));
  if (!options_.client_name.empty())
    Send({"CLIENT", "SETNAME", options_.client_name}, step("CLIENT SETNAME", false));
  if (options_.require_primary) {
    Send({"ROLE"}, [this, gen](ReplyPtr& r, const absl::Status& closed) {
      if (!closed.ok() || gen != generation_) return;
      std::string role = (r->type == REDIS_REPLY_ARRAY && r->elements > 0)
                             ? ReplyText(r->element[0])
                             : ReplyText(r.get());
      if (role != "master") {
        Close(absl::UnavailableError(absl::StrCat("redis ", addr_.ToString(),
                                                  " is not a primary (role: ", role, ")")));
      }
    });
  }
  // The last step. ROLE answers while the dataset loads; PING does not (-LOADING), so a
  // restarting Redis is retried rather than served from.
  Send({"PING"}, [this, gen](ReplyPtr& r, const absl::Status& closed) {
    if (!closed.ok() || gen != generation_) return;
    if (r->type == REDIS_REPLY_ERROR) {
      return Close(absl::UnavailableError(
          absl::StrCat("redis ", addr_.ToString(), " is not ready: ", ReplyText(r.get()))));
    }
    state_ = State::kReady;
    if (hooks_.ready) hooks_.ready();
  });
}

void RedisConnection::Flush() {
  while (!out_.empty()) {
    ssize_t n = send(fd_, out_.data(), out_.size(), MSG_NOSIGNAL);
    if (n > 0) {
      out_.erase(0, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;  // the watcher stays on
    if (n < 0 && errno == EINTR) continue;
    return Close(absl::UnavailableError(
        absl::StrCat("redis ", addr_.ToString(), " write failed: ", std::strerror(errno))));
  }
  ev_io_stop(loop_, &io_->write);
}

void RedisConnection::OnReadable() {
  char buf[16384];
  uint64_t gen = generation_;
  while (true) {
    ssize_t n = recv(fd_, buf, sizeof(buf), 0);
    if (n == 0) {
      return Close(absl::UnavailableError(
          absl::StrCat("redis ", addr_.ToString(), " closed the connection")));
    }
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      if (errno == EINTR) continue;
      return Close(absl::UnavailableError(
          absl::StrCat("redis ", addr_.ToString(), " read failed: ", std::strerror(errno))));
    }
    if (redisReaderFeed(reader_, buf, static_cast<size_t>(n)) != REDIS_OK) {
      return Close(absl::InternalError(absl::StrCat("redis protocol error: ", reader_->errstr)));
    }
    while (true) {
      void* reply = nullptr;
      if (redisReaderGetReply(reader_, &reply) != REDIS_OK) {
        return Close(
            absl::InternalError(absl::StrCat("redis protocol error: ", reader_->errstr)));
      }
      if (reply == nullptr) break;
      last_reply_ = absl::Now();
      Deliver(ReplyPtr(static_cast<redisReply*>(reply)));
      if (gen != generation_) return;  // a callback closed this connection
    }
    if (static_cast<size_t>(n) < sizeof(buf)) return;
  }
}

bool RedisConnection::IsPush(const redisReply* r) const {
  if (!options_.subscriber || r->type != REDIS_REPLY_ARRAY || r->elements < 3) return false;
  std::string kind = absl::AsciiStrToLower(ReplyText(r->element[0]));
  return kind == "message" || kind == "smessage" || kind == "pmessage" ||
         kind == "sunsubscribe" || kind == "unsubscribe";
}

void RedisConnection::Deliver(ReplyPtr reply) {
  if (IsPush(reply.get()) || pending_.empty()) {
    if (options_.subscriber && hooks_.push) {
      hooks_.push(reply.get());
      return;
    }
    // An answer nobody asked for: Redis sends one before closing (e.g. max clients).
    return Close(absl::UnavailableError(absl::StrCat(
        "redis ", addr_.ToString(), " sent an unexpected reply: ", ReplyText(reply.get()))));
  }
  Pending p = std::move(pending_.front());
  pending_.pop_front();
  if (p.fn) p.fn(reply, absl::OkStatus());
}

}  // namespace hotdesk
