#include "adapters/csta/event_follower.h"

#include <cstdio>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "adapters/csta/metrics.h"
#include "services/common/log.h"
#include "services/core/commands.h"

namespace hotdesk::csta {

std::vector<v1::AssociationEvent> DiffAssociations(
    const std::map<std::string, v1::Association>& before,
    const std::vector<v1::Association>& after) {
  std::map<std::string, const v1::Association*> now;
  for (const auto& a : after) now[a.host()] = &a;
  std::vector<v1::AssociationEvent> out;
  for (const auto& [host, old] : before) {
    auto it = now.find(host);
    if (it != now.end() && it->second->guest() == old.guest()) continue;
    v1::AssociationEvent ev;
    ev.set_type(v1::EVENT_TYPE_CANCELLED);
    *ev.mutable_association() = old;
    ev.set_reason(v1::CANCEL_REASON_UNSPECIFIED);  // unknown: the events were trimmed
    out.push_back(std::move(ev));
  }
  for (const auto& a : after) {
    auto it = before.find(a.host());
    if (it != before.end() && it->second.guest() == a.guest()) continue;
    v1::AssociationEvent ev;
    ev.set_type(v1::EVENT_TYPE_ESTABLISHED);
    *ev.mutable_association() = a;
    ev.set_source(a.source());
    out.push_back(std::move(ev));
  }
  return out;
}

std::string LoadCursor(const std::string& path) {
  if (path.empty()) return "";
  std::ifstream in(path);
  if (!in) return "";
  std::stringstream ss;
  ss << in.rdbuf();
  return std::string(absl::StripAsciiWhitespace(ss.str()));
}

bool SaveCursor(const std::string& path, const std::string& cursor) {
  if (path.empty()) return true;
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) return false;
    out << cursor << "\n";
    if (!out.good()) return false;
  }
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

EventFollower::EventFollower(std::shared_ptr<grpc::Channel> channel, std::string tenant,
                             std::string cursor_file, Metrics* metrics, Handler handler)
    : stub_(v1::Associations::NewStub(channel)),
      tenant_(std::move(tenant)),
      cursor_file_(std::move(cursor_file)),
      metrics_(metrics),
      handler_(std::move(handler)) {}

EventFollower::~EventFollower() { Stop(); }

void EventFollower::Start() {
  cursor_ = LoadCursor(cursor_file_);
  if (!cursor_.empty()) {
    HD_LOG(kInfo, "resuming events").kv("cursor", cursor_).kv("cursor_file", cursor_file_);
  }
  thread_ = std::thread([this] { Run(); });
}

void EventFollower::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    if (ctx_) ctx_->TryCancel();
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::string EventFollower::cursor() const {
  std::lock_guard<std::mutex> lock(mu_);
  return cursor_;
}

bool EventFollower::connected() const {
  std::lock_guard<std::mutex> lock(mu_);
  return connected_;
}

void EventFollower::Advance(const std::string& cursor) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    cursor_ = cursor;
  }
  if (!SaveCursor(cursor_file_, cursor)) {
    HD_LOG(kWarn, "cannot write cursor file").kv("cursor_file", cursor_file_);
  }
}

bool EventFollower::SleepUnlessStopped(std::chrono::milliseconds d) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, d, [this] { return stopping_; });
  return !stopping_;
}

void EventFollower::Run() {
  std::chrono::milliseconds backoff(100);
  bool resync = false;
  for (;;) {
    v1::WatchEventsRequest req;
    req.set_tenant(tenant_);
    std::string start = cursor();
    if (start.empty()) {
      req.set_include_snapshot(true);
    } else {
      req.set_after_cursor(start);
    }
    grpc::ClientContext ctx;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return;
      ctx_ = &ctx;
    }
    auto reader = stub_->WatchEvents(&ctx, req);
    std::vector<v1::Association> snapshot;
    v1::AssociationEvent ev;
    bool first = true;
    while (reader->Read(&ev)) {
      if (first) {
        first = false;
        backoff = std::chrono::milliseconds(100);
        metrics_->watch_connected().Set(1);
        {
          std::lock_guard<std::mutex> lock(mu_);
          connected_ = true;
        }
        HD_LOG(kInfo, "watching events").kv("tenant", tenant_).kv("after", start);
      }
      if (ev.snapshot()) {
        snapshot.push_back(ev.association());
        continue;
      }
      if (ev.type() == v1::EVENT_TYPE_SNAPSHOT_COMPLETE) {
        if (resync && mirror_complete_) {
          auto diffs = DiffAssociations(mirror_, snapshot);
          HD_LOG(kWarn, "resynced after trimmed events").kv("differences", diffs.size());
          for (auto& d : diffs) {
            d.set_cursor(ev.cursor());
            handler_(d);
          }
        }
        resync = false;
        mirror_.clear();
        for (auto& a : snapshot) mirror_[a.host()] = a;
        mirror_complete_ = true;
        snapshot.clear();
        Advance(ev.cursor());
        continue;
      }
      metrics_->watch_events().Increment();
      const auto& a = ev.association();
      if (ev.type() == v1::EVENT_TYPE_ESTABLISHED) {
        mirror_[a.host()] = a;
      } else if (ev.type() == v1::EVENT_TYPE_CANCELLED) {
        auto it = mirror_.find(a.host());
        if (it != mirror_.end() && it->second.guest() == a.guest()) mirror_.erase(it);
      }
      handler_(ev);
      Advance(ev.cursor());
    }
    grpc::Status st = reader->Finish();
    metrics_->watch_connected().Set(0);
    {
      std::lock_guard<std::mutex> lock(mu_);
      ctx_ = nullptr;
      connected_ = false;
      if (stopping_) return;
    }
    if (st.error_code() == grpc::StatusCode::OUT_OF_RANGE) {
      // Our cursor is older than the stream keeps: start over from a snapshot.
      HD_LOG(kWarn, "event cursor out of retention; resyncing").kv("cursor", start);
      metrics_->watch_resyncs().Increment();
      resync = true;
      {
        std::lock_guard<std::mutex> lock(mu_);
        cursor_.clear();
      }
      continue;
    }
    HD_LOG(kWarn, "event stream ended; reconnecting")
        .kv("code", static_cast<int>(st.error_code()))
        .kv("error", st.error_message())
        .kv("retry_ms", backoff.count());
    metrics_->watch_reconnects().Increment();
    if (!SleepUnlessStopped(backoff)) return;
    backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
  }
}

}  // namespace hotdesk::csta
