// libFuzzer target: an Xsi-Events channel's byte stream, cut into fuzzer-chosen pieces, through
// the document splitter (adapters/xsp/xml/doc_splitter.h). Beyond "no crash, no sanitizer
// report": documents come out in order as pieces of the stream, separated only by whitespace;
// what waits for more input never exceeds the size limit; and while no document exceeds the
// limit, how the stream was cut does not change what comes out.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "adapters/xsp/xml/doc_splitter.h"

using hotdesk::xsp::DocSplitter;

namespace {

[[noreturn]] void Fail(const std::string& what, const std::string& stream) {
  std::fprintf(stderr, "doc_splitter_fuzz: %s\nstream (%zu bytes): %s\n", what.c_str(),
               stream.size(), stream.c_str());
  std::abort();
}

bool Blank(const std::string& s, size_t from, size_t to) {
  for (size_t i = from; i < to; ++i) {
    if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n') return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  const size_t max = in.ConsumeIntegralInRange<size_t>(16, 4096);
  std::vector<size_t> cuts;
  for (int i = 0; i < 16; ++i) cuts.push_back(in.ConsumeIntegralInRange<size_t>(1, 64));
  const std::string stream = in.ConsumeRemainingBytesAsString();

  // In pieces.
  DocSplitter pieces(max);
  std::vector<std::string> docs;
  for (size_t off = 0, k = 0; off < stream.size(); ++k) {
    size_t n = std::min(cuts[k % cuts.size()], stream.size() - off);
    for (std::string& d : pieces.Feed(absl::string_view(stream).substr(off, n))) docs.push_back(d);
    off += n;
    if (pieces.pending() > max) Fail("more than the limit kept waiting", stream);
  }
  size_t pos = 0;
  bool oversize = false;
  for (const std::string& d : docs) {
    if (d.empty()) Fail("an empty document", stream);
    size_t at = stream.find(d, pos);
    if (at == std::string::npos) Fail("a document that is not a piece of the stream", stream);
    if (!Blank(stream, pos, at)) Fail("input skipped between documents: " + d, stream);
    pos = at + d.size();
    oversize |= d.size() > max;
  }
  if (!Blank(stream, pos, stream.size() - pieces.pending())) Fail("input lost at the end", stream);

  // Whole, with room for everything: the same documents when none was cut for its size.
  if (!oversize && stream.size() <= max) {
    DocSplitter whole(max);
    std::vector<std::string> once = whole.Feed(stream);
    if (once != docs) Fail("how the stream was cut changed the documents", stream);
  }
  return 0;
}
