#include "adapters/featurecodes/http_api.h"

#include <google/protobuf/util/json_util.h>
#include <httplib.h>

#include <algorithm>
#include <optional>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "adapters/featurecodes/request_body.h"
#include "google/rpc/error_details.pb.h"
#include "services/common/host_port.h"
#include "services/common/json_escape.h"
#include "services/common/log.h"
#include "services/common/status.h"
#include "services/directory/mac_address.h"

namespace hotdesk::featurecodes {
namespace {

std::string ToJson(const google::protobuf::Message& m) {
  std::string out;
  google::protobuf::util::JsonPrintOptions opts;
  opts.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(m, &out, opts);
  return out;
}

int HttpCode(absl::StatusCode c) {
  switch (c) {
    case absl::StatusCode::kInvalidArgument:
      return 400;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    case absl::StatusCode::kPermissionDenied:
      return 403;
    case absl::StatusCode::kUnavailable:
      return 503;
    case absl::StatusCode::kDeadlineExceeded:
      return 504;
    default:
      return 500;
  }
}

void SendError(httplib::Response& res, const absl::Status& st) {
  std::string fields;
  google::rpc::BadRequest bad;
  if (GetDetail(st, &bad)) {
    for (const auto& v : bad.field_violations())
      absl::StrAppend(&fields, fields.empty() ? "" : ",", "{\"field\":", JsonQuote(v.field()),
                      ",\"description\":", JsonQuote(v.description()), "}");
  }
  std::string body = absl::StrCat("{\"error\":{\"code\":\"", absl::StatusCodeToString(st.code()),
                                  "\",\"message\":", JsonQuote(st.message()),
                                  ",\"field_violations\":[", fields, "]}}\n");
  res.status = HttpCode(st.code());
  res.set_content(body, "application/json");
}

// Fills `m` from a JSON body, or from form/query parameters named like its fields.
absl::Status ReadRequest(const httplib::Request& req, google::protobuf::Message* m) {
  return ReadRequestBody(req.get_header_value("Content-Type"), req.body, req.params, m);
}

bool WantsText(const httplib::Request& req) {
  return req.get_param_value("format") == "text" ||
         req.get_header_value("Accept").rfind("text/plain", 0) == 0;
}

std::string DialText(const v1::DialResponse& r) {
  std::string out = v1::DialResponse::Action_Name(r.action());
  auto add = [&](const char* k, const std::string& v) {
    if (!v.empty()) absl::StrAppend(&out, " ", k, "=", v);
  };
  add("session_id", r.session_id());
  add("reason", r.reason());
  add("guest", r.guest());
  add("hotdesk_extension", r.hotdesk_extension());
  if (r.no_op()) out += " no_op=true";
  return out + "\n";
}

std::string PinText(const v1::SubmitPinResponse& r) {
  std::string out = v1::SubmitPinResponse::Result_Name(r.result());
  if (r.result() == v1::SubmitPinResponse::WRONG_PIN)
    absl::StrAppend(&out, " attempts_left=", r.attempts_left());
  auto add = [&](const char* k, const std::string& v) {
    if (!v.empty()) absl::StrAppend(&out, " ", k, "=", v);
  };
  add("reason", r.reason());
  add("guest", r.guest());
  add("hotdesk_extension", r.hotdesk_extension());
  return out + "\n";
}

}  // namespace

HttpApi::HttpApi(DialService* dial, Reprovisioner* reprovisioner, PbxAuth* pbx_auth,
                 ProvisioningAccess* provisioning_access, std::string tenant, HttpLimits limits)
    : dial_(dial),
      reprovisioner_(reprovisioner),
      pbx_auth_(pbx_auth),
      provisioning_access_(provisioning_access),
      tenant_(std::move(tenant)),
      limits_(limits) {}

HttpApi::~HttpApi() { Stop(); }

absl::StatusOr<int> HttpApi::Start(const std::string& listen) {
  auto hp = SplitHostPort(listen, /*allow_port_zero=*/true);
  if (!hp.ok())
    return absl::InvalidArgumentError(absl::StrCat("--http_listen: ", hp.status().message()));
  const std::string host = hp->host;
  const int port = hp->port;
  server_ = std::make_unique<httplib::Server>();
  auto& s = *server_;

  // Larger bodies are answered 413 by httplib before a handler runs.
  s.set_payload_max_length(limits_.max_body_bytes);
  int64_t read_us = absl::ToInt64Microseconds(limits_.read_timeout);
  s.set_read_timeout(static_cast<time_t>(read_us / 1000000), static_cast<time_t>(read_us % 1000000));
  // An idle kept-alive connection gets no longer than a request would to arrive.
  s.set_keep_alive_timeout(std::max<time_t>(1, static_cast<time_t>(read_us / 1000000)));

  // The caller's credential, or the error already sent (401 with the challenge, or 403).
  auto authenticate = [this](const httplib::Request& req,
                             httplib::Response& res) -> std::optional<PbxCaller> {
    auto caller = pbx_auth_->Authenticate(req.get_header_value("Authorization"));
    if (caller.ok()) return *caller;
    HD_LOG(kInfo, "PBX request refused")
        .kv("path", req.path)
        .kv("peer", req.remote_addr)
        .kv("code", absl::StatusCodeToString(caller.status().code()))
        .kv("error", caller.status().message());
    SendError(res, caller.status());
    if (caller.status().code() == absl::StatusCode::kUnauthenticated)
      res.set_header("WWW-Authenticate", pbx_auth_->Challenge());
    return std::nullopt;
  };

  s.Post("/v1/dial", [this, authenticate](const httplib::Request& req, httplib::Response& res) {
    auto caller = authenticate(req, res);
    if (!caller) return;
    v1::DialRequest in;
    if (auto st = ReadRequest(req, &in); !st.ok()) return SendError(res, st);
    // The tenant comes from the credential; naming another one is refused, naming it.
    auto tenant = caller->TenantFor(in.tenant(), tenant_);
    if (!tenant.ok()) return SendError(res, tenant.status());
    in.set_tenant(*tenant);
    auto out = dial_->Dial(in);
    if (!out.ok()) return SendError(res, out.status());
    if (WantsText(req))
      res.set_content(DialText(*out), "text/plain");
    else
      res.set_content(ToJson(*out) + "\n", "application/json");
  });
  // The PIN only in a body: query strings end up in access logs.
  s.Post("/v1/pin", [this, authenticate](const httplib::Request& req, httplib::Response& res) {
    auto caller = authenticate(req, res);
    if (!caller) return;
    v1::SubmitPinRequest in;
    if (auto st = ReadRequest(req, &in); !st.ok()) return SendError(res, st);
    auto out = dial_->SubmitPin(in, [&](const std::string& tenant) {
      return caller->TenantFor(tenant, tenant_).status();
    });
    if (!out.ok()) return SendError(res, out.status());
    if (WantsText(req))
      res.set_content(PinText(*out), "text/plain");
    else
      res.set_content(ToJson(*out) + "\n", "application/json");
  });
  // State changes only by POST: a link or an image tag (GET) must not log a desk out.
  auto post_only = [](const httplib::Request& req, httplib::Response& res) {
    res.set_header("Allow", "POST");
    SendError(res, absl::InvalidArgumentError(absl::StrCat(req.method, " ", req.path,
                                                           ": this path changes state; use POST")));
    res.status = 405;
  };
  for (const char* path : {"/v1/dial", "/v1/pin"}) {
    s.Get(path, post_only);
    s.Put(path, post_only);
    s.Delete(path, post_only);
    s.Patch(path, post_only);
    s.Options(path, post_only);
  }
  s.Get(R"(/provisioning/([^/]+)\.cfg)",
        [this](const httplib::Request& req, httplib::Response& res) {
          auto mac = NormalizeMac(req.matches[1].str());
          if (!mac) return SendError(res, absl::NotFoundError("not a MAC address"));
          // Before the profile is looked up: an unknown device tells a stranger nothing either.
          if (absl::Status st = provisioning_access_->Admit(*mac, req.remote_addr,
                                                            req.get_header_value("Authorization"));
              !st.ok()) {
            HD_LOG(kInfo, "profile refused")
                .kv("mac", *mac)
                .kv("peer", req.remote_addr)
                .kv("code", absl::StatusCodeToString(st.code()))
                .kv("error", st.message());
            SendError(res, st);
            if (st.code() == absl::StatusCode::kUnauthenticated)
              res.set_header("WWW-Authenticate", provisioning_access_->Challenge());
            return;
          }
          auto profile = reprovisioner_->Current(tenant_, *mac);
          if (!profile.ok()) return SendError(res, profile.status());
          HD_LOG(kDebug, "profile served").kv("tenant", tenant_).kv("mac", *mac);
          res.set_content(profile->body, profile->content_type.c_str());
        });
  s.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok\n", "text/plain");
  });

  int bound = 0;
  if (port == 0) {
    bound = s.bind_to_any_port(host);
  } else if (s.bind_to_port(host, port)) {
    bound = port;
  }
  if (bound <= 0) return absl::UnavailableError("cannot listen on " + listen);
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  return bound;
}

void HttpApi::Stop() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace hotdesk::featurecodes
