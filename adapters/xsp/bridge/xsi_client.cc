#include "adapters/xsp/bridge/xsi_client.h"

#include <curl/curl.h>

#include "absl/strings/str_cat.h"
#include "adapters/xsp/xml/xsi_xml.h"

namespace hotdesk::xsp {
namespace {

size_t AppendBody(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

struct StreamCtx {
  const std::function<void(const std::string&, long)>* on_open;
  const std::function<void(absl::string_view)>* on_data;
  const std::atomic<bool>* abort;
  std::string error_body;
  long status = 0;
  CURL* curl;
};

size_t StreamBody(char* data, size_t size, size_t n, void* user) {
  auto* ctx = static_cast<StreamCtx*>(user);
  if (ctx->status == 0) {
    curl_easy_getinfo(ctx->curl, CURLINFO_RESPONSE_CODE, &ctx->status);
    if (ctx->status == 200) {
      char* ip = nullptr;
      long port = 0;
      curl_easy_getinfo(ctx->curl, CURLINFO_PRIMARY_IP, &ip);
      curl_easy_getinfo(ctx->curl, CURLINFO_PRIMARY_PORT, &port);
      (*ctx->on_open)(ip != nullptr ? ip : "", port);
    }
  }
  if (ctx->status != 200) {
    ctx->error_body.append(data, size * n);
  } else {
    (*ctx->on_data)(absl::string_view(data, size * n));
  }
  return size * n;
}

int StreamProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* ctx = static_cast<StreamCtx*>(user);
  return ctx->abort != nullptr && ctx->abort->load() ? 1 : 0;
}

void CommonOptions(CURL* c, const XsiEndpoint& ep, curl_slist* headers) {
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
  curl_easy_setopt(c, CURLOPT_USERNAME, ep.user.c_str());
  curl_easy_setopt(c, CURLOPT_PASSWORD, ep.password.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, ep.tls_verify ? 1L : 0L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, ep.tls_verify ? 2L : 0L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
}

}  // namespace

void XsiGlobalInit() { curl_global_init(CURL_GLOBAL_DEFAULT); }

HttpResult XsiClient::Request(absl::string_view method, absl::string_view path,
                              absl::string_view body, absl::Duration timeout,
                              absl::string_view pin_ip, long pin_port) const {
  HttpResult out;
  CURL* c = curl_easy_init();
  if (c == nullptr) {
    out.error = "curl_easy_init failed";
    return out;
  }
  std::string url = absl::StrCat(ep_.base_url, path);
  std::string m(method);
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, "Content-Type: application/xml; charset=UTF-8");
  headers = curl_slist_append(headers, "Accept: application/xml");
  headers = curl_slist_append(headers, "Expect:");
  CommonOptions(c, ep_, headers);
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, m.c_str());
  if (m == "GET") {
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
  } else {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  }
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(absl::ToInt64Milliseconds(timeout)));
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, AppendBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &out.body);
  curl_slist* connect_to = nullptr;
  if (!pin_ip.empty()) {
    // Any host:port of the URL goes to the node that holds the channel.
    std::string ip(pin_ip);
    if (ip.find(':') != std::string::npos) ip = absl::StrCat("[", ip, "]");
    connect_to = curl_slist_append(connect_to, absl::StrCat("::", ip, ":", pin_port).c_str());
    curl_easy_setopt(c, CURLOPT_CONNECT_TO, connect_to);
  }
  CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) {
    out.error = curl_easy_strerror(rc);
  } else {
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    out.status = static_cast<int>(status);
  }
  curl_slist_free_all(headers);
  curl_slist_free_all(connect_to);
  curl_easy_cleanup(c);
  return out;
}

HttpResult XsiClient::Stream(absl::string_view path, absl::string_view body,
                             absl::Duration connect_timeout, absl::Duration idle_timeout,
                             const std::function<void(const std::string& ip, long port)>& on_open,
                             const std::function<void(absl::string_view)>& on_data,
                             const std::atomic<bool>* abort) const {
  HttpResult out;
  CURL* c = curl_easy_init();
  if (c == nullptr) {
    out.error = "curl_easy_init failed";
    return out;
  }
  std::string url = absl::StrCat(ep_.base_url, path);
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, "Content-Type: application/xml; charset=UTF-8");
  headers = curl_slist_append(headers, "Expect:");
  CommonOptions(c, ep_, headers);
  StreamCtx ctx{&on_open, &on_data, abort, "", 0, c};
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_POST, 1L);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(absl::ToInt64Milliseconds(connect_timeout)));
  // A silent stream is a dead stream: heartbeats make the XSP write at least every
  // eventTimeout/2.
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME,
                   static_cast<long>(std::max<int64_t>(1, absl::ToInt64Seconds(idle_timeout))));
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, StreamBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &ctx);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, StreamProgress);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, &ctx);
  curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
  CURLcode rc = curl_easy_perform(c);
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  out.status = static_cast<int>(status);
  if (rc != CURLE_OK) out.error = curl_easy_strerror(rc);
  if (status != 200) out.body = ctx.error_body;
  curl_slist_free_all(headers);
  curl_easy_cleanup(c);
  return out;
}

std::string DescribeFailure(const HttpResult& r) {
  if (r.status == 0) return absl::StrCat("transport: ", r.error);
  std::string out = absl::StrCat("HTTP ", r.status);
  if (absl::StatusOr<ErrorInfo> e = ParseErrorInfo(r.body); e.ok()) {
    absl::StrAppend(&out, " errorCode=", e->error_code, " ",
                    e->summary_english.empty() ? e->summary : e->summary_english);
  }
  return out;
}

}  // namespace hotdesk::xsp
