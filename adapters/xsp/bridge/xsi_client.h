// Minimal HTTP(S) client for Xsi over libcurl: one request per call (Basic auth, XML body,
// timeout), and a streaming POST for the event channel. A pinned address sends requests to the
// XSP node that holds the channel (heartbeats and event responses must go there, C.6).
#pragma once

#include <atomic>
#include <functional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "adapters/xsp/bridge/config.h"

namespace hotdesk::xsp {

// Call once at start-up, before any thread uses the client.
void XsiGlobalInit();

struct HttpResult {
  int status = 0;  // HTTP status; 0 when no response (transport error)
  std::string body;
  std::string error;  // transport error text when status == 0
  std::string primary_ip;
  long primary_port = 0;
};

class XsiClient {
 public:
  explicit XsiClient(XsiEndpoint endpoint) : ep_(std::move(endpoint)) {}

  // `path` starts with '/'; appended to the base URL.
  HttpResult Request(absl::string_view method, absl::string_view path, absl::string_view body,
                     absl::Duration timeout, absl::string_view pin_ip = "",
                     long pin_port = 0) const;

  // POST that keeps reading: `on_data` gets the decoded body bytes as they arrive; `on_open`
  // once the response headers are in (status, ip, port). Returns when the server ends the
  // response, the connection breaks, nothing (not even a heartbeat) arrived for `idle_timeout`,
  // or `abort` becomes true.
  HttpResult Stream(absl::string_view path, absl::string_view body, absl::Duration connect_timeout,
                    absl::Duration idle_timeout,
                    const std::function<void(const std::string& ip, long port)>& on_open,
                    const std::function<void(absl::string_view)>& on_data,
                    const std::atomic<bool>* abort) const;

  const XsiEndpoint& endpoint() const { return ep_; }

 private:
  XsiEndpoint ep_;
};

// A Xsi failure as one line: "HTTP 500 errorCode=5000 <summary>" or the transport error.
std::string DescribeFailure(const HttpResult& r);

}  // namespace hotdesk::xsp
