// The history checker must pass a correct history and name each kind of broken one.
#include "tests/faults/history_checker.h"

#include <gtest/gtest.h>

#include <sstream>

namespace hotdesk::faults {
namespace {

// Builds a correct history the way hotdesk writes one: each change is one commit of events
// (SUPERSEDED cancellations, then ESTABLISHED), acknowledged to its client, seen by a watcher.
class Builder {
 public:
  History h;

  void Establish(const std::string& host, const std::string& guest, const std::string& rid) {
    Op op = NewOp(OpKind::kEstablish, host, guest, rid);
    auto& s = state();
    if (s.by_host.count(host) && s.by_host[host] == guest) {
      op.outcome = Outcome::kNoChange;
      h.ops.push_back(op);
      return;
    }
    if (s.by_host.count(host)) {
      op.superseded.push_back({host, s.by_host[host]});
      Append('C', host, s.by_host[host], 4, rid);
    }
    if (s.by_guest.count(guest)) {
      op.superseded.push_back({s.by_guest[guest], guest});
      Append('C', s.by_guest[guest], guest, 4, rid);
    }
    op.cursor = Append('E', host, guest, 0, rid);
    op.outcome = Outcome::kApplied;
    op.result_host = host;
    op.result_guest = guest;
    h.ops.push_back(op);
  }

  void CancelHost(const std::string& host, const std::string& rid) {
    Op op = NewOp(OpKind::kCancelByHost, host, "", rid);
    auto& s = state();
    if (!s.by_host.count(host)) {
      op.outcome = Outcome::kNoChange;
    } else {
      op.outcome = Outcome::kApplied;
      op.result_host = host;
      op.result_guest = s.by_host[host];
      op.cursor = Append('C', host, s.by_host[host], 1, rid);
    }
    h.ops.push_back(op);
  }

  // A watcher that started at 0-0 and saw everything.
  void AddWatcher() {
    WatcherLog w;
    w.name = "w0";
    w.tenant = kTenant;
    for (const auto& e : h.streams[kTenant])
      w.events.push_back({e.id, e.type, e.host, e.guest, e.request_id});
    h.watchers.push_back(w);
  }

  std::vector<StreamEvent>& stream() { return h.streams[kTenant]; }
  TenantState& state() { return h.redis_state[kTenant]; }

  static constexpr const char* kTenant = "t1";

  // Public too: the CSTA histories below append the gateway's events themselves.
  static Op NewOp(OpKind kind, const std::string& host, const std::string& guest,
                  const std::string& rid) {
    Op op;
    op.tenant = kTenant;
    op.kind = kind;
    op.host = host;
    op.guest = guest;
    op.request_id = rid;
    return op;
  }

  StreamId Append(char type, const std::string& host, const std::string& guest, int reason,
                  const std::string& rid) {
    auto& events = h.streams[kTenant];
    StreamEvent e;
    e.id = StreamId{1000 + events.size(), 0};
    e.prev = events.empty() ? StreamId{} : events.back().id;
    e.type = type;
    e.host = host;
    e.guest = guest;
    e.reason = reason;
    e.request_id = rid;
    events.push_back(e);
    auto& s = state();
    if (type == 'E') {
      s.by_host[host] = guest;
      s.by_guest[guest] = host;
    } else {
      s.by_host.erase(host);
      s.by_guest.erase(guest);
    }
    return e.id;
  }
};

Builder Correct() {
  Builder b;
  b.Establish("h1", "g1", "r1");
  b.Establish("h2", "g2", "r2");
  b.Establish("h1", "g2", "r3");  // replaces g1 at h1, moves g2 from h2
  b.Establish("h1", "g2", "r4");  // unchanged
  b.CancelHost("h2", "r5");       // nothing there
  b.Establish("h2", "g1", "r6");
  b.CancelHost("h1", "r7");
  b.AddWatcher();
  b.h.listed["replica0/t1"] = b.state().by_host;
  return b;
}

std::map<std::string, int64_t> Check(const History& h) {
  Violations v;
  CheckHistory(h, &v);
  std::ostringstream out;
  v.Print(out);
  if (v.Total() > 0) std::cerr << out.str();
  return v.Counts();
}

// Removes stream entry i and re-chains the rest, as if it had never been written.
void Drop(std::vector<StreamEvent>* events, size_t i) {
  events->erase(events->begin() + i);
  for (size_t k = 1; k < events->size(); ++k) (*events)[k].prev = (*events)[k - 1].id;
  if (!events->empty()) (*events)[0].prev = StreamId{};
}

TEST(HistoryCheckerTest, CorrectHistoryHasNoViolation) {
  Builder b = Correct();
  ASSERT_EQ(b.stream().size(), 7u);
  EXPECT_TRUE(Check(b.h).empty());
}

TEST(HistoryCheckerTest, AcknowledgedChangeMissingFromTheStreamIsLost) {
  Builder b = Correct();
  Drop(&b.stream(), b.stream().size() - 1);  // r7's cancellation
  b.state().by_host["h1"] = "g2";
  b.state().by_guest["g2"] = "h1";
  b.h.listed["replica0/t1"] = b.state().by_host;
  b.h.watchers.clear();
  auto c = Check(b.h);
  EXPECT_EQ(c["acknowledged_but_lost"], 1);
  EXPECT_EQ(c.size(), 1u);
}

TEST(HistoryCheckerTest, RequestIdWithTwoCommitsIsADuplicateEffect) {
  Builder b = Correct();
  b.CancelHost("h2", "r6b");
  b.Establish("h2", "g1", "r6");  // the same id applied again later
  b.h.ops.pop_back();
  b.h.listed["replica0/t1"] = b.state().by_host;
  b.h.watchers.clear();
  EXPECT_EQ(Check(b.h)["request_id_two_effects"], 1);
}

TEST(HistoryCheckerTest, EstablishOnABusyHostWithoutSupersedingBreaksOneToOne) {
  Builder b = Correct();
  auto& s = b.stream();
  StreamEvent e = s.back();  // C h1 g2
  e.id = StreamId{5000, 0};
  e.prev = s.back().id;
  e.type = 'E';
  e.host = "h2";  // h2 holds g1
  e.guest = "g3";
  e.reason = 0;
  e.request_id = "r8";
  s.push_back(e);
  auto c = Check(b.h);
  EXPECT_EQ(c["replay_host_busy"], 1);
  EXPECT_GE(c["final_state_mismatch"], 1);
}

TEST(HistoryCheckerTest, StateThatDiffersFromTheReplayIsReported) {
  Builder b = Correct();
  b.state().by_host["h9"] = "g9";
  b.h.listed["replica1/t1"] = {{"h2", "g7"}};
  auto c = Check(b.h);
  EXPECT_EQ(c["final_state_mismatch"], 1);
  EXPECT_EQ(c["list_mismatch"], 1);
}

TEST(HistoryCheckerTest, BrokenPredecessorChainIsReported) {
  Builder b = Correct();
  b.stream().erase(b.stream().begin() + 1);  // lost without re-chaining
  EXPECT_GE(Check(b.h)["stream_chain_broken"], 1);
}

TEST(HistoryCheckerTest, NoChangeAnswerWithAnEventIsReported) {
  Builder b = Correct();
  b.h.ops[0].outcome = Outcome::kNoChange;
  EXPECT_EQ(Check(b.h)["no_change_answer_but_event"], 1);
}

TEST(HistoryCheckerTest, EventNobodyAskedForIsReported) {
  Builder b = Correct();
  b.h.ops.erase(b.h.ops.begin());  // r1 never asked
  EXPECT_EQ(Check(b.h)["event_without_request"], 1);
}

TEST(HistoryCheckerTest, WatcherMissDuplicateOrderAndContentAreEachReported) {
  Builder b = Correct();
  auto& ev = b.h.watchers[0].events;
  ev.erase(ev.begin() + 1);                 // missed one
  ev.insert(ev.begin() + 2, ev[1]);         // got one twice
  std::swap(ev[3], ev[4]);                  // two out of order
  ev.back().guest = "someone-else";         // content differs
  auto c = Check(b.h);
  EXPECT_EQ(c["watcher_missed"], 2);  // the dropped one, and the one overtaken by the swap
  EXPECT_EQ(c["watcher_duplicate"], 1);
  EXPECT_EQ(c["watcher_out_of_order"], 1);
  EXPECT_EQ(c["watcher_content_mismatch"], 1);
}

TEST(HistoryCheckerTest, WatcherStartingLaterIsJudgedFromItsStart) {
  Builder b = Correct();
  auto& w = b.h.watchers[0];
  w.start = b.stream()[2].id;
  w.events.erase(w.events.begin(), w.events.begin() + 3);
  EXPECT_TRUE(Check(b.h).empty());
}

// A watcher got events a failover then lost (after stream entry 3) and was answered
// HISTORY_LOST: it is not held to the stream's later entries (it resyncs as a new segment), and
// what it got of the lost history is counted apart. Without the flag the same log is a miss.
TEST(HistoryCheckerTest, WatcherSegmentEndedByLostHistoryIsJudgedUpToWhereItParted) {
  Builder b = Correct();
  auto& w = b.h.watchers[0];
  w.events.resize(4);
  for (uint64_t seq : {5, 6})
    w.events.push_back({StreamId{b.stream()[3].id.ms, seq}, 'E', "h7", "g7", "lost"});
  w.history_lost = true;
  auto c = Check(b.h);
  EXPECT_EQ(c["watcher_event_of_lost_history"], 2);
  EXPECT_EQ(c.size(), 1u);

  w.events.erase(w.events.begin() + 1);  // a miss before the parting is still one
  EXPECT_EQ(Check(b.h)["watcher_missed"], 1);

  w.history_lost = false;
  c = Check(b.h);
  EXPECT_EQ(c["watcher_phantom_event"], 2);
  EXPECT_EQ(c["watcher_missed"], 4);
}

TEST(HistoryCheckerTest, RefusedValidRequestIsReported) {
  Builder b = Correct();
  b.h.ops[4].outcome = Outcome::kRejected;
  b.h.ops[4].detail = "INVALID_ARGUMENT";
  EXPECT_EQ(Check(b.h)["valid_request_refused"], 1);
}

// A CSTA client's request `index` (the gateway's n) on `connection`, sent with `invoke`; the
// gateway's events carry csta-<nonce>-<index>-<invoke>. `answered` is what the client got.
CstaOp Csta(int connection, int index, int invoke, bool on, const std::string& host,
            const std::string& guest, CstaOutcome answered = CstaOutcome::kAcknowledged,
            const std::string& detail = "") {
  CstaOp op;
  op.client = "csta0";
  op.connection = connection;
  op.index = index;
  op.invoke = invoke;
  op.logged_on = on;
  op.host = host;
  op.guest = guest;
  op.outcome = answered;
  op.detail = detail;
  return op;
}

void Refresh(Builder* b) {
  b->h.watchers.clear();
  b->AddWatcher();
  b->h.listed["replica0/t1"] = b->state().by_host;
}

Builder CorrectWithCsta() {
  Builder b = Correct();
  b.h.csta_tenant = Builder::kTenant;
  b.Append('E', "c0h0", "c0g0", 0, "csta-n1-1-0001");
  b.h.csta_ops.push_back(Csta(1, 1, 1, true, "c0h0", "c0g0"));
  b.h.csta_ops.push_back(Csta(1, 2, 2, true, "c0h0", "c0g0"));  // already so: no event
  b.h.csta_ops.push_back(Csta(1, 3, 3, true, "c0h0", "c0g1", CstaOutcome::kError,
                              "stateIncompatibility/incorrectObjectState"));  // host busy
  b.Append('C', "c0h0", "c0g0", 1, "csta-n1-4-0004");
  b.h.csta_ops.push_back(Csta(1, 4, 4, false, "c0h0", ""));
  b.Append('E', "c0h1", "c0g1", 0, "csta-n1-5-0005");  // landed, its answer lost
  b.h.csta_ops.push_back(Csta(1, 5, 5, true, "c0h1", "c0g1", CstaOutcome::kNoAnswer));
  // The next connection: the gateway counts from 1 again, the client's invoke ids go on.
  b.Append('E', "c0h2", "c0g2", 0, "csta-n2-1-0006");
  b.h.csta_ops.push_back(Csta(2, 1, 6, true, "c0h2", "c0g2"));
  Refresh(&b);
  return b;
}

TEST(HistoryCheckerTest, CstaGatewayEventsAndAcknowledgedRequestsPass) {
  EXPECT_TRUE(Check(CorrectWithCsta().h).empty());
}

// The gateway's ids are not asked for by any client: that is allowed on the CSTA tenant only.
TEST(HistoryCheckerTest, CstaIdsElsewhereAreEventsWithoutRequest) {
  Builder b = CorrectWithCsta();
  b.h.csta_tenant = "another";
  b.h.csta_ops.clear();
  EXPECT_EQ(Check(b.h)["event_without_request"], 4);
}

// Platform changes the XSP bridge applied carry xsp-<eventID>: no client asked for them, which is
// allowed on the bridge's tenant only.
TEST(HistoryCheckerTest, XspBridgeIdsAreAllowedOnItsTenantOnly) {
  Builder b = Correct();
  b.Append('E', "h9", "g9", 0, "xsp-5b0e2c1a-0001");
  b.Append('C', "h9", "g9", 3, "xsp-5b0e2c1a-0002");
  Refresh(&b);
  b.h.xsp_tenant = Builder::kTenant;
  EXPECT_TRUE(Check(b.h).empty());
  b.h.xsp_tenant = "another";
  EXPECT_EQ(Check(b.h)["event_without_request"], 2);
}

// An acknowledged loggedOff whose event is missing from the stream (the host still has its guest
// before the connection's next request) is reported, with the stream's own violations of the
// drop; so is an acknowledged loggedOn the stream never has.
TEST(HistoryCheckerTest, CstaAcknowledgedButLostIsReported) {
  Builder b = CorrectWithCsta();
  auto& events = b.stream();
  size_t off = 0;
  while (events[off].request_id != "csta-n1-4-0004") ++off;
  Drop(&events, off);
  b.h.csta_ops.push_back(Csta(2, 2, 7, true, "c0h3", "c0g3"));
  EXPECT_EQ(Check(b.h)["csta_acknowledged_but_lost"], 2);
}

// An unchanged answer, the last of its connection, is judged before the client's next
// connection changes the host, not at the end of the stream.
TEST(HistoryCheckerTest, CstaUnchangedAnswerIsJudgedBeforeTheNextConnection) {
  Builder b = Correct();
  b.h.csta_tenant = Builder::kTenant;
  b.Append('E', "c0h0", "c0g0", 0, "csta-n1-1-0001");
  b.h.csta_ops.push_back(Csta(1, 1, 1, true, "c0h0", "c0g0"));
  b.h.csta_ops.push_back(Csta(1, 2, 2, true, "c0h0", "c0g0"));  // already so
  b.Append('C', "c0h0", "c0g0", 1, "csta-n2-1-0003");
  b.h.csta_ops.push_back(Csta(2, 1, 3, false, "c0h0", ""));
  Refresh(&b);
  EXPECT_TRUE(Check(b.h).empty());
}

// "Nobody to log off" while the request's event is in the stream.
TEST(HistoryCheckerTest, CstaErrorAnswerWithAnEventIsReported) {
  Builder b = CorrectWithCsta();
  b.h.csta_ops[3].outcome = CstaOutcome::kError;
  b.h.csta_ops[3].detail = "operation/invalidAgentState";
  EXPECT_EQ(Check(b.h)["csta_error_answer_but_event"], 1);
}

// The request's event is not the change it asked for.
TEST(HistoryCheckerTest, CstaAcknowledgedOtherChangeIsReported) {
  Builder b = CorrectWithCsta();
  b.h.csta_ops[5].guest = "c0g3";
  EXPECT_EQ(Check(b.h)["csta_acknowledged_differs_from_stream"], 1);
}

}  // namespace
}  // namespace hotdesk::faults
