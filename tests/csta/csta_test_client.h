// A CSTA client for tests: real TCP (optionally TLS) socket, 8-byte framing, controllable write
// chunking, frames read with timeouts and matched by root element name or invoke id.
#pragma once

#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"

typedef struct ssl_st SSL;
typedef struct ssl_ctx_st SSL_CTX;

namespace hotdesk::csta::testing {

struct Message {
  int invoke_id = 0;
  std::string xml;
  std::string name;  // root element's local name ("" if the body is not XML)
  std::string ns;    // root element's default/prefix namespace

  // Text of the element at a '/'-separated path of local names below the root ("" if absent),
  // e.g. "agentDevice/deviceIdentifier"; "*" matches any element at that step.
  std::string Field(const std::string& path) const;
  // Text of the first element anywhere below the root with this local name.
  std::string Find(const std::string& local) const;
  // Value of the private kv pair with this key.
  std::string PrivateKey(const std::string& key) const;
};

class Client {
 public:
  Client() = default;
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  bool Connect(int port, bool tls = false);
  // A tiny receive buffer (set before Connect) makes a client that does not read back up fast.
  void set_receive_buffer(int bytes) { rcvbuf_ = bytes; }
  // Connect from this loopback address (e.g. "127.0.0.2", another "network" for allow-lists).
  void set_source_address(const std::string& ip) { source_ = ip; }
  // Present this certificate (PEM files) in the TLS handshake.
  void set_client_certificate(const std::string& cert, const std::string& key) {
    client_cert_ = cert;
    client_key_ = key;
  }
  void Close();

  // Answer the gateway's SystemStatus requests and hide them from Read (default true).
  void set_auto_answer(bool on) { auto_answer_ = on; }

  // Frames `xml` with `invoke_id` and writes it in pieces of `chunk` bytes (0: one write).
  bool Send(int invoke_id, const std::string& xml, size_t chunk = 0);
  // Writes raw bytes in pieces of `chunk` bytes (0: one write).
  bool SendRaw(const std::string& bytes, size_t chunk = 0);
  // Sends with a fresh invoke id (0001..9998) and waits for the frame carrying it.
  std::optional<Message> Request(const std::string& xml,
                                 absl::Duration timeout = absl::Seconds(10));

  // The next frame, or nullopt on timeout or when the connection closed.
  std::optional<Message> Read(absl::Duration timeout);
  // The first frame with this root name (earlier other frames stay queued for later reads).
  std::optional<Message> WaitFor(const std::string& name, absl::Duration timeout);
  std::optional<Message> WaitForInvoke(int invoke_id, absl::Duration timeout);
  // Every frame arriving until `quiet` passes without one.
  std::vector<Message> Drain(absl::Duration quiet);
  // True once the peer closed the connection (waits up to timeout).
  bool WaitClosed(absl::Duration timeout);
  bool closed() const { return closed_; }
  int next_invoke() const { return invoke_; }

 private:
  bool WriteAll(const char* data, size_t n);
  // Reads one frame from the socket into pending_ (respecting the deadline).
  bool Pump(absl::Time deadline);
  bool Take(const std::function<bool(const Message&)>& match, absl::Time deadline, Message* out);
  ssize_t RawRead(char* buf, size_t n, absl::Time deadline);

  int fd_ = -1;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  bool auto_answer_ = true;
  int rcvbuf_ = 0;
  std::string source_;
  std::string client_cert_, client_key_;
  bool closed_ = false;
  int invoke_ = 0;
  std::string inbuf_;
  std::deque<Message> pending_;
};

// Builds a message body in the given namespace, e.g. Xml("MonitorStart", "<monitorObject>...").
std::string Xml(
    const std::string& root, const std::string& inner,
    const std::string& ns = "http://www.ecma-international.org/standards/ecma-323/csta/ed3");
std::string MonitorStartXml(const std::string& device, const std::string& ns = "");
std::string SetAgentStateXml(const std::string& device, const std::string& state,
                             const std::string& agent, const std::string& password = "",
                             const std::string& ns = "");
// Genesys-style private service over EscapeService (see adapters/csta/README.md).
std::string EscapeServiceXml(int service, const std::string& this_dn, const std::string& host_dn,
                             const std::string& ns = "");
// A frame header + body without validation (for broken-frame tests).
std::string RawFrame(uint16_t length, const std::string& invoke, const std::string& body);

}  // namespace hotdesk::csta::testing
