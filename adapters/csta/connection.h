// One CSTA client: its socket (plain or TLS), frame decoder, outgoing queue, namespace, idle
// timer and heartbeat. Runs on its own thread (Run blocks until the connection ends); anything
// may queue frames to it (Enqueue never touches the socket's blocking state).
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>

#include "absl/time/time.h"
#include "adapters/common/core_call.h"
#include "adapters/csta/csta_xml.h"
#include "adapters/csta/frame_codec.h"
#include "adapters/csta/monitors.h"
#include "adapters/csta/transport.h"

namespace hotdesk::csta {

class Connection;
class Metrics;

// What a connection does with decoded frames (the gateway).
class FrameHandler {
 public:
  virtual ~FrameHandler() = default;
  virtual void OnFrame(const std::shared_ptr<Connection>& conn, const Frame& frame) = 0;
  virtual void OnClosed(Connection& conn) = 0;
};

struct ConnectionOptions {
  size_t max_frame = kMaxFrameLimit;
  size_t max_queue_bytes = 4 << 20;
  absl::Duration idle_timeout = absl::Seconds(300);
  absl::Duration heartbeat_interval = absl::Seconds(30);
  bool status_on_connect = true;
  std::string default_namespace;
  std::string private_namespace;
  // The client's address is in --trusted_networks: it may log in without a PIN and use the
  // private services.
  bool trusted = false;
  // Frames a client may send per second, after a first burst of `frame_burst` (monitoring all
  // its devices at connect); 0: no limit.
  double max_frames_per_second = 0;
  double frame_burst = 1;
};

// What AdmitFrame decided.
enum class FrameAdmission { kAdmit, kRefuse, kRefuseFirst /* first refusal of a burst: log it */ };

class Connection : public ClientSink, public std::enable_shared_from_this<Connection> {
 public:
  Connection(uint64_t id, std::unique_ptr<Transport> transport, std::string peer,
             ConnectionOptions options, FrameHandler* handler, Metrics* metrics);
  ~Connection() override;

  // Serves the client until it leaves, breaks the framing, idles out or Stop() is called.
  void Run();
  // Asks Run to finish (thread-safe, idempotent).
  void Stop();

  uint64_t id() const override { return id_; }
  std::string Namespace() const override;
  void Enqueue(std::string frame) override;

  // The client used this CSTA namespace: answer and send events in it from now on.
  void SetNamespace(const std::string& ns);
  Namespaces Ns() const { return {Namespace(), options_.private_namespace}; }
  const std::string& peer() const { return peer_; }
  bool trusted() const { return options_.trusted; }
  // The per-connection frame budget (a token bucket): called for every frame, from the
  // connection's own thread.
  FrameAdmission AdmitFrame(absl::Time now);
  // Invoke id for a request we originate (SystemStatus): 9998 down to 9000, wrapping.
  int NextInvokeId();
  // The core request id of a change this client asked for (invoke `invoke_id`). Invoke ids wrap
  // and clients may reuse them, so the id is "csta-<connection nonce>-<n>-<invoke id>": unique
  // across connections, restarts and wrap-around; the gateway's own retries of the change reuse
  // it.
  std::string NextRequestId(int invoke_id);

 private:
  bool Flush();  // false on a socket error
  void Wake();
  std::string Close(const std::string& reason);

  const uint64_t id_;
  std::unique_ptr<Transport> transport_;
  const std::string peer_;
  const ConnectionOptions options_;
  FrameHandler* handler_;
  Metrics* metrics_;
  int wake_fd_ = -1;
  FrameDecoder decoder_;
  int next_invoke_ = 9999;
  double frame_tokens_ = 0;  // frame budget left (AdmitFrame)
  absl::Time frame_refill_ = absl::InfinitePast();
  bool refusing_ = false;  // the last frame was refused
  adapters::RequestIds request_ids_;

  mutable std::mutex mu_;
  std::string namespace_;
  std::deque<std::string> out_;
  size_t out_front_offset_ = 0;
  size_t out_bytes_ = 0;
  bool overflow_ = false;
  std::atomic<bool> stop_{false};
};

}  // namespace hotdesk::csta
