#include "tests/faults/history_checker.h"

#include <map>
#include <set>
#include <unordered_map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"

namespace hotdesk::faults {
namespace {

constexpr int kSuperseded = 4;  // hotdesk.v1.CancelReason CANCEL_REASON_SUPERSEDED

std::string Describe(const StreamEvent& e) {
  return absl::StrCat(e.id.ToString(), " ", std::string(1, e.type), " ", e.host, " ", e.guest,
                      e.type == 'C' ? absl::StrCat(" reason=", e.reason) : "", " q=",
                      e.request_id);
}

std::string Describe(const SeenEvent& e) {
  return absl::StrCat(e.id.ToString(), " ", std::string(1, e.type), " ", e.host, " ", e.guest,
                      " q=", e.request_id);
}

std::string Describe(const Op& op) {
  const char* kind = op.kind == OpKind::kEstablish       ? "establish"
                     : op.kind == OpKind::kCancelByHost ? "cancel-host"
                                                         : "cancel-guest";
  return absl::StrCat(op.tenant, " ", kind, " host=", op.host, " guest=", op.guest,
                      " id=", op.request_id, " attempts=", op.attempts,
                      op.via_web ? absl::StrCat(" (", op.web_attempts, " via web)") : "");
}

// Where the events of one request id sit in their tenant's stream.
struct Group {
  std::string tenant;
  std::vector<size_t> positions;
  std::string other_tenant;  // set when the id also appears in another tenant's stream
};

std::unordered_map<std::string, Group> GroupByRequestId(const History& h) {
  std::unordered_map<std::string, Group> groups;
  for (const auto& [tenant, events] : h.streams) {
    for (size_t i = 0; i < events.size(); ++i) {
      if (events[i].request_id.empty()) continue;
      Group& g = groups[events[i].request_id];
      if (g.positions.empty()) g.tenant = tenant;
      if (g.tenant != tenant) {
        g.other_tenant = tenant;  // flagged by CheckRequestIds
        continue;
      }
      g.positions.push_back(i);
    }
  }
  return groups;
}

bool SameMap(const std::map<std::string, std::string>& a,
             const std::map<std::string, std::string>& b, std::string* diff) {
  for (const auto& [k, val] : a) {
    auto it = b.find(k);
    if (it == b.end()) {
      *diff = absl::StrCat(k, "->", val, " only in replay");
      return false;
    }
    if (it->second != val) {
      *diff = absl::StrCat(k, ": replay ", val, ", found ", it->second);
      return false;
    }
  }
  for (const auto& [k, val] : b) {
    if (!a.count(k)) {
      *diff = absl::StrCat(k, "->", val, " missing from replay");
      return false;
    }
  }
  return true;
}

// hotdesk-csta names its requests csta-<nonce>-<n>-<invoke id> (adapters/csta/README.md): the
// client cannot know the whole id; CheckCsta learns each connection's nonce from the stream.
bool FromCstaGateway(const StreamEvent& e, const std::string& csta_tenant,
                     const std::string& tenant) {
  return !csta_tenant.empty() && tenant == csta_tenant && e.request_id.rfind("csta-", 0) == 0;
}

// hotdesk-xsp applies a platform change with request id xsp-<the Xsi event's eventID>.
bool FromXspBridge(const StreamEvent& e, const std::string& xsp_tenant,
                   const std::string& tenant) {
  return !xsp_tenant.empty() && tenant == xsp_tenant && e.request_id.rfind("xsp-", 0) == 0;
}

std::string Describe(const CstaOp& op) {
  return absl::StrCat(op.client, " connection ", op.connection, " #", op.index, " invoke ",
                      op.invoke, " ",
                      op.logged_on ? "loggedOn" : "loggedOff", " host=", op.host,
                      op.logged_on ? " guest=" + op.guest : "");
}

}  // namespace

void CheckStreams(const History& h, Violations* v) {
  for (const auto& [tenant, events] : h.streams) {
    TenantState replay;
    StreamId last;  // 0-0: nothing was trimmed, so the first entry's predecessor is 0-0
    for (const StreamEvent& e : events) {
      if (!(last < e.id)) v->Add("stream_out_of_order", tenant + " " + Describe(e));
      if (e.prev != last)
        v->Add("stream_chain_broken",
               absl::StrCat(tenant, " ", Describe(e), " records predecessor ",
                            e.prev.ToString(), ", stream has ", last.ToString()));
      last = e.id;
      if (e.type == 'E') {
        auto hb = replay.by_host.find(e.host);
        if (hb != replay.by_host.end())
          v->Add("replay_host_busy",
                 absl::StrCat(tenant, " ", Describe(e), " while host has ", hb->second));
        auto gb = replay.by_guest.find(e.guest);
        if (gb != replay.by_guest.end())
          v->Add("replay_guest_elsewhere",
                 absl::StrCat(tenant, " ", Describe(e), " while guest is at ", gb->second));
        if (hb != replay.by_host.end()) replay.by_guest.erase(hb->second);
        if (gb != replay.by_guest.end()) replay.by_host.erase(gb->second);
        replay.by_host[e.host] = e.guest;
        replay.by_guest[e.guest] = e.host;
      } else if (e.type == 'C') {
        auto hb = replay.by_host.find(e.host);
        if (hb == replay.by_host.end() || hb->second != e.guest) {
          v->Add("replay_cancel_mismatch",
                 absl::StrCat(tenant, " ", Describe(e), " while host has ",
                              hb == replay.by_host.end() ? "nobody" : hb->second));
          if (hb != replay.by_host.end()) replay.by_guest.erase(hb->second);
        }
        replay.by_host.erase(e.host);
        auto gb = replay.by_guest.find(e.guest);
        if (gb != replay.by_guest.end() && gb->second == e.host) replay.by_guest.erase(gb);
      } else {
        v->Add("stream_bad_entry", tenant + " " + Describe(e));
      }
    }
    std::string diff;
    auto st = h.redis_state.find(tenant);
    TenantState empty;
    const TenantState& found = st == h.redis_state.end() ? empty : st->second;
    if (!SameMap(replay.by_host, found.by_host, &diff))
      v->Add("final_state_mismatch", absl::StrCat(tenant, " by-host: ", diff));
    if (!SameMap(replay.by_guest, found.by_guest, &diff))
      v->Add("final_state_mismatch", absl::StrCat(tenant, " by-guest: ", diff));
    for (const auto& [key, listed] : h.listed) {
      if (key.size() <= tenant.size() || key.compare(key.size() - tenant.size() - 1,
                                                     std::string::npos, "/" + tenant) != 0)
        continue;
      if (!SameMap(replay.by_host, listed, &diff))
        v->Add("list_mismatch", absl::StrCat(key, ": ", diff));
    }
  }
  // A tenant with state but no stream at all.
  for (const auto& [tenant, st] : h.redis_state)
    if (!h.streams.count(tenant) && !st.by_host.empty())
      v->Add("final_state_mismatch", tenant + " has associations but no events");
}

void CheckRequestIds(const History& h, Violations* v) {
  std::set<std::string> asked;
  for (const Op& op : h.ops) asked.insert(op.request_id);
  for (const auto& [tenant, events] : h.streams)
    for (const StreamEvent& e : events)
      if (e.request_id.empty() ||
          (!asked.count(e.request_id) && !FromCstaGateway(e, h.csta_tenant, tenant) &&
           !FromXspBridge(e, h.xsp_tenant, tenant)))
        v->Add("event_without_request", tenant + " " + Describe(e));

  for (const auto& [rid, g] : GroupByRequestId(h)) {
    if (!g.other_tenant.empty()) {
      v->Add("request_id_in_two_tenants", rid + " in " + g.tenant + " and " + g.other_tenant);
      continue;
    }
    const auto& events = h.streams.at(g.tenant);
    bool adjacent = true;
    for (size_t i = 1; i < g.positions.size(); ++i)
      adjacent = adjacent && g.positions[i] == g.positions[i - 1] + 1;
    // One commit: the SUPERSEDED cancellations then one ESTABLISHED, or one other cancellation.
    const StreamEvent& tail = events[g.positions.back()];
    bool one_commit = adjacent && g.positions.size() <= 3;
    if (tail.type == 'E') {
      for (size_t i = 0; i + 1 < g.positions.size(); ++i) {
        const StreamEvent& e = events[g.positions[i]];
        one_commit = one_commit && e.type == 'C' && e.reason == kSuperseded;
      }
    } else {
      one_commit = one_commit && g.positions.size() == 1 && tail.reason != kSuperseded;
    }
    if (!one_commit) {
      std::string list;
      for (size_t p : g.positions) absl::StrAppend(&list, " [", Describe(events[p]), "]");
      v->Add("request_id_two_effects", absl::StrCat(g.tenant, " ", rid, ":", list));
    }
  }
}

void CheckAcknowledged(const History& h, Violations* v) {
  auto groups = GroupByRequestId(h);
  for (const Op& op : h.ops) {
    auto it = groups.find(op.request_id);
    switch (op.outcome) {
      case Outcome::kRejected:
        v->Add("valid_request_refused", Describe(op) + ": " + op.detail);
        break;
      case Outcome::kGaveUp:
        break;  // may or may not have landed; CheckRequestIds still holds it to one effect
      case Outcome::kNoChange:
        if (it != groups.end())
          v->Add("no_change_answer_but_event",
                 Describe(op) + ": answered without change, stream has " +
                     Describe(h.streams.at(it->second.tenant)[it->second.positions.back()]));
        break;
      case Outcome::kApplied: {
        if (it == groups.end() || it->second.tenant != op.tenant) {
          v->Add("acknowledged_but_lost",
                 Describe(op) + ": answered at cursor " + op.cursor.ToString() +
                     ", no event carries the id");
          break;
        }
        const auto& events = h.streams.at(op.tenant);
        const StreamEvent& tail = events[it->second.positions.back()];
        char want = op.kind == OpKind::kEstablish ? 'E' : 'C';
        bool same = tail.id == op.cursor && tail.type == want && tail.host == op.result_host &&
                    tail.guest == op.result_guest;
        if (op.kind == OpKind::kEstablish) {
          same = same && it->second.positions.size() == op.superseded.size() + 1;
          for (size_t i = 0; same && i < op.superseded.size(); ++i) {
            const StreamEvent& c = events[it->second.positions[i]];
            same = c.host == op.superseded[i].first && c.guest == op.superseded[i].second;
          }
        }
        if (!same)
          v->Add("acknowledged_differs_from_stream",
                 absl::StrCat(Describe(op), ": answered ", op.cursor.ToString(), " ",
                              op.result_host, " ", op.result_guest, " (", op.superseded.size(),
                              " superseded), stream has ", Describe(tail)));
        break;
      }
    }
  }
}

void CheckWatchers(const History& h, Violations* v) {
  for (const WatcherLog& w : h.watchers) {
    auto st = h.streams.find(w.tenant);
    static const std::vector<StreamEvent> kNone;
    const auto& events = st == h.streams.end() ? kNone : st->second;
    size_t j = 0;  // next expected stream entry
    while (j < events.size() && events[j].id <= w.start) ++j;
    StreamId last = w.start;
    const SeenEvent* diverged = nullptr;  // history_lost: the first event the stream lacks
    for (const SeenEvent& e : w.events) {
      if (e.id <= last) {
        bool dup = false;
        for (const SeenEvent& x : w.events) {
          if (&x == &e) break;
          dup = dup || x.id == e.id;
        }
        v->Add(dup ? "watcher_duplicate" : "watcher_out_of_order",
               absl::StrCat(w.name, " got ", Describe(e), " after ", last.ToString()));
        continue;
      }
      while (j < events.size() && events[j].id < e.id) {
        v->Add("watcher_missed", absl::StrCat(w.name, " never got ", Describe(events[j])));
        ++j;
      }
      if (j == events.size() || events[j].id != e.id) {
        if (w.history_lost) {
          // Where the watcher's history and the stream's part: what it got from here on (and
          // what the stream has after) belongs to a history Redis lost; the segment ends here.
          diverged = &e;
          break;
        }
        v->Add("watcher_phantom_event", absl::StrCat(w.name, " got ", Describe(e),
                                                     ", not in the stream"));
      } else {
        const StreamEvent& s = events[j];
        if (s.type != e.type || s.host != e.host || s.guest != e.guest ||
            s.request_id != e.request_id)
          v->Add("watcher_content_mismatch",
                 absl::StrCat(w.name, " got ", Describe(e), ", stream has ", Describe(s)));
        ++j;
      }
      last = e.id;
    }
    if (w.history_lost) {
      std::set<StreamId> in_stream;
      for (const auto& ev : events) in_stream.insert(ev.id);
      bool after = false;
      for (const SeenEvent& e : w.events) {
        after = after || &e == diverged;
        if (after && !in_stream.count(e.id))
          v->Add("watcher_event_of_lost_history",
                 absl::StrCat(w.name, " got ", Describe(e), ", lost with the history"));
      }
      continue;
    }
    for (; j < events.size(); ++j)
      v->Add("watcher_missed", absl::StrCat(w.name, " never got ", Describe(events[j])));
  }
}

void CheckCsta(const History& h, Violations* v) {
  if (h.csta_tenant.empty() || h.csta_ops.empty()) return;
  auto st = h.streams.find(h.csta_tenant);
  static const std::vector<StreamEvent> kNone;
  const auto& events = st == h.streams.end() ? kNone : st->second;
  // The gateway's ids: csta-<nonce>-<n>-<invoke>. (n, invoke) -> the nonces carrying them, and
  // id -> the stream positions of its events.
  std::map<std::pair<std::string, std::string>, std::set<std::string>> nonces;
  std::unordered_map<std::string, std::vector<size_t>> positions;
  for (size_t i = 0; i < events.size(); ++i) {
    const std::string& id = events[i].request_id;
    if (!FromCstaGateway(events[i], h.csta_tenant, h.csta_tenant)) continue;
    positions[id].push_back(i);
    std::vector<std::string> parts = absl::StrSplit(id, '-');
    if (parts.size() == 4) nonces[{parts[2], parts[3]}].insert(parts[1]);
  }
  auto id_of = [](const std::string& nonce, const CstaOp& op) {
    return absl::StrCat("csta-", nonce, "-", op.index, "-", absl::StrFormat("%04d", op.invoke));
  };
  // Each connection's ops, in order, and its nonce: the one whose (n, invoke) pair and host
  // match one of the connection's requests.
  std::map<std::pair<std::string, int>, std::vector<const CstaOp*>> connections;
  for (const CstaOp& op : h.csta_ops) connections[{op.client, op.connection}].push_back(&op);
  std::map<std::pair<std::string, int>, std::string> nonce_of;
  for (const auto& [key, ops] : connections) {
    std::string nonce;
    for (const CstaOp* op : ops) {
      auto it = nonces.find({std::to_string(op->index), absl::StrFormat("%04d", op->invoke)});
      if (it == nonces.end()) continue;
      for (const std::string& n : it->second) {
        const StreamEvent& e = events[positions[id_of(n, *op)].back()];
        if (e.host == op->host || (op->logged_on && e.guest == op->guest)) nonce = n;
      }
      if (!nonce.empty()) break;
    }
    nonce_of[key] = nonce;
  }
  // The events of an op (nullptr: none, or its connection's nonce is unknown).
  auto events_of = [&](const CstaOp& op) -> const std::vector<size_t>* {
    const std::string& nonce = nonce_of[{op.client, op.connection}];
    if (nonce.empty()) return nullptr;
    auto it = positions.find(id_of(nonce, op));
    return it == positions.end() ? nullptr : &it->second;
  };

  // Acknowledged without an event ("already so"): the state must hold just before the events of
  // the client's next request that has some, on any of its connections (or at the end).
  std::map<std::string, std::vector<const CstaOp*>> clients;
  for (const CstaOp& op : h.csta_ops) clients[op.client].push_back(&op);
  std::multimap<size_t, const CstaOp*> unchanged;
  for (const auto& [client, ops] : clients) {
    for (size_t k = 0; k < ops.size(); ++k) {
      const CstaOp& op = *ops[k];
      const std::vector<size_t>* found = events_of(op);
      if (op.outcome == CstaOutcome::kError && CstaDefiniteNoChange(op.detail) && found)
        v->Add("csta_error_answer_but_event",
               absl::StrCat(Describe(op), ": answered ", op.detail, ", stream has ",
                            Describe(events[found->back()])));
      if (op.outcome != CstaOutcome::kAcknowledged) continue;
      if (found) {
        const StreamEvent& tail = events[found->back()];
        bool same = tail.type == (op.logged_on ? 'E' : 'C') && tail.host == op.host &&
                    (!op.logged_on || tail.guest == op.guest) &&
                    (op.logged_on || tail.reason != kSuperseded);
        if (!same)
          v->Add("csta_acknowledged_differs_from_stream",
                 absl::StrCat(Describe(op), ": stream has ", Describe(tail)));
        continue;
      }
      size_t at = events.size();
      for (size_t later = k + 1; later < ops.size() && at == events.size(); ++later)
        if (const std::vector<size_t>* next = events_of(*ops[later])) at = next->front();
      unchanged.emplace(at, &op);
    }
  }
  // One replay of the stream checks them all.
  std::map<std::string, std::string> by_host;
  auto next = unchanged.begin();
  for (size_t i = 0; i <= events.size(); ++i) {
    for (; next != unchanged.end() && next->first == i; ++next) {
      const CstaOp& op = *next->second;
      auto it = by_host.find(op.host);
      bool holds = op.logged_on ? it != by_host.end() && it->second == op.guest
                                : it == by_host.end();
      if (!holds)
        v->Add("csta_acknowledged_but_lost",
               absl::StrCat(Describe(op), ": answered SetAgentStateResponse, no event carries "
                            "its id and the stream had ",
                            it == by_host.end() ? "nobody" : it->second, " at the host"));
    }
    if (i == events.size()) break;
    const StreamEvent& e = events[i];
    if (e.type == 'E') {
      by_host[e.host] = e.guest;
    } else if (e.type == 'C') {
      auto it = by_host.find(e.host);
      if (it != by_host.end() && it->second == e.guest) by_host.erase(it);
    }
  }
}

void CheckHistory(const History& h, Violations* v) {
  CheckStreams(h, v);
  CheckRequestIds(h, v);
  CheckAcknowledged(h, v);
  CheckWatchers(h, v);
  CheckCsta(h, v);
}

}  // namespace hotdesk::faults
