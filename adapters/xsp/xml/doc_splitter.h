// Splits the byte stream of an Xsi-Events channel into whole XML documents. The channel is one
// long chunked HTTP response; each document (Channel, Event, ChannelHeartBeat) is normally one
// chunk, but the HTTP client hands us arbitrary pieces, so documents are found by scanning:
// a document ends when its root element closes. A new XML declaration inside an unfinished
// document, or a document over the size limit, ends the broken one (emitted as-is, so the caller
// rejects it with a log) instead of swallowing the rest of the stream.
#pragma once

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace hotdesk::xsp {

class DocSplitter {
 public:
  explicit DocSplitter(size_t max_doc_bytes = 1 << 20) : max_(max_doc_bytes) {}
  // Appends `data`; returns the documents completed by it, in order.
  std::vector<std::string> Feed(absl::string_view data);
  // Bytes held for an unfinished document.
  size_t pending() const { return buf_.size(); }
  void Reset();

 private:
  // Scans buf_ from scan_; returns the end offset of a complete document or npos.
  size_t Scan();

  size_t max_;
  std::string buf_;
  size_t scan_ = 0;
  int depth_ = 0;
  bool seen_root_ = false;
  std::string root_name_;
};

}  // namespace hotdesk::xsp
