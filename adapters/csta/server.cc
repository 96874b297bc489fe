#include "adapters/csta/server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <prometheus/exposer.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "adapters/common/core_channel.h"
#include "adapters/common/cursor_store.h"
#include "adapters/common/event_follower.h"
#include "adapters/csta/connection.h"
#include "adapters/csta/gateway.h"
#include "adapters/csta/metrics.h"
#include "adapters/csta/transport.h"
#include "services/common/host_port.h"
#include "services/common/log.h"
#include "services/common/metrics_exposer.h"

namespace hotdesk::csta {
namespace {

std::string PeerName(const sockaddr_storage& ss) {
  char host[NI_MAXHOST], serv[NI_MAXSERV];
  if (getnameinfo(reinterpret_cast<const sockaddr*>(&ss), sizeof(ss), host, sizeof(host), serv,
                  sizeof(serv), NI_NUMERICHOST | NI_NUMERICSERV) != 0)
    return "?";
  return absl::StrCat(host, ":", serv);
}

}  // namespace

CstaServer::CstaServer(GatewayConfig config) : config_(std::move(config)) {}

CstaServer::~CstaServer() {
  Shutdown();
  if (listen_fd_ >= 0) ::close(listen_fd_);
  if (wake_fd_ >= 0) ::close(wake_fd_);
  if (spare_fd_ >= 0) ::close(spare_fd_);
}

absl::Status CstaServer::Start() {
  metrics_ = std::make_unique<Metrics>();
  if (!config_.tls_client_ca.empty() && config_.tls_cert.empty())
    return absl::InvalidArgumentError("--tls_client_ca needs --tls_cert and --tls_key");
  if (!config_.tls_cert.empty() || !config_.tls_key.empty()) {
    if (config_.tls_cert.empty() || config_.tls_key.empty())
      return absl::InvalidArgumentError("--tls_cert and --tls_key go together");
    auto tls = TlsServer::Create(config_.tls_cert, config_.tls_key, config_.tls_client_ca);
    if (!tls.ok()) return tls.status();
    tls_ = std::move(*tls);
  }
  auto hp = SplitHostPort(config_.listen, /*allow_port_zero=*/true);
  if (!hp.ok()) return absl::InvalidArgumentError(absl::StrCat("--listen: ", hp.status().message()));
  const std::string& host = hp->host;
  const std::string port = std::to_string(hp->port);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* res = nullptr;
  if (int rc = getaddrinfo(host.empty() ? nullptr : host.c_str(), port.c_str(), &hints, &res); rc)
    return absl::InvalidArgumentError(
        absl::StrCat("--listen ", config_.listen, ": ", gai_strerror(rc)));
  int fd = ::socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (fd < 0 || ::bind(fd, res->ai_addr, res->ai_addrlen) != 0 || ::listen(fd, 128) != 0) {
    int err = errno;
    freeaddrinfo(res);
    if (fd >= 0) ::close(fd);
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", config_.listen, ": ", strerror(err)));
  }
  freeaddrinfo(res);
  listen_fd_ = fd;
  sockaddr_storage bound{};
  socklen_t len = sizeof(bound);
  getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len);
  port_ = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                            : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  spare_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);

  auto exposer = ServeMetrics(config_.metrics_listen, metrics_->registry());
  if (!exposer.ok()) return exposer.status();
  exposer_ = std::move(*exposer);

  auto channel = adapters::CreateCoreChannel({config_.server, config_.core_auth});
  if (!channel.ok()) return channel.status();
  HD_LOG(kInfo, "core channel")
      .kv("server", config_.server)
      .kv("auth", adapters::DescribeCoreAuth(config_.core_auth));
  gateway_ = std::make_unique<Gateway>(config_, *channel, metrics_.get());
  if (config_.cursor_file.empty()) {
    cursor_store_ = std::make_unique<adapters::NullCursorStore>();
  } else {
    cursor_store_ = std::make_unique<adapters::FileCursorStore>(config_.cursor_file);
  }
  Gateway* gw = gateway_.get();
  Metrics* m = metrics_.get();
  adapters::FollowerCallbacks cb;
  // The current associations at the first start are state, not changes: no CSTA events.
  cb.on_event = [gw, m](const adapters::Delivery& d) {
    m->watch_events().Increment();
    gw->OnEvent(d.event);
    return absl::OkStatus();
  };
  cb.on_stream = [m](bool up) { m->watch_connected().Set(up ? 1 : 0); };
  cb.on_reconnect = [m] { m->watch_reconnects().Increment(); };
  cb.on_resync = [m](size_t) { m->watch_resyncs().Increment(); };
  adapters::FollowerOptions fo;
  fo.tenant = config_.tenant;
  follower_ = std::make_unique<adapters::EventFollower>(*channel, cursor_store_.get(), fo, cb);
  follower_->Start();
  accept_thread_ = std::thread([this] { AcceptLoop(); });
  HD_LOG(kInfo, "hotdesk-csta started")
      .kv("port", port_)
      .kv("tls", !tls_ ? "off" : config_.tls_client_ca.empty() ? "on" : "mtls")
      .kv("allow_networks", config_.allow_networks.empty() ? std::string("any")
                                                           : config_.allow_networks.ToString())
      .kv("trusted_networks", config_.trusted_networks.empty()
                                  ? std::string("none")
                                  : config_.trusted_networks.ToString())
      .kv("server", config_.server)
      .kv("tenant", config_.tenant);
  return absl::OkStatus();
}

void CstaServer::AcceptLoop() {
  while (!stopping_) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) continue;
    if (stopping_) break;
    ReapFinished();
    if (!(fds[0].revents & POLLIN)) continue;
    sockaddr_storage ss{};
    socklen_t len = sizeof(ss);
    int fd =
        ::accept4(listen_fd_, reinterpret_cast<sockaddr*>(&ss), &len, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) {
      int err = errno;
      if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM) ShedAndPause(err);
      continue;
    }
    std::string peer = PeerName(ss);
    if (!config_.allow_networks.empty() && !config_.allow_networks.Contains(ss)) {
      // Closed before a single byte is read: nothing of this client's is parsed.
      ::close(fd);
      metrics_->Connection("rejected_network");
      HD_LOG(kWarn, "client refused: not in --allow_networks").kv("peer", peer);
      continue;
    }
    bool trusted = config_.trusted_networks.Contains(ss);
    uint64_t id;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (serving_ >= config_.max_clients) {
        ::close(fd);
        metrics_->Connection("rejected_limit");
        HD_LOG(kWarn, "client refused: --max_clients reached").kv("peer", peer);
        continue;
      }
      ++serving_;
      id = next_id_++;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    metrics_->Connection("accepted");
    std::thread t([this, fd, peer, id, trusted] { Serve(fd, peer, id, trusted); });
    std::lock_guard<std::mutex> lock(mu_);
    threads_.emplace(id, std::move(t));
  }
}

void CstaServer::ShedAndPause(int err) {
  metrics_->Connection("rejected_no_fd");
  HD_LOG(kError, "cannot accept a client: out of file descriptors; refusing it")
      .kv("error", std::strerror(err))
      .kv("clients", metrics_->clients().Value());
  // Give up the spare descriptor for a moment so the waiting connection can be taken and closed:
  // the client learns at once, and the listener stops being readable for it.
  if (spare_fd_ >= 0) {
    ::close(spare_fd_);
    spare_fd_ = -1;
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd >= 0) ::close(fd);
    spare_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  }
  // Whatever else waits is taken when descriptors are free again; until then, check rarely.
  pollfd wake = {wake_fd_, POLLIN, 0};
  ::poll(&wake, 1, 200);
}

void CstaServer::ReapFinished() {
  std::vector<std::thread> done;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (uint64_t id : finished_) {
      auto it = threads_.find(id);
      if (it == threads_.end()) continue;
      done.push_back(std::move(it->second));
      threads_.erase(it);
    }
    finished_.clear();
  }
  for (std::thread& t : done) t.join();
}

void CstaServer::Serve(int fd, std::string peer, uint64_t id, bool trusted) {
  pthread_setname_np(pthread_self(), "csta-client");
  std::unique_ptr<Transport> transport;
  if (tls_) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) ::shutdown(fd, SHUT_RD);  // Shutdown has passed: fail the handshake now
      handshaking_[id] = fd;
    }
    auto t = tls_->Accept(fd, absl::Seconds(10));
    {
      std::lock_guard<std::mutex> lock(mu_);
      handshaking_.erase(id);
    }
    if (!t.ok()) {
      HD_LOG(kWarn, "TLS handshake failed").kv("peer", peer).kv("error", t.status().message());
      metrics_->Connection("tls_failed");
    } else {
      transport = std::move(*t);
    }
  } else {
    transport = PlainTransport(fd);
  }
  if (transport) {
    ConnectionOptions o;
    o.max_frame = config_.max_frame;
    o.max_queue_bytes = config_.max_queue_bytes;
    o.idle_timeout = config_.idle_timeout;
    o.heartbeat_interval = config_.heartbeat_interval;
    o.status_on_connect = config_.status_on_connect;
    o.default_namespace = config_.default_namespace;
    o.private_namespace = config_.private_namespace;
    o.trusted = trusted;
    o.max_frames_per_second = config_.max_frames_per_second;
    o.frame_burst = config_.max_frame_burst;
    auto conn = std::make_shared<Connection>(id, std::move(transport), peer, o, gateway_.get(),
                                             metrics_.get());
    bool run = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!stopping_) {
        clients_[id] = conn;
        run = true;
      }
    }
    if (run) {
      metrics_->clients().Increment();
      HD_LOG(kInfo, "client connected")
          .kv("conn", id)
          .kv("peer", peer)
          .kv("trusted", trusted ? "true" : "false");
      conn->Run();
      metrics_->clients().Decrement();
    }
    std::lock_guard<std::mutex> lock(mu_);
    clients_.erase(id);
  }
  std::lock_guard<std::mutex> lock(mu_);
  --serving_;
  finished_.push_back(id);
  cv_.notify_all();
}

void CstaServer::Shutdown() {
  if (stopping_.exchange(true)) return;
  if (wake_fd_ >= 0) {
    uint64_t one = 1;
    ssize_t r = ::write(wake_fd_, &one, sizeof(one));
    (void)r;
  }
  if (accept_thread_.joinable()) accept_thread_.join();
  // Every client thread ends promptly: connections are told to stop, handshakes lose their
  // socket, and calls to the core (which may be retrying) are cancelled.
  if (gateway_) gateway_->CancelCalls();
  std::map<uint64_t, std::thread> threads;
  {
    std::unique_lock<std::mutex> lock(mu_);
    for (auto& [id, c] : clients_) c->Stop();
    for (auto& [id, fd] : handshaking_) ::shutdown(fd, SHUT_RD);  // its reads end at once
    if (!cv_.wait_for(lock, std::chrono::seconds(10), [this] { return serving_ == 0; })) {
      HD_LOG(kWarn, "client threads slow to stop; waiting for them").kv("threads", serving_);
    }
    threads.swap(threads_);
    finished_.clear();
  }
  for (auto& [id, t] : threads) t.join();
  if (follower_) follower_->Stop();
  HD_LOG(kInfo, "hotdesk-csta stopped").kv("cursor", follower_ ? follower_->cursor() : "");
}

}  // namespace hotdesk::csta
