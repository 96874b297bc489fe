// libFuzzer target: arbitrary bytes through the CSTA frame decoder (fed in fuzzer-chosen
// pieces) and every decoded body through the XML request parser. Invariants checked: no crash
// or sanitizer report; decoded frames respect the maximum; what we build from parsed values
// parses back as well-formed CSTA.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "adapters/csta/csta_xml.h"
#include "adapters/csta/frame_codec.h"

using namespace hotdesk::csta;

namespace {

void CheckBody(const std::string& body) {
  ParseResult r = ParseRequest(body);
  if (r.status != ParseStatus::kOk) return;
  const Request& q = r.request;
  Namespaces ns{"http://www.ecma-international.org/standards/ecma-323/csta/ed3", "urn:p"};
  PrivateBlock p{"privateEvent", "eventNumber", 1, q.this_dn, q.device, {{"HOST_DN", q.device}}};
  for (const std::string& out :
       {BuildAgentEvent(ns, true, q.cross_ref_id, q.device, q.agent_id),
        BuildForwardingEvent(ns, q.cross_ref_id, q.device, true, q.agent_id),
        BuildPrivateEvent(ns, q.cross_ref_id, p), BuildError(ns, "operation", q.requested_state)}) {
    ParseResult back = ParseRequest(out);
    if (back.status != ParseStatus::kOk) std::abort();  // we must always emit well-formed XML
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  size_t max_frame = 64 + data[0] * 4;  // vary the limit: 64..1084
  size_t chunk = 1 + data[1] % 64;
  data += 2;
  size -= 2;
  FrameDecoder d(max_frame);
  std::string all(reinterpret_cast<const char*>(data), size);
  for (size_t off = 0; off < all.size(); off += chunk) {
    bool ok = d.Feed(absl::string_view(all).substr(off, chunk));
    Frame f;
    while (d.Next(&f)) {
      if (f.length < kHeaderSize + 1) std::abort();
      if (f.oversize ? !f.body.empty() : f.body.size() + kHeaderSize != f.length) std::abort();
      if (f.oversize && f.length <= max_frame) std::abort();
      if (!f.oversize) CheckBody(f.body);
    }
    if (!ok) break;
  }
  // The raw input as a body, too (the parser must cope with anything).
  CheckBody(all);
  return 0;
}
