#include "adapters/csta/transport.h"

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace hotdesk::csta {
namespace {

class Plain : public Transport {
 public:
  explicit Plain(int fd) : fd_(fd) {}
  ~Plain() override { ::close(fd_); }
  ssize_t Read(char* buf, size_t n) override {
    for (;;) {
      ssize_t r = ::recv(fd_, buf, n, 0);
      if (r >= 0) return r;
      if (errno == EINTR) continue;
      return errno == EAGAIN || errno == EWOULDBLOCK ? kWouldBlock : kError;
    }
  }
  ssize_t Write(const char* buf, size_t n) override {
    for (;;) {
      ssize_t r = ::send(fd_, buf, n, MSG_NOSIGNAL);
      if (r >= 0) return r;
      if (errno == EINTR) continue;
      return errno == EAGAIN || errno == EWOULDBLOCK ? kWouldBlock : kError;
    }
  }
  int fd() const override { return fd_; }

 private:
  int fd_;
};

std::string SslErrors() {
  std::string out;
  unsigned long e;
  char buf[256];
  while ((e = ERR_get_error()) != 0) {
    ERR_error_string_n(e, buf, sizeof(buf));
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? "unknown TLS error" : out;
}

class Tls : public Transport {
 public:
  Tls(int fd, SSL* ssl) : fd_(fd), ssl_(ssl) {}
  ~Tls() override {
    SSL_shutdown(ssl_);  // best effort close_notify; non-blocking
    SSL_free(ssl_);
    ::close(fd_);
  }
  ssize_t Read(char* buf, size_t n) override {
    return Io(SSL_read(ssl_, buf, static_cast<int>(n)));
  }
  ssize_t Write(const char* buf, size_t n) override {
    return Io(SSL_write(ssl_, buf, static_cast<int>(n)));
  }
  bool Pending() const override { return SSL_pending(ssl_) > 0; }
  bool WantsWrite() const override { return wants_write_; }
  int fd() const override { return fd_; }

 private:
  ssize_t Io(int r) {
    wants_write_ = false;
    if (r > 0) return r;
    switch (SSL_get_error(ssl_, r)) {
      case SSL_ERROR_WANT_READ:
        return kWouldBlock;
      case SSL_ERROR_WANT_WRITE:
        wants_write_ = true;
        return kWouldBlock;
      case SSL_ERROR_ZERO_RETURN:
        return 0;
      default:
        ERR_clear_error();
        return kError;
    }
  }

  int fd_;
  SSL* ssl_;
  bool wants_write_ = false;
};

}  // namespace

std::unique_ptr<Transport> PlainTransport(int fd) { return std::make_unique<Plain>(fd); }

TlsServer::~TlsServer() {
  if (ctx_) SSL_CTX_free(ctx_);
}

absl::StatusOr<std::unique_ptr<TlsServer>> TlsServer::Create(const std::string& cert_file,
                                                             const std::string& key_file,
                                                             const std::string& client_ca_file) {
  std::unique_ptr<TlsServer> s(new TlsServer());
  s->ctx_ = SSL_CTX_new(TLS_server_method());
  if (!s->ctx_) return absl::InternalError(SslErrors());
  SSL_CTX_set_min_proto_version(s->ctx_, TLS1_2_VERSION);
  // A frame may be re-offered from a different buffer address after WANT_WRITE.
  SSL_CTX_set_mode(s->ctx_, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_ENABLE_PARTIAL_WRITE);
  if (SSL_CTX_use_certificate_chain_file(s->ctx_, cert_file.c_str()) != 1)
    return absl::InvalidArgumentError(absl::StrCat("--tls_cert ", cert_file, ": ", SslErrors()));
  if (SSL_CTX_use_PrivateKey_file(s->ctx_, key_file.c_str(), SSL_FILETYPE_PEM) != 1)
    return absl::InvalidArgumentError(absl::StrCat("--tls_key ", key_file, ": ", SslErrors()));
  if (SSL_CTX_check_private_key(s->ctx_) != 1)
    return absl::InvalidArgumentError("--tls_key does not match --tls_cert");
  if (!client_ca_file.empty()) {
    if (SSL_CTX_load_verify_locations(s->ctx_, client_ca_file.c_str(), nullptr) != 1)
      return absl::InvalidArgumentError(
          absl::StrCat("--tls_client_ca ", client_ca_file, ": ", SslErrors()));
    // Tell clients which CAs are accepted, so one with several certificates picks the right one.
    STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(client_ca_file.c_str());
    if (names) SSL_CTX_set_client_CA_list(s->ctx_, names);
    SSL_CTX_set_verify(s->ctx_, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  }
  return s;
}

absl::StatusOr<std::unique_ptr<Transport>> TlsServer::Accept(int fd, absl::Duration timeout) {
  SSL* ssl = SSL_new(ctx_);
  if (!ssl) {
    ::close(fd);
    return absl::InternalError(SslErrors());
  }
  SSL_set_fd(ssl, fd);
  auto transport = std::make_unique<Tls>(fd, ssl);  // owns fd and ssl from here on
  absl::Time deadline = absl::Now() + timeout;
  for (;;) {
    int r = SSL_accept(ssl);
    if (r == 1) return std::unique_ptr<Transport>(std::move(transport));
    int err = SSL_get_error(ssl, r);
    short events;
    if (err == SSL_ERROR_WANT_READ) {
      events = POLLIN;
    } else if (err == SSL_ERROR_WANT_WRITE) {
      events = POLLOUT;
    } else {
      return absl::UnavailableError(absl::StrCat("TLS handshake failed: ", SslErrors()));
    }
    int ms = static_cast<int>(absl::ToInt64Milliseconds(deadline - absl::Now()));
    if (ms <= 0) return absl::DeadlineExceededError("TLS handshake timed out");
    pollfd p{fd, events, 0};
    if (::poll(&p, 1, ms) < 0 && errno != EINTR)
      return absl::UnavailableError("poll failed during TLS handshake");
  }
}

}  // namespace hotdesk::csta
