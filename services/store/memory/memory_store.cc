#include "services/store/memory/memory_store.h"

#include "absl/strings/numbers.h"
#include "services/store/store_util.h"

namespace hotdesk {

MemoryStore::MemoryStore(MemoryStoreOptions options) : options_(std::move(options)) {}

int64_t MemoryStore::NowMs() const { return absl::ToUnixMillis(options_.clock()); }

StreamId MemoryStore::NextId(Tenant& t, int64_t now_ms) {
  StreamId id{static_cast<uint64_t>(now_ms), 0};
  if (id <= t.last) id = StreamId{t.last.ms, t.last.seq + 1};
  t.last = id;
  return id;
}

EventPtr MemoryStore::Append(Tenant& t, const std::string& tenant, v1::EventType type,
                             const v1::Association& assoc, v1::CancelReason reason,
                             v1::Source source, const std::string& request_id, int64_t now_ms,
                             Pending* pending) {
  StreamId id = NextId(t, now_ms);
  EventPtr ev = MakeEvent(id.ToString(), type, assoc, reason, source, now_ms, request_id);
  t.events.push_back(ev);
  while (t.events.size() > options_.stream_retention) {
    t.trimmed = *StreamId::Parse(t.events.front()->cursor());
    t.events.pop_front();
  }
  pending->tenant = tenant;
  pending->events.push_back(ev);
  return ev;
}

void MemoryStore::Remove(Tenant& t, const std::string& host) {
  auto it = t.by_host.find(host);
  if (it == t.by_host.end()) return;
  if (it->second.has_expire_time()) {
    int64_t ms =
        it->second.expire_time().seconds() * 1000 + it->second.expire_time().nanos() / 1000000;
    t.exp.erase({ms, host});
  }
  t.by_guest.erase(it->second.guest());
  t.by_host.erase(it);
}

void MemoryStore::Deliver(std::vector<Pending> pending) {
  // Called with feed_mu_ held, mu_ released.
  if (listener_ == nullptr) return;
  for (auto& p : pending) {
    if (p.events.empty()) continue;
    bool followed;
    {
      std::lock_guard<std::mutex> lock(mu_);
      followed = followed_.count(p.tenant) > 0;
    }
    if (followed) listener_->OnEvents(p.tenant, std::move(p.events));
  }
}

MemoryStore::Stored* MemoryStore::Replay(Tenant& t, const std::string& request_id, absl::Time now) {
  if (request_id.empty()) return nullptr;
  auto it = t.requests.find(request_id);
  if (it == t.requests.end() || it->second.expires <= now) return nullptr;
  return &it->second;
}

MemoryStore::Stored* MemoryStore::Remember(Tenant& t, const std::string& request_id,
                                           const std::string& fingerprint, absl::Time now) {
  if (request_id.empty()) return nullptr;
  Stored& s = t.requests[request_id];
  s.fingerprint = fingerprint;
  s.expires = now + options_.request_id_ttl;
  return &s;
}

absl::StatusOr<v1::EstablishResponse> MemoryStore::EstablishLocked(const EstablishCommand& cmd,
                                                                   bool guest_disabled,
                                                                   Pending* pending) {
  Tenant& t = tenants_[cmd.tenant];
  absl::Time now = options_.clock();
  int64_t now_ms = absl::ToUnixMillis(now);
  std::string fp = cmd.Fingerprint();
  if (Stored* prior = Replay(t, cmd.request_id, now)) {
    if (prior->fingerprint != fp) return RequestIdReusedError(cmd.request_id);
    return prior->establish;
  }
  absl::StatusOr<v1::EstablishResponse> result;
  v1::EstablishResponse resp;
  if (guest_disabled) {
    result = GuestDisabledError(cmd.guest);
    if (Stored* s = Remember(t, cmd.request_id, fp, now)) s->establish = result;
    return result;
  }
  auto host_it = t.by_host.find(cmd.host);
  auto guest_it = t.by_guest.find(cmd.guest);
  if (host_it != t.by_host.end() && host_it->second.guest() == cmd.guest) {
    *resp.mutable_association() = host_it->second;
    resp.set_unchanged(true);
    result = resp;
  } else if (host_it != t.by_host.end() && cmd.reject_host_busy) {
    result = HostBusyError(host_it->second);
  } else if (guest_it != t.by_guest.end() && cmd.reject_guest_elsewhere) {
    result = GuestElsewhereError(t.by_host[guest_it->second]);
  } else {
    // The host's present guest first, then the guest's previous host.
    std::vector<std::string> ended;
    if (host_it != t.by_host.end()) ended.push_back(cmd.host);
    if (guest_it != t.by_guest.end()) ended.push_back(guest_it->second);
    for (const auto& h : ended) {
      v1::Association old = t.by_host[h];
      Remove(t, h);
      Append(t, cmd.tenant, v1::EVENT_TYPE_CANCELLED, old, v1::CANCEL_REASON_SUPERSEDED, cmd.source,
             cmd.request_id, now_ms, pending);
      *resp.add_superseded() = old;
    }
    v1::Association a;
    a.set_tenant(cmd.tenant);
    a.set_host(cmd.host);
    a.set_guest(cmd.guest);
    a.set_source(cmd.source);
    *a.mutable_establish_time() = TimestampFromMillis(now_ms);
    int64_t exp_ms = cmd.limit_ms ? now_ms + cmd.limit_ms
                                  : FirstDailyLogoutAfter(cmd.daily_logout_ms, now_ms);
    if (exp_ms) *a.mutable_expire_time() = TimestampFromMillis(exp_ms);
    if (cmd.limit.kind_case() != v1::AssociationLimit::KIND_NOT_SET) *a.mutable_limit() = cmd.limit;
    a.mutable_attributes()->insert(cmd.attributes.begin(), cmd.attributes.end());
    EventPtr ev =
        Append(t, cmd.tenant, v1::EVENT_TYPE_ESTABLISHED, a, v1::CANCEL_REASON_UNSPECIFIED,
               cmd.source, cmd.request_id, now_ms, pending);
    // The ESTABLISHED event's own cursor identifies the association.
    a.set_cursor(ev->cursor());
    std::const_pointer_cast<v1::AssociationEvent>(ev)->mutable_association()->set_cursor(
        ev->cursor());
    t.by_host[cmd.host] = a;
    t.by_guest[cmd.guest] = cmd.host;
    if (exp_ms) t.exp.insert({exp_ms, cmd.host});
    *resp.mutable_association() = a;
    resp.set_cursor(ev->cursor());
    result = resp;
  }
  if (Stored* s = Remember(t, cmd.request_id, fp, now)) s->establish = result;
  return result;
}

void MemoryStore::Establish(const EstablishCommand& cmd, absl::Time,
                            Done<v1::EstablishResponse> done) {
  absl::StatusOr<v1::EstablishResponse> result;
  // Checked before taking the lock (the registry has its own); the Redis script does it
  // atomically, here a concurrent registry change may race, which only a demo store tolerates.
  bool disabled = guest_disabled_ && guest_disabled_(cmd.tenant, cmd.guest);
  {
    std::lock_guard<std::mutex> feed_lock(feed_mu_);
    std::vector<Pending> pending(1);
    {
      std::lock_guard<std::mutex> lock(mu_);
      result = EstablishLocked(cmd, disabled, &pending[0]);
    }
    Deliver(std::move(pending));
  }
  done(std::move(result));
}

absl::StatusOr<v1::CancelResponse> MemoryStore::CancelLocked(const CancelCommand& cmd,
                                                             Pending* pending) {
  Tenant& t = tenants_[cmd.tenant];
  absl::Time now = options_.clock();
  std::string fp = cmd.Fingerprint();
  if (Stored* prior = Replay(t, cmd.request_id, now)) {
    if (prior->fingerprint != fp) return RequestIdReusedError(cmd.request_id);
    return prior->cancel;
  }
  absl::StatusOr<v1::CancelResponse> result;
  std::string host = cmd.host;
  if (host.empty()) {
    auto g = t.by_guest.find(cmd.guest);
    if (g != t.by_guest.end()) host = g->second;
  }
  auto it = host.empty() ? t.by_host.end() : t.by_host.find(host);
  if (it == t.by_host.end()) {
    result = NotFoundError(cmd.tenant, cmd.host, cmd.guest);
  } else if (!cmd.guest.empty() && it->second.guest() != cmd.guest) {
    result = NotAssociatedError(host, cmd.guest, it->second.guest());
  } else {
    v1::Association old = it->second;
    Remove(t, host);
    EventPtr ev = Append(t, cmd.tenant, v1::EVENT_TYPE_CANCELLED, old, cmd.reason, cmd.source,
                         cmd.request_id, absl::ToUnixMillis(now), pending);
    v1::CancelResponse resp;
    *resp.mutable_association() = old;
    resp.set_cursor(ev->cursor());
    result = resp;
  }
  if (Stored* s = Remember(t, cmd.request_id, fp, now)) s->cancel = result;
  return result;
}

void MemoryStore::Cancel(const CancelCommand& cmd, absl::Time, Done<v1::CancelResponse> done) {
  absl::StatusOr<v1::CancelResponse> result;
  {
    std::lock_guard<std::mutex> feed_lock(feed_mu_);
    std::vector<Pending> pending(1);
    {
      std::lock_guard<std::mutex> lock(mu_);
      result = CancelLocked(cmd, &pending[0]);
    }
    Deliver(std::move(pending));
  }
  done(std::move(result));
}

void MemoryStore::Get(const std::string& tenant, const std::string& host, const std::string& guest,
                      absl::Time, Done<v1::Association> done) {
  absl::StatusOr<v1::Association> result = NotFoundError(tenant, host, guest);
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto t = tenants_.find(tenant);
    if (t != tenants_.end()) {
      std::string h = host;
      if (h.empty()) {
        auto g = t->second.by_guest.find(guest);
        if (g != t->second.by_guest.end()) h = g->second;
      }
      auto it = t->second.by_host.find(h);
      if (!h.empty() && it != t->second.by_host.end()) result = it->second;
    }
  }
  done(std::move(result));
}

void MemoryStore::List(const std::string& tenant, int page_size, const std::string& page_token,
                       absl::Time, Done<v1::ListAssociationsResponse> done) {
  auto size = EffectivePageSize(page_size);
  if (!size.ok()) return done(size.status());
  // Token: "m" + the last host returned (hosts are iterated in sorted order).
  if (!page_token.empty() && page_token[0] != 'm') return done(BadPageTokenError());
  std::string after = page_token.empty() ? "" : page_token.substr(1);
  v1::ListAssociationsResponse resp;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto t = tenants_.find(tenant);
    if (t != tenants_.end()) {
      auto it =
          page_token.empty() ? t->second.by_host.begin() : t->second.by_host.upper_bound(after);
      for (; it != t->second.by_host.end() && resp.associations_size() < *size; ++it)
        *resp.add_associations() = it->second;
      if (it != t->second.by_host.end())
        resp.set_next_page_token("m" + resp.associations().rbegin()->host());
    }
  }
  done(std::move(resp));
}

void MemoryStore::SweepExpired(absl::Time, Done<std::vector<v1::CancelResponse>> done) {
  std::vector<v1::CancelResponse> expired;
  std::vector<Pending> all;
  {
    std::lock_guard<std::mutex> feed_lock(feed_mu_);
    {
      std::lock_guard<std::mutex> lock(mu_);
      int64_t now_ms = NowMs();
      for (auto& [name, t] : tenants_) {
        Pending pending;
        while (!t.exp.empty() && t.exp.begin()->first <= now_ms) {
          std::string host = t.exp.begin()->second;
          v1::Association old = t.by_host[host];
          Remove(t, host);
          EventPtr ev = Append(t, name, v1::EVENT_TYPE_CANCELLED, old, v1::CANCEL_REASON_EXPIRED,
                               v1::SOURCE_EXPIRY, "", now_ms, &pending);
          v1::CancelResponse e;
          *e.mutable_association() = old;
          e.set_cursor(ev->cursor());
          expired.push_back(std::move(e));
        }
        if (!pending.events.empty()) all.push_back(std::move(pending));
      }
    }
    Deliver(std::move(all));
  }
  done(std::move(expired));
}

void MemoryStore::ReadEvents(const std::string& tenant, StreamId after, int max, absl::Time,
                             Done<std::vector<EventPtr>> done) {
  absl::StatusOr<std::vector<EventPtr>> result = std::vector<EventPtr>{};
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto t = tenants_.find(tenant);
    if (t != tenants_.end()) {
      if (after < t->second.trimmed) {
        result = TrimmedError(after);
      } else {
        for (const auto& ev : t->second.events) {
          if (static_cast<int>(result->size()) >= max) break;
          if (*StreamId::Parse(ev->cursor()) > after) result->push_back(ev);
        }
      }
    }
  }
  done(std::move(result));
}

void MemoryStore::TakeSnapshot(const std::string& tenant, absl::Time, Done<Snapshot> done) {
  Snapshot snap;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto t = tenants_.find(tenant);
    if (t != tenants_.end()) {
      for (const auto& [h, a] : t->second.by_host) snap.associations.push_back(a);
      snap.cursor = t->second.last;
    }
  }
  done(std::move(snap));
}

void MemoryStore::LastEventId(const std::string& tenant, absl::Time, Done<StreamId> done) {
  StreamId id;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto t = tenants_.find(tenant);
    if (t != tenants_.end()) id = t->second.last;
  }
  done(id);
}

void MemoryStore::CountAssociations(absl::Time,
                                    Done<std::vector<std::pair<std::string, int64_t>>> done) {
  std::vector<std::pair<std::string, int64_t>> out;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [name, t] : tenants_) out.emplace_back(name, t.by_host.size());
  }
  done(std::move(out));
}

void MemoryStore::SetListener(Listener* listener) { listener_ = listener; }

void MemoryStore::Follow(const std::string& tenant) {
  StreamId base;
  {
    // Holding feed_mu_ orders OnFollowing before any OnEvents of later commits.
    std::lock_guard<std::mutex> feed_lock(feed_mu_);
    {
      std::lock_guard<std::mutex> lock(mu_);
      followed_.insert(tenant);
      auto t = tenants_.find(tenant);
      if (t != tenants_.end()) base = t->second.last;
    }
    if (listener_) listener_->OnFollowing(tenant, base);
  }
}

void MemoryStore::Unfollow(const std::string& tenant) {
  std::lock_guard<std::mutex> lock(mu_);
  followed_.erase(tenant);
}

}  // namespace hotdesk
