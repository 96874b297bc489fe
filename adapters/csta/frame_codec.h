// CSTA-XML over TCP framing (ECMA-323 Annex J as used by real clients):
//   [00 00][16-bit big-endian total length, header included][4 ASCII digits invoke id][XML body]
// A pure, incremental decoder (feed whatever recv() returned; take complete frames out) and an
// encoder. No I/O, no allocation beyond the frames themselves, safe on arbitrary input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>

#include "absl/strings/string_view.h"

namespace hotdesk::csta {

inline constexpr size_t kHeaderSize = 8;
inline constexpr size_t kMaxFrameLimit = 65535;  // the length field is 16 bits
inline constexpr int kEventInvokeId = 9999;      // reserved for unsolicited events

struct Frame {
  int invoke_id = 0;
  std::string body;
  // True when the frame's length exceeded the decoder's maximum: the body was skipped (not
  // kept) and the frame must be answered with an error, not parsed.
  bool oversize = false;
  size_t length = 0;  // the header's total length
};

class FrameDecoder {
 public:
  // max_frame: largest accepted total length (header included), at most 65535.
  explicit FrameDecoder(size_t max_frame = kMaxFrameLimit);

  // Consumes bytes. Returns false once the stream is broken (bad indicator bytes, length below
  // the header size, non-digit invoke id); the reason is in error() and nothing more is decoded.
  bool Feed(absl::string_view bytes);
  // Complete frames, oldest first.
  bool Next(Frame* out);
  bool broken() const { return !error_.empty(); }
  const std::string& error() const { return error_; }
  // Bytes held for an incomplete frame (for tests and limits).
  size_t buffered() const { return header_fill_ + current_.body.size(); }

 private:
  void StartBody();

  size_t max_frame_;
  unsigned char header_[kHeaderSize];
  size_t header_fill_ = 0;
  bool in_body_ = false;
  size_t body_remaining_ = 0;
  Frame current_;
  std::deque<Frame> ready_;
  std::string error_;
};

// One complete frame. invoke_id is printed as 4 digits modulo 10000; a body too long for the
// 16-bit length is a programming error and yields "" (callers build bodies well below it).
std::string EncodeFrame(int invoke_id, absl::string_view body);

}  // namespace hotdesk::csta
