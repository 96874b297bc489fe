#include "adapters/csta/connection.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "absl/time/clock.h"
#include "adapters/csta/metrics.h"
#include "services/common/log.h"

namespace hotdesk::csta {

Connection::Connection(uint64_t id, std::unique_ptr<Transport> transport, std::string peer,
                       ConnectionOptions options, FrameHandler* handler, Metrics* metrics)
    : id_(id),
      transport_(std::move(transport)),
      peer_(std::move(peer)),
      options_(std::move(options)),
      handler_(handler),
      metrics_(metrics),
      wake_fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)),
      decoder_(options_.max_frame),
      request_ids_("csta-" + adapters::RandomNonce()),
      namespace_(options_.default_namespace) {}

Connection::~Connection() {
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

std::string Connection::Namespace() const {
  std::lock_guard<std::mutex> lock(mu_);
  return namespace_;
}

void Connection::SetNamespace(const std::string& ns) {
  std::lock_guard<std::mutex> lock(mu_);
  namespace_ = ns;
}

int Connection::NextInvokeId() {
  // Counting down from 9998 within 9000..9998: clients number their requests upwards from 0000
  // or 0001 (one wraps at 9000), so our requests do not collide with their pending ones.
  next_invoke_ = next_invoke_ <= 9000 ? 9998 : next_invoke_ - 1;
  return next_invoke_;
}

std::string Connection::NextRequestId(int invoke_id) {
  char invoke[8];
  std::snprintf(invoke, sizeof(invoke), "%04d", invoke_id);
  return request_ids_.Next(invoke);
}

FrameAdmission Connection::AdmitFrame(absl::Time now) {
  double rate = options_.max_frames_per_second;
  if (rate <= 0) return FrameAdmission::kAdmit;
  double burst = std::max(1.0, options_.frame_burst);
  if (frame_refill_ == absl::InfinitePast()) {
    frame_tokens_ = burst;
  } else {
    frame_tokens_ =
        std::min(burst, frame_tokens_ + absl::ToDoubleSeconds(now - frame_refill_) * rate);
  }
  frame_refill_ = now;
  if (frame_tokens_ >= 1) {
    frame_tokens_ -= 1;
    refusing_ = false;
    return FrameAdmission::kAdmit;
  }
  bool first = !refusing_;
  refusing_ = true;
  return first ? FrameAdmission::kRefuseFirst : FrameAdmission::kRefuse;
}

void Connection::Wake() {
  uint64_t one = 1;
  ssize_t r = ::write(wake_fd_, &one, sizeof(one));
  (void)r;
}

void Connection::Stop() {
  stop_ = true;
  Wake();
}

void Connection::Enqueue(std::string frame) {
  if (frame.empty()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (overflow_) return;
    if (out_bytes_ + frame.size() > options_.max_queue_bytes) {
      overflow_ = true;  // the client does not read; Run drops it
    } else {
      out_bytes_ += frame.size();
      out_.push_back(std::move(frame));
    }
  }
  metrics_->Frames(false);
  Wake();
}

bool Connection::Flush() {
  std::lock_guard<std::mutex> lock(mu_);
  while (!out_.empty()) {
    const std::string& f = out_.front();
    // Each frame goes out in one send() when the socket has room: some clients read the
    // header with a single short recv and lose step on a split frame.
    ssize_t n = transport_->Write(f.data() + out_front_offset_, f.size() - out_front_offset_);
    if (n == Transport::kWouldBlock) return true;
    if (n < 0) return false;
    out_front_offset_ += static_cast<size_t>(n);
    if (out_front_offset_ == f.size()) {
      out_bytes_ -= f.size();
      out_.pop_front();
      out_front_offset_ = 0;
    }
  }
  return true;
}

std::string Connection::Close(const std::string& reason) {
  metrics_->Closed(reason);
  handler_->OnClosed(*this);
  return reason;
}

void Connection::Run() {
  auto self = shared_from_this();
  if (options_.status_on_connect)
    Enqueue(EncodeFrame(NextInvokeId(), BuildSystemStatus(Ns(), "normal")));
  absl::Time last_rx = absl::Now();
  absl::Time next_heartbeat = options_.heartbeat_interval > absl::ZeroDuration()
                                  ? last_rx + options_.heartbeat_interval
                                  : absl::InfiniteFuture();
  std::string reason;
  char buf[16384];
  while (reason.empty()) {
    if (!Flush()) {
      reason = "error";
      break;
    }
    bool want_out;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (overflow_) {
        reason = "slow";
        break;
      }
      want_out = !out_.empty() || transport_->WantsWrite();
    }
    if (stop_) {
      reason = "shutdown";
      break;
    }
    absl::Time now = absl::Now();
    absl::Time wake_at = next_heartbeat;
    if (options_.idle_timeout > absl::ZeroDuration())
      wake_at = std::min(wake_at, last_rx + options_.idle_timeout);
    int ms = 1000;
    if (wake_at != absl::InfiniteFuture())
      ms = static_cast<int>(
          std::clamp<int64_t>(absl::ToInt64Milliseconds(wake_at - now) + 1, 0, 1000));
    if (transport_->Pending()) ms = 0;
    pollfd fds[2] = {{transport_->fd(), static_cast<short>(POLLIN | (want_out ? POLLOUT : 0)), 0},
                     {wake_fd_, POLLIN, 0}};
    int pr = ::poll(fds, 2, ms);
    if (pr < 0 && errno != EINTR) {
      reason = "error";
      break;
    }
    if (fds[1].revents & POLLIN) {
      uint64_t v;
      ssize_t r = ::read(wake_fd_, &v, sizeof(v));
      (void)r;
    }
    // TLS: a read that needed the socket writable (WantsWrite) is retried once it is.
    bool retry_read = (fds[0].revents & POLLOUT) && transport_->WantsWrite();
    if ((fds[0].revents & (POLLIN | POLLHUP | POLLERR)) || transport_->Pending() || retry_read) {
      // Bounded reads per wake-up so that queued events still get flushed.
      for (int i = 0; i < 16 && reason.empty(); ++i) {
        ssize_t n = transport_->Read(buf, sizeof(buf));
        if (n == Transport::kWouldBlock) break;
        if (n == 0) {
          reason = "eof";
          break;
        }
        if (n < 0) {
          reason = "error";
          break;
        }
        last_rx = absl::Now();
        bool ok = decoder_.Feed(absl::string_view(buf, static_cast<size_t>(n)));
        Frame f;
        while (decoder_.Next(&f)) {
          metrics_->Frames(true);
          handler_->OnFrame(self, f);
        }
        if (!ok) {
          HD_LOG(kWarn, "broken frame header; closing connection")
              .kv("conn", id_)
              .kv("peer", peer_)
              .kv("error", decoder_.error());
          metrics_->ProtocolError("broken_header");
          Flush();  // answers to the frames before the break, best effort
          reason = "broken_frame";
        }
      }
    }
    if (!reason.empty()) break;
    now = absl::Now();
    if (options_.idle_timeout > absl::ZeroDuration() && now - last_rx >= options_.idle_timeout) {
      HD_LOG(kInfo, "client idle; closing").kv("conn", id_).kv("peer", peer_);
      reason = "idle";
      break;
    }
    if (now >= next_heartbeat) {
      Enqueue(EncodeFrame(NextInvokeId(), BuildSystemStatus(Ns(), "normal")));
      next_heartbeat = now + options_.heartbeat_interval;
    }
  }
  Close(reason);
  HD_LOG(kInfo, "client disconnected").kv("conn", id_).kv("peer", peer_).kv("reason", reason);
}

}  // namespace hotdesk::csta
