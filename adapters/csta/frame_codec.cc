#include "adapters/csta/frame_codec.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace hotdesk::csta {

FrameDecoder::FrameDecoder(size_t max_frame)
    : max_frame_(std::clamp<size_t>(max_frame, kHeaderSize + 1, kMaxFrameLimit)) {}

void FrameDecoder::StartBody() {
  current_ = Frame();
  if (header_[0] != 0 || header_[1] != 0) {
    // 01 00 announces a SOAP envelope in Annex J; we do not speak it, and anything else means
    // the stream is out of step. Either way the framing can no longer be trusted.
    error_ = absl::StrCat("bad frame indicator bytes ", static_cast<int>(header_[0]), " ",
                          static_cast<int>(header_[1]), " (expected 0 0)");
    return;
  }
  size_t length = (static_cast<size_t>(header_[2]) << 8) | header_[3];
  if (length <= kHeaderSize) {
    error_ = absl::StrCat("frame length ", length, " is not above the 8-byte header");
    return;
  }
  int invoke = 0;
  for (size_t i = 4; i < 8; ++i) {
    if (header_[i] < '0' || header_[i] > '9') {
      error_ = "invoke id is not 4 decimal digits";
      return;
    }
    invoke = invoke * 10 + (header_[i] - '0');
  }
  current_.invoke_id = invoke;
  current_.length = length;
  current_.oversize = length > max_frame_;
  body_remaining_ = length - kHeaderSize;
  if (!current_.oversize) current_.body.reserve(body_remaining_);
  in_body_ = true;
}

bool FrameDecoder::Feed(absl::string_view bytes) {
  while (!bytes.empty() && error_.empty()) {
    if (!in_body_) {
      size_t take = std::min(kHeaderSize - header_fill_, bytes.size());
      std::copy(bytes.begin(), bytes.begin() + take, header_ + header_fill_);
      header_fill_ += take;
      bytes.remove_prefix(take);
      if (header_fill_ < kHeaderSize) break;
      header_fill_ = 0;
      StartBody();
      if (!error_.empty()) break;
    }
    size_t take = std::min(body_remaining_, bytes.size());
    // An oversize body is skipped, never stored: memory stays bounded by max_frame.
    if (!current_.oversize) current_.body.append(bytes.data(), take);
    body_remaining_ -= take;
    bytes.remove_prefix(take);
    if (body_remaining_ == 0) {
      ready_.push_back(std::move(current_));
      current_ = Frame();
      in_body_ = false;
    }
  }
  return error_.empty();
}

bool FrameDecoder::Next(Frame* out) {
  if (ready_.empty()) return false;
  *out = std::move(ready_.front());
  ready_.pop_front();
  return true;
}

std::string EncodeFrame(int invoke_id, absl::string_view body) {
  size_t length = body.size() + kHeaderSize;
  if (length > kMaxFrameLimit) return "";
  int id = ((invoke_id % 10000) + 10000) % 10000;
  std::string out;
  out.reserve(length);
  out.push_back('\0');
  out.push_back('\0');
  out.push_back(static_cast<char>((length >> 8) & 0xff));
  out.push_back(static_cast<char>(length & 0xff));
  char digits[4];
  for (int i = 3; i >= 0; --i) {
    digits[i] = static_cast<char>('0' + id % 10);
    id /= 10;
  }
  out.append(digits, 4);
  out.append(body.data(), body.size());
  return out;
}

}  // namespace hotdesk::csta
