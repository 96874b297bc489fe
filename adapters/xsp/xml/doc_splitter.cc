#include "adapters/xsp/xml/doc_splitter.h"

namespace hotdesk::xsp {

void DocSplitter::Reset() {
  buf_.clear();
  scan_ = 0;
  depth_ = 0;
  seen_root_ = false;
  root_name_.clear();
}

std::vector<std::string> DocSplitter::Feed(absl::string_view data) {
  std::vector<std::string> out;
  buf_.append(data.data(), data.size());
  while (true) {
    size_t end = Scan();
    if (end == std::string::npos) break;
    std::string doc = buf_.substr(0, end);
    buf_.erase(0, end);
    scan_ = 0;
    depth_ = 0;
    seen_root_ = false;
    root_name_.clear();
    // Whitespace between documents is not a document.
    if (doc.find_first_not_of(" \t\r\n") != std::string::npos) out.push_back(std::move(doc));
  }
  if (buf_.size() > max_) {
    out.push_back(buf_);
    Reset();
  }
  return out;
}

size_t DocSplitter::Scan() {
  const std::string& b = buf_;
  size_t i = scan_;
  while (true) {
    size_t lt = b.find('<', i);
    if (lt == std::string::npos) {
      scan_ = b.size();
      return std::string::npos;
    }
    if (b.compare(lt, 5, "<?xml") == 0 && seen_root_) {
      // A declaration inside an unfinished document: the previous document was broken.
      return lt;
    }
    const char* close = nullptr;
    if (b.compare(lt, 4, "<!--") == 0) {
      close = "-->";
    } else if (b.compare(lt, 9, "<![CDATA[") == 0) {
      close = "]]>";
    } else if (b.compare(lt, 2, "<?") == 0) {
      close = "?>";
    } else if (b.compare(lt, 2, "<!") == 0) {
      close = ">";
    }
    if (close != nullptr) {
      size_t e = b.find(close, lt + 2);
      if (e == std::string::npos) {
        scan_ = lt;
        return std::string::npos;
      }
      i = e + std::char_traits<char>::length(close);
      continue;
    }
    // A tag: find its end, skipping quoted attribute values.
    size_t j = lt + 1;
    char quote = 0;
    for (; j < b.size(); ++j) {
      char c = b[j];
      if (quote) {
        if (c == quote) quote = 0;
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else if (c == '>') {
        break;
      }
    }
    if (j >= b.size()) {
      scan_ = lt;
      return std::string::npos;
    }
    bool closing = b[lt + 1] == '/';
    bool self_closing = b[j - 1] == '/';
    size_t name_start = lt + (closing ? 2 : 1);
    size_t name_end = b.find_first_of(" \t\r\n/>", name_start);
    std::string name = b.substr(name_start, name_end - name_start);
    i = j + 1;
    if (closing) {
      --depth_;
      // The root's end tag ends the document even when inner tags were unbalanced.
      if (depth_ <= 0 || name == root_name_) return i;
    } else if (!seen_root_) {
      seen_root_ = true;
      root_name_ = name;
      if (self_closing) return i;
      depth_ = 1;
    } else if (!self_closing) {
      ++depth_;
    }
  }
}

}  // namespace hotdesk::xsp
