// A client's byte stream: plain TCP or TLS (OpenSSL) over a non-blocking socket.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

typedef struct ssl_ctx_st SSL_CTX;

namespace hotdesk::csta {

class Transport {
 public:
  static constexpr ssize_t kWouldBlock = -1;
  static constexpr ssize_t kError = -2;

  virtual ~Transport() = default;
  // > 0 bytes read, 0 at end of stream, kWouldBlock or kError.
  virtual ssize_t Read(char* buf, size_t n) = 0;
  // > 0 bytes written, kWouldBlock or kError.
  virtual ssize_t Write(const char* buf, size_t n) = 0;
  // Decrypted bytes already buffered (poll() would not report them).
  virtual bool Pending() const { return false; }
  // The last operation needs the socket writable before it can progress (TLS).
  virtual bool WantsWrite() const { return false; }
  virtual int fd() const = 0;
};

// Takes ownership of a non-blocking socket.
std::unique_ptr<Transport> PlainTransport(int fd);

class TlsServer {
 public:
  ~TlsServer();
  // Loads a PEM certificate chain and private key. With `client_ca_file` every client must
  // present a certificate that chains to one of its CAs (mTLS); the handshake fails otherwise.
  static absl::StatusOr<std::unique_ptr<TlsServer>> Create(const std::string& cert_file,
                                                           const std::string& key_file,
                                                           const std::string& client_ca_file = "");
  // Runs the server handshake on a non-blocking socket (owned by the result; closed on error).
  absl::StatusOr<std::unique_ptr<Transport>> Accept(int fd, absl::Duration timeout);

 private:
  TlsServer() = default;
  SSL_CTX* ctx_ = nullptr;
};

}  // namespace hotdesk::csta
