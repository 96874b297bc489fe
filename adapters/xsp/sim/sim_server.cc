#include "adapters/xsp/sim/sim_server.h"

#include <httplib.h>

#include <chrono>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/common/log.h"

namespace hotdesk::xsp::sim {
namespace {

constexpr char kActions[] = "/com.broadsoft.xsi-actions/v2.0";
constexpr char kEvents[] = "/com.broadsoft.xsi-events/v2.0";
constexpr char kAsyncEvents[] = "/com.broadsoft.async/com.broadsoft.xsi-events/v2.0";
constexpr char kXmlType[] = "application/xml; charset=UTF-8";

std::string Base64(absl::string_view in) {
  static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    out += t[v >> 18];
    out += t[(v >> 12) & 63];
    out += t[(v >> 6) & 63];
    out += t[v & 63];
  }
  if (i + 1 == in.size()) {
    uint32_t v = uint8_t(in[i]) << 16;
    out += t[v >> 18];
    out += t[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += t[v >> 18];
    out += t[(v >> 12) & 63];
    out += t[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

// User ids arrive percent-encoded by some clients (%40 for '@').
std::string Unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    int hi = 0, lo = 0;
    auto hex = [](char c, int* v) {
      if (c >= '0' && c <= '9')
        *v = c - '0';
      else if (c >= 'a' && c <= 'f')
        *v = c - 'a' + 10;
      else if (c >= 'A' && c <= 'F')
        *v = c - 'A' + 10;
      else
        return false;
      return true;
    };
    if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1], &hi) && hex(s[i + 2], &lo)) {
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// The request target as sent (path and query), undecoded form parameters excluded.
std::string FullPath(const httplib::Request& req) {
  size_t q = req.target.find('?');
  return q == std::string::npos ? req.path : absl::StrCat(req.path, req.target.substr(q));
}

void Send(httplib::Response& res, const Reply& r) {
  res.status = r.status;
  if (!r.body.empty()) res.set_content(r.body, kXmlType);
}

void SendJson(httplib::Response& res, int status, const std::string& json) {
  res.status = status;
  res.set_content(json, "application/json");
}

int IntParam(const httplib::Request& req, const char* key, int dflt) {
  int v = dflt;
  if (req.has_param(key)) (void)absl::SimpleAtoi(req.get_param_value(key), &v);
  return v;
}

}  // namespace

SimServer::SimServer(SimConfig config)
    : state_(std::make_shared<SimState>(config)), http_(std::make_unique<httplib::Server>()) {
  expected_auth_ = absl::StrCat("Basic ", Base64(absl::StrCat(config.user, ":", config.password)));
  // Event channels hold a worker each for their lifetime.
  http_->new_task_queue = [] { return new httplib::ThreadPool(64); };
  http_->set_keep_alive_timeout(30);
  Routes();
}

SimServer::~SimServer() { Stop(); }

int SimServer::Bind(const std::string& host, int port) {
  if (port == 0) return http_->bind_to_any_port(host);
  return http_->bind_to_port(host, port) ? port : -1;
}

void SimServer::Serve() { http_->listen_after_bind(); }

void SimServer::Stop() {
  if (http_->is_running()) http_->stop();
}

void SimServer::Routes() {
  std::shared_ptr<SimState> st = state_;
  httplib::Server& s = *http_;

  s.set_logger([](const httplib::Request& req, const httplib::Response& res) {
    HD_LOG(kDebug, "sim request")
        .kv("method", req.method)
        .kv("path", req.path)
        .kv("status", res.status);
  });
  // Every Xsi path: journal, Basic auth, injected faults, then the handler. Both pre-emptive and
  // challenged Basic auth work: a request without (or with wrong) credentials gets 401 with a
  // challenge and the client repeats it with them.
  auto xsi = [this, st](const char* api, httplib::Server::Handler h) {
    return [this, st, api, h](const httplib::Request& req, httplib::Response& res) {
      int64_t seq = st->Record(api, req.method, FullPath(req), req.body);
      if (req.get_header_value("Authorization") != expected_auth_) {
        res.status = 401;
        res.set_header("WWW-Authenticate", "Basic realm=\"BroadWorks\"");
        res.set_content(BuildErrorInfo(401, "[Error 401] Authentication required"), kXmlType);
      } else if (std::optional<Fault> f = st->TakeFault(req.method, req.path)) {
        if (f->after) {
          // The change is made and the answer is late: a client may give up or die meanwhile.
          h(req, res);
          std::this_thread::sleep_for(std::chrono::milliseconds(f->delay_ms));
        } else {
          if (f->delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(f->delay_ms));
          if (f->status == 401) {
            res.status = 401;
            res.set_header("WWW-Authenticate", "Basic realm=\"BroadWorks\"");
            res.set_content(BuildErrorInfo(401, "[Error 401] Authentication failed"), kXmlType);
          } else if (f->status > 0) {
            res.status = f->status;
            res.set_content(BuildErrorInfo(f->status * 10, absl::StrCat("[Error ", f->status * 10,
                                                                        "] Injected fault")),
                            kXmlType);
          } else {
            h(req, res);
          }
        }
      } else {
        h(req, res);
      }
      st->SetStatus(seq, res.status);
    };
  };

  // ---- Xsi-Actions ----
  const std::string svc = absl::StrCat(kActions, "/user/([^/]+)/services/([^/]+)");
  s.Get(svc, xsi("actions", [st](const httplib::Request& req, httplib::Response& res) {
          Send(res, st->GetService(Unescape(req.matches[1]), req.matches[2]));
        }));
  s.Put(svc, xsi("actions", [st](const httplib::Request& req, httplib::Response& res) {
          Send(res, st->PutService(Unescape(req.matches[1]), req.matches[2], req.body));
        }));

  // ---- Xsi-Events ----
  s.Post(absl::StrCat(kAsyncEvents, "/channel"),
         xsi("events", [st](const httplib::Request& req, httplib::Response& res) {
           std::string id;
           Reply r = st->OpenChannel(req.body, &id);
           if (id.empty()) return Send(res, r);
           res.status = 200;
           res.set_header("Set-Cookie",
                          absl::StrCat("JSESSIONID=", id, "; Path=/com.broadsoft.xsi-events"));
           res.set_chunked_content_provider(
               "text/xml;charset=UTF-8",
               [st, id](size_t, httplib::DataSink& sink) {
                 std::vector<std::string> chunks;
                 bool done = false;
                 if (!st->NextChunks(id, absl::Milliseconds(500), &chunks, &done)) {
                   st->ChannelClosed(id);
                   return false;  // dropped: the connection is cut mid-stream
                 }
                 for (const std::string& c : chunks) {
                   if (!sink.write(c.data(), c.size())) {
                     st->ChannelClosed(id);
                     return false;
                   }
                 }
                 if (done) {
                   st->ChannelClosed(id);
                   sink.done();
                 }
                 return true;
               },
               [st, id](bool) { st->ChannelClosed(id); });
         }));
  s.Put(absl::StrCat(kEvents, "/channel/([^/]+)/heartbeat"),
        xsi("events", [st](const httplib::Request& req, httplib::Response& res) {
          Send(res, st->Heartbeat(req.matches[1]));
        }));
  s.Post(absl::StrCat(kEvents, "/channel/eventresponse"),
         xsi("events", [st](const httplib::Request& req, httplib::Response& res) {
           Send(res, st->EventResponse(req.body));
         }));
  s.Put(absl::StrCat(kEvents, "/channel/([^/]+)"),
        xsi("events", [st](const httplib::Request& req, httplib::Response& res) {
          Send(res, st->ModifyChannel(req.matches[1], req.body));
        }));
  s.Delete(absl::StrCat(kEvents, "/channel/([^/]+)"),
           xsi("events", [st](const httplib::Request& req, httplib::Response& res) {
             Send(res, st->DeleteChannel(req.matches[1]));
           }));
  // Subscriptions: the specification's path and the variants clients use (G.1).
  auto user_sub = xsi("events", [st](const httplib::Request& req, httplib::Response& res) {
    Send(res, st->Subscribe("User", Unescape(req.matches[1]), req.body));
  });
  s.Post(absl::StrCat(kEvents, "/[uU]ser/([^/]+)"), user_sub);
  s.Post(absl::StrCat(kEvents, "/[uU]ser/([^/]+)/subscription"), user_sub);
  s.Post(absl::StrCat(kEvents, "/[uU]ser/([^/]+)/subId/[^/]+"), user_sub);
  auto group_sub = xsi("events", [st](const httplib::Request& req, httplib::Response& res) {
    Send(res, st->Subscribe("Group", Unescape(req.matches[2]), req.body));
  });
  s.Post(absl::StrCat(kEvents, "/serviceprovider/([^/]+)/group/([^/]+)"), group_sub);
  s.Post(absl::StrCat(kEvents, "/serviceprovider/([^/]+)/group/([^/]+)/subscription"), group_sub);
  s.Get(absl::StrCat(kEvents, "/subscription"),
        xsi("events", [st](const httplib::Request&, httplib::Response& res) {
          Send(res, st->ListSubscriptions());
        }));
  s.Put(absl::StrCat(kEvents, "/subscription/([^/]+)"),
        xsi("events", [st](const httplib::Request& req, httplib::Response& res) {
          Send(res, st->ModifySubscription(req.matches[1], req.body));
        }));
  s.Delete(absl::StrCat(kEvents, "/subscription/([^/]+)"),
           xsi("events", [st](const httplib::Request& req, httplib::Response& res) {
             Send(res, st->DeleteSubscription(req.matches[1]));
           }));

  // ---- /sim control API (no auth: tests and demos on loopback) ----
  s.Post("/sim/hoteling", [st](const httplib::Request& req, httplib::Response& res) {
    Send(res, st->PlatformAssociate(req.get_param_value("guest"), req.get_param_value("host"),
                                    IntParam(req, "hours", 0)));
  });
  s.Post("/sim/release", [st](const httplib::Request& req, httplib::Response& res) {
    Send(res, st->PlatformRelease(req.get_param_value("host")));
  });
  s.Post("/sim/logout", [st](const httplib::Request& req, httplib::Response& res) {
    Send(res, st->PlatformGuestLogout(req.get_param_value("guest")));
  });
  s.Post("/sim/agent", [st](const httplib::Request& req, httplib::Response& res) {
    Send(res, st->PlatformAgentState(req.get_param_value("user"), req.get_param_value("state")));
  });
  s.Post("/sim/raw_event", [st](const httplib::Request& req, httplib::Response& res) {
    SendJson(res, 200, absl::StrCat("{\"channels\":", st->InjectRaw(req.body), "}"));
  });
  s.Post("/sim/faults", [st](const httplib::Request& req, httplib::Response& res) {
    if (req.has_param("drop_channel")) {
      SendJson(res, 200, absl::StrCat("{\"dropped\":", st->DropChannels(), "}"));
      return;
    }
    Fault f;
    f.method = req.get_param_value("method");
    f.match = req.get_param_value("path");
    f.status = IntParam(req, "status", 0);
    f.delay_ms = IntParam(req, "delay_ms", 0);
    f.remaining = IntParam(req, "count", 1);
    f.after = IntParam(req, "after", 0) != 0;
    if (f.after && (f.status != 0 || f.delay_ms == 0)) {
      SendJson(res, 400, "{\"error\":\"after=1 takes delay_ms and no status\"}");
      return;
    }
    if (f.status == 0 && f.delay_ms == 0) {
      SendJson(res, 400, "{\"error\":\"give status, delay_ms or drop_channel\"}");
      return;
    }
    st->AddFault(f);
    SendJson(res, 200, "{}");
  });
  s.Delete("/sim/faults", [st](const httplib::Request&, httplib::Response& res) {
    st->ClearFaults();
    SendJson(res, 200, "{}");
  });
  s.Get("/sim/journal", [st](const httplib::Request& req, httplib::Response& res) {
    std::string out = "[";
    bool first = true;
    for (const JournalEntry& e :
         st->Journal(req.get_param_value("api"), IntParam(req, "since", 0))) {
      absl::StrAppend(&out, first ? "" : ",\n", "{\"seq\":", e.seq, ",\"api\":\"", e.api,
                      "\",\"method\":\"", e.method, "\",\"path\":\"", JsonEscape(e.path),
                      "\",\"status\":", e.status, ",\"body\":\"", JsonEscape(e.body), "\"}");
      first = false;
    }
    out += "]\n";
    SendJson(res, 200, out);
  });
  s.Delete("/sim/journal", [st](const httplib::Request&, httplib::Response& res) {
    st->ClearJournal();
    SendJson(res, 200, "{}");
  });
  s.Get("/sim/channels", [st](const httplib::Request&, httplib::Response& res) {
    SendJson(res, 200, st->ChannelsJson());
  });
  s.Get("/sim/users/([^/]+)", [st](const httplib::Request& req, httplib::Response& res) {
    std::string j = st->UserJson(Unescape(req.matches[1]));
    if (j.empty()) return SendJson(res, 404, "{\"error\":\"no such user\"}");
    SendJson(res, 200, j);
  });
  s.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok\n", "text/plain");
  });
}

}  // namespace hotdesk::xsp::sim
