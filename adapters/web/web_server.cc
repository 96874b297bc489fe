#include "adapters/web/web_server.h"

#include <httplib.h>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/struct.pb.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "adapters/web/console_assets.h"
#include "adapters/web/event_stream.h"
#include "adapters/web/http_status.h"
#include "adapters/web/identity.h"
#include "adapters/web/json_mapping.h"
#include "adapters/web/routes.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "hotdesk/v1/devices.grpc.pb.h"
#include "services/common/host_port.h"
#include "services/common/log.h"
#include "services/common/status.h"

namespace hotdesk::web {
namespace {

constexpr char kCookie[] = "hotdesk_session";
constexpr char kCsrfHeader[] = "X-Hotdesk-Csrf";
// How long a new event stream waits to see whether the core refuses it (bad tenant, token,
// cursor), so that the refusal is an HTTP status rather than an event.
constexpr absl::Duration kAcceptWindow = absl::Milliseconds(300);

int SendStatus(httplib::Response& res, const absl::Status& st, int http_code = 0) {
  res.status = http_code ? http_code : HttpStatusCode(st.code());
  res.set_content(StatusJson(st) + "\n", "application/json");
  return res.status;
}

int SendJson(httplib::Response& res, const google::protobuf::Message& m) {
  auto json = ToJson(m);
  if (!json.ok()) return SendStatus(res, json.status());
  res.status = 200;
  res.set_content(*json + "\n", "application/json");
  return 200;
}

std::string CookieValue(const httplib::Request& req, absl::string_view name) {
  for (const auto& [k, v] : req.headers) {
    if (!absl::EqualsIgnoreCase(k, "Cookie")) continue;
    for (absl::string_view part : absl::StrSplit(v, ';')) {
      part = absl::StripAsciiWhitespace(part);
      if (absl::StartsWith(part, name) && part.size() > name.size() && part[name.size()] == '=')
        return std::string(part.substr(name.size() + 1));
    }
  }
  return "";
}

std::string RawPath(const httplib::Request& req) {
  std::string target = req.target.empty() ? req.path : req.target;
  return target.substr(0, target.find('?'));
}

std::string VarOf(const RouteMatch& m, absl::string_view name) {
  for (const auto& [k, v] : m.vars)
    if (k == name) return v;
  return "";
}

bool Mutating(const std::string& method) { return method != "GET" && method != "HEAD"; }

// Errors that end an event stream but that a plain reconnect (with Last-Event-ID) cures: the
// browser's EventSource reconnects by itself, so these end the stream quietly.
bool Transient(absl::StatusCode c) {
  return c == absl::StatusCode::kOk || c == absl::StatusCode::kUnavailable ||
         c == absl::StatusCode::kAborted || c == absl::StatusCode::kCancelled ||
         c == absl::StatusCode::kDeadlineExceeded || c == absl::StatusCode::kResourceExhausted;
}

void SecurityHeaders(httplib::Response& res) {
  res.set_header("Content-Security-Policy",
                 "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; "
                 "base-uri 'none'; form-action 'self'");
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("Referrer-Policy", "no-referrer");
  res.set_header("Cache-Control", "no-store");
}

}  // namespace

WebServer::WebServer(WebConfig config, std::shared_ptr<grpc::Channel> core, Metrics* metrics)
    : config_(std::move(config)),
      metrics_(metrics),
      gateway_(core, config_.core_timeout),
      associations_(v1::Associations::NewStub(core)),
      sealer_(config_.session_secret),
      adapter_health_(config_.adapters) {}

WebServer::~WebServer() { Stop(); }

bool WebServer::Secure(const httplib::Request& req) const {
  return !config_.tls_cert.empty() ||
         absl::EqualsIgnoreCase(req.get_header_value("X-Forwarded-Proto"), "https");
}

absl::StatusOr<int> WebServer::Start() {
  auto hp = SplitHostPort(config_.listen, /*allow_port_zero=*/true);
  if (!hp.ok()) return absl::InvalidArgumentError(absl::StrCat("--listen: ", hp.status().message()));
  const std::string host = hp->host;
  const int port = hp->port;
  if (!config_.tls_cert.empty() || !config_.tls_key.empty()) {
    if (config_.tls_cert.empty() || config_.tls_key.empty())
      return absl::InvalidArgumentError("--tls_cert and --tls_key go together");
    auto ssl = std::make_unique<httplib::SSLServer>(config_.tls_cert.c_str(),
                                                    config_.tls_key.c_str());
    if (!ssl->is_valid())
      return absl::InvalidArgumentError("--tls_cert/--tls_key: cannot load the certificate or key");
    server_ = std::move(ssl);
  } else {
    server_ = std::make_unique<httplib::Server>();
  }
  auto& s = *server_;
  int threads = config_.http_threads;
  // Each open event stream holds one thread.
  s.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  s.set_payload_max_length(config_.max_body_bytes);
  s.set_read_timeout(absl::ToChronoSeconds(config_.read_timeout));
  s.set_keep_alive_timeout(static_cast<time_t>(absl::ToInt64Seconds(config_.read_timeout)));

  auto api = [this](const httplib::Request& req, httplib::Response& res) { HandleApi(req, res); };
  s.Get("/v1/.*", api);
  s.Post("/v1/.*", api);
  s.Patch("/v1/.*", api);
  s.Delete("/v1/.*", api);
  s.Put("/v1/.*", api);
  s.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok\n", "text/plain");
  });
  s.Get("/.*", [this](const httplib::Request& req, httplib::Response& res) { HandleAsset(req, res); });
  // httplib answers an oversized body (413) and unknown methods itself, as plain text; make them
  // google.rpc.Status JSON like every other error.
  s.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return;
    absl::StatusCode code = res.status == 413   ? absl::StatusCode::kInvalidArgument
                            : res.status == 404 ? absl::StatusCode::kNotFound
                                                : absl::StatusCode::kInvalidArgument;
    std::string msg = res.status == 413
                          ? "request body too large"
                          : absl::StrCat("HTTP status ", res.status);
    res.set_content(StatusJson(absl::Status(code, msg)) + "\n", "application/json");
  });

  int bound = 0;
  if (port == 0) {
    bound = s.bind_to_any_port(host);
  } else if (s.bind_to_port(host, port)) {
    bound = port;
  }
  if (bound <= 0) return absl::UnavailableError("cannot listen on " + config_.listen);
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  return bound;
}

void WebServer::Stop() {
  stopping_ = true;
  {
    std::lock_guard<std::mutex> lock(streams_mu_);
    for (WatchCall* w : streams_) w->Wake();
  }
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

void WebServer::HandleAsset(const httplib::Request& req, httplib::Response& res) {
  auto start = absl::Now();
  std::string path = req.path == "/" ? "/index.html" : req.path;
  SecurityHeaders(res);
  for (const auto& a : ConsoleAssets()) {
    if (path == a.path) {
      res.set_content(a.body, a.content_type);
      metrics_->Request("console", 200, absl::ToDoubleSeconds(absl::Now() - start));
      return;
    }
  }
  SendStatus(res, absl::NotFoundError(absl::StrCat("no such page: ", req.path)));
  metrics_->Request("unmatched", 404, absl::ToDoubleSeconds(absl::Now() - start));
}

void WebServer::HandleApi(const httplib::Request& req, httplib::Response& res) {
  auto start = absl::Now();
  res.set_header("Cache-Control", "no-store");
  res.set_header("X-Content-Type-Options", "nosniff");
  RouteMatch m = MatchRoute(req.method, RawPath(req));
  if (m.route == nullptr) {
    int code;
    if (!m.allowed.empty()) {
      res.set_header("Allow", absl::StrJoin(m.allowed, ", "));
      code = SendStatus(res,
                        absl::InvalidArgumentError(absl::StrCat(
                            req.method, " is not allowed here; use ", absl::StrJoin(m.allowed, " or "))),
                        405);
    } else {
      code = SendStatus(res, absl::NotFoundError(absl::StrCat("no API route for ", req.method, " ",
                                                              req.path)));
    }
    metrics_->Request("unmatched", code, absl::ToDoubleSeconds(absl::Now() - start));
    return;
  }
  std::string route_label = absl::StrCat(m.route->method, " ", m.route->path);

  // Who is calling: an API client's bearer token, or the console's session cookie.
  Caller caller;
  std::string auth = req.get_header_value("Authorization");
  if (absl::StartsWithIgnoreCase(auth, "Bearer ")) {
    caller.token = std::string(absl::StripAsciiWhitespace(auth.substr(7)));
  } else if (std::string cookie = CookieValue(req, kCookie); !cookie.empty()) {
    auto token = sealer_.Open(cookie, absl::Now());
    if (!token.ok()) {
      if (!(req.method == "DELETE" && std::string(m.route->path) == "/v1/session")) {
        int code = SendStatus(res, token.status());
        metrics_->Request(route_label, code, absl::ToDoubleSeconds(absl::Now() - start));
        return;
      }
    } else {
      caller.token = *token;
      caller.from_cookie = true;
    }
  }
  // A cookie rides along on any request the browser makes, so a state change carried by the
  // cookie must also prove it comes from the console's own script: a custom header (which a
  // cross-site form or image cannot set) and, when the browser names it, our own origin.
  if (caller.from_cookie && Mutating(req.method)) {
    std::string origin = req.get_header_value("Origin");
    std::string self = absl::StrCat(Secure(req) ? "https://" : "http://", req.get_header_value("Host"));
    if (req.get_header_value(kCsrfHeader).empty() || (!origin.empty() && origin != self)) {
      int code = SendStatus(res, absl::PermissionDeniedError(absl::StrCat(
                                     "a change made with the session cookie needs the ", kCsrfHeader,
                                     " header and a same-origin request")));
      metrics_->Request(route_label, code, absl::ToDoubleSeconds(absl::Now() - start));
      return;
    }
  }
  if (!req.body.empty() &&
      !absl::StartsWith(req.get_header_value("Content-Type"), "application/json")) {
    int code = SendStatus(res, absl::InvalidArgumentError("body: send Content-Type: application/json"),
                          415);
    metrics_->Request(route_label, code, absl::ToDoubleSeconds(absl::Now() - start));
    return;
  }

  int code = Dispatch(req, res, m, caller);
  if (std::string(m.route->rpc) != "hotdesk.v1.Associations.WatchEvents")
    metrics_->Request(route_label, code, absl::ToDoubleSeconds(absl::Now() - start));
  else
    metrics_->Request(route_label, code, 0);

  // One line per change (who, what, the outcome, the operator's stated reason) and per failure.
  if (Mutating(req.method) || code >= 500) {
    Identity who = DecodeForDisplay(caller.token);
    std::string reason;
    if (!PercentDecode(req.get_header_value("X-Hotdesk-Reason"), &reason)) reason.clear();
    HD_LOG(kInfo, "api call")
        .kv("route", route_label)
        .kv("tenant", VarOf(m, "tenant"))
        .kv("code", code)
        .kv("subject", who.subject)
        .kv("via", caller.from_cookie ? "session" : caller.token.empty() ? "none" : "bearer")
        .kv("reason", reason);
  }
}

int WebServer::Dispatch(const httplib::Request& req, httplib::Response& res, const RouteMatch& m,
                        const Caller& caller) {
  std::string rpc = m.route->rpc;
  std::string path = m.route->path;
  if (rpc == "hotdesk.v1.Associations.WatchEvents") return HandleEvents(req, res, m, caller);
  if (path == "/v1/session") return HandleSession(req, res, caller);
  if (path == "/v1/health") return HandleHealth(res);
  if (absl::EndsWith(path, "/profile")) return HandleProfile(req, res, m, caller);
  if (rpc.empty()) return SendJson(res, adapter_health_.Check());  // /v1/adapters

  const auto* method =
      google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(rpc);
  if (method == nullptr) return SendStatus(res, absl::InternalError("route names an unknown RPC"));
  auto request = RpcGateway::NewRequest(method);
  HttpParts parts;
  parts.path_vars = m.vars;
  parts.body_field = m.route->body;
  parts.body = req.body;
  parts.query = req.params;
  if (auto st = BuildRequest(parts, request.get()); !st.ok()) return SendStatus(res, st);
  auto response = gateway_.Call(method, *request, caller.token);
  if (!response.ok()) return SendStatus(res, response.status());
  return SendJson(res, **response);
}

int WebServer::HandleEvents(const httplib::Request& req, httplib::Response& res,
                            const RouteMatch& m, const Caller& caller) {
  v1::WatchEventsRequest watch;
  HttpParts parts;
  parts.path_vars = m.vars;
  parts.query = req.params;
  if (auto st = BuildRequest(parts, &watch); !st.ok()) return SendStatus(res, st);
  // A browser reconnecting after a drop sends the last id it saw: resume after it, without the
  // snapshot it asked for the first time.
  if (std::string last = req.get_header_value("Last-Event-ID"); !last.empty()) {
    watch.set_after_cursor(last);
    watch.set_include_snapshot(false);
  }
  if (stopping_) return SendStatus(res, absl::UnavailableError("shutting down"));
  {
    // Each stream holds an HTTP worker thread: keep a few for ordinary calls.
    std::lock_guard<std::mutex> lock(streams_mu_);
    if (streams_.size() + 4 >= static_cast<size_t>(config_.http_threads))
      return SendStatus(res, absl::ResourceExhaustedError(absl::StrCat(
                                 "too many open event streams (", streams_.size(),
                                 "); raise --http_threads")));
  }

  auto call = std::make_shared<WatchCall>(associations_.get(), watch, caller.token,
                                          config_.sse_max_queued);
  if (auto refused = call->WaitAccepted(kAcceptWindow); refused && !refused->ok()) {
    call->Close();
    return SendStatus(res, *refused);
  }
  {
    std::lock_guard<std::mutex> lock(streams_mu_);
    streams_.insert(call.get());
  }
  metrics_->event_streams().Increment();

  struct State {
    bool prelude = false;
    absl::Time last_write = absl::Now();
  };
  auto state = std::make_shared<State>();
  res.set_header("Cache-Control", "no-store");
  res.set_header("X-Accel-Buffering", "no");  // nginx: do not buffer the stream
  res.set_chunked_content_provider(
      "text/event-stream",
      [this, call, state](size_t, httplib::DataSink& sink) {
        auto write = [&](const std::string& text) {
          state->last_write = absl::Now();
          return sink.write(text.data(), text.size());
        };
        if (!state->prelude) {
          state->prelude = true;
          // Browsers reconnect after 1 s; the comment makes them report the stream open.
          return write("retry: 1000\n: connected\n\n");
        }
        if (stopping_) {
          sink.done();
          return true;
        }
        v1::AssociationEvent ev;
        absl::Status final;
        absl::Duration tick = std::min(absl::Milliseconds(250), config_.sse_heartbeat);
        switch (call->Pop(tick, &ev, &final)) {
          case WatchCall::Next::kEvent: {
            auto json = ToJson(ev);
            if (!json.ok()) return false;
            std::string frame;
            // Snapshot entries are not positions in the stream: only real events (and the
            // snapshot's end) carry an id for Last-Event-ID.
            if (!ev.snapshot()) absl::StrAppend(&frame, "id: ", ev.cursor(), "\n");
            absl::StrAppend(&frame, "data: ", *json, "\n\n");
            if (!write(frame)) return false;
            metrics_->events_sent().Increment();
            if (!ev.snapshot() && ev.has_time()) {
              absl::Time t = absl::FromUnixSeconds(ev.time().seconds()) +
                             absl::Nanoseconds(ev.time().nanos());
              metrics_->event_lag().Observe(
                  std::max(0.0, absl::ToDoubleSeconds(absl::Now() - t)));
            }
            return true;
          }
          case WatchCall::Next::kIdle:
            if (!sink.is_writable()) return false;
            if (absl::Now() - state->last_write >= config_.sse_heartbeat)
              return write(": heartbeat\n\n");
            return true;
          case WatchCall::Next::kEnded:
            if (!Transient(final.code()))
              write(absl::StrCat("event: status\ndata: ", StatusJson(final), "\n\n"));
            sink.done();
            return true;
        }
        return false;
      },
      [this, call](bool) {
        call->Close();  // cancels the WatchEvents call if the browser left first
        {
          std::lock_guard<std::mutex> lock(streams_mu_);
          streams_.erase(call.get());
        }
        metrics_->event_streams().Decrement();
      });
  return 200;
}

int WebServer::HandleSession(const httplib::Request& req, httplib::Response& res,
                             const Caller& caller) {
  std::string attrs = absl::StrCat("; Path=/; HttpOnly; SameSite=Strict", Secure(req) ? "; Secure" : "");
  if (req.method == "DELETE") {
    res.set_header("Set-Cookie", absl::StrCat(kCookie, "=", attrs, "; Max-Age=0"));
    res.status = 204;
    return 204;
  }
  if (req.method == "GET") {
    if (caller.token.empty())
      return SendStatus(res, absl::UnauthenticatedError("not signed in"));
    google::protobuf::Struct out = IdentityStruct(DecodeForDisplay(caller.token));
    (*out.mutable_fields())["via"].set_string_value(caller.from_cookie ? "session" : "bearer");
    return SendJson(res, out);
  }
  // POST {"token": "..."}: seal the token into the session cookie.
  google::protobuf::Struct in;
  if (auto st = FromJson(req.body.empty() ? "{}" : req.body, &in, "body"); !st.ok())
    return SendStatus(res, st);
  std::string token;
  if (auto it = in.fields().find("token"); it != in.fields().end())
    token = it->second.string_value();
  FieldViolations v;
  if (token.empty()) v.Add("token", "required");
  else if (token.size() > 8192) v.Add("token", "longer than 8192 characters");
  else if (std::any_of(token.begin(), token.end(), [](char c) { return c <= ' ' || c == 127; }))
    v.Add("token", "must not contain spaces or control characters");
  if (!v.empty()) return SendStatus(res, v.ToStatus());
  Identity id = DecodeForDisplay(token);
  absl::Time now = absl::Now();
  if (id.expires <= now) return SendStatus(res, absl::UnauthenticatedError("token expired"));
  absl::Time expires = std::min(id.expires, now + config_.session_ttl);
  res.set_header("Set-Cookie",
                 absl::StrCat(kCookie, "=", sealer_.Seal(token, expires), attrs,
                              "; Max-Age=", absl::ToInt64Seconds(expires - now)));
  google::protobuf::Struct out = IdentityStruct(id);
  (*out.mutable_fields())["via"].set_string_value("session");
  return SendJson(res, out);
}

int WebServer::HandleProfile(const httplib::Request&, httplib::Response& res,
                             const RouteMatch& m, const Caller& caller) {
  if (config_.featurecodes_url.empty())
    return SendStatus(res, absl::UnimplementedError(
                               "profile preview needs hotdesk-web --featurecodes_url"));
  // The core decides whether the caller may see this device; the profile is fetched only then.
  const auto* get = google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(
      "hotdesk.v1.Devices.GetDevice");
  v1::GetDeviceRequest q;
  q.set_tenant(VarOf(m, "tenant"));
  q.set_mac(VarOf(m, "mac"));
  auto device = gateway_.Call(get, q, caller.token);
  if (!device.ok()) return SendStatus(res, device.status());
  const auto& d = static_cast<const v1::Device&>(**device);
  auto body = HttpGet(absl::StrCat(config_.featurecodes_url, "/provisioning/", d.mac(), ".cfg"),
                      absl::Seconds(3));
  if (!body.ok())
    return SendStatus(res, absl::UnavailableError(absl::StrCat(
                               "hotdesk-featurecodes: ", body.status().message())));
  res.status = 200;
  res.set_content(*body, "text/plain; charset=utf-8");
  return 200;
}

int WebServer::HandleHealth(httplib::Response& res) {
  auto stub = grpc::health::v1::Health::NewStub(gateway_.channel());
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
  grpc::health::v1::HealthCheckRequest q;
  grpc::health::v1::HealthCheckResponse r;
  grpc::Status st = stub->Check(&ctx, q, &r);
  if (!st.ok()) return SendStatus(res, FromGrpcStatus(st));
  int code = SendJson(res, r);
  if (r.status() != grpc::health::v1::HealthCheckResponse::SERVING) res.status = code = 503;
  return code;
}

}  // namespace hotdesk::web
