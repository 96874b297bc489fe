#include "adapters/xsp/bridge/ops_server.h"

#include <httplib.h>
#include <prometheus/text_serializer.h>

#include "absl/strings/numbers.h"
#include "services/common/host_port.h"

namespace hotdesk::xsp {

OpsServer::OpsServer(std::shared_ptr<prometheus::Registry> registry,
                     std::function<std::string(int)> status_json,
                     std::function<Answer(const std::string&)> drop)
    : http_(std::make_unique<httplib::Server>()) {
  http_->Get("/metrics", [registry](const httplib::Request&, httplib::Response& res) {
    prometheus::TextSerializer s;
    res.set_content(s.Serialize(registry->Collect()), "text/plain; version=0.0.4");
  });
  http_->Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok\n", "text/plain");
  });
  http_->Get("/status", [status_json](const httplib::Request& req, httplib::Response& res) {
    int limit = 50;
    if (req.has_param("limit")) (void)absl::SimpleAtoi(req.get_param_value("limit"), &limit);
    limit = std::max(1, std::min(limit, 200));
    res.set_content(status_json(limit), "application/json");
  });
  http_->Post("/sequences/drop", [drop](const httplib::Request& req, httplib::Response& res) {
    if (!req.has_param("cursor") || req.get_param_value("cursor").empty()) {
      res.status = 400;
      res.set_content("{\"error\":\"cursor: required (the sequence to drop)\"}\n",
                      "application/json");
      return;
    }
    Answer a = drop(req.get_param_value("cursor"));
    res.status = a.status;
    res.set_content(a.json, "application/json");
  });
}

OpsServer::~OpsServer() { Stop(); }

int OpsServer::Start(const std::string& listen) {
  auto hp = SplitHostPort(listen, /*allow_port_zero=*/true);
  if (!hp.ok()) return -1;
  int bound = hp->port == 0 ? http_->bind_to_any_port(hp->host)
                            : (http_->bind_to_port(hp->host, hp->port) ? hp->port : -1);
  if (bound <= 0) return -1;
  thread_ = std::thread([this] { http_->listen_after_bind(); });
  for (int i = 0; i < 200 && !http_->is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return bound;
}

void OpsServer::Stop() {
  if (http_->is_running()) http_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace hotdesk::xsp
