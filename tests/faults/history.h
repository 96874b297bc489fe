// What the fault suite records and what the history checker judges: the operations clients made
// and how each ended, the tenants' event streams and final state as read from Redis, and what
// each watcher received.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "services/core/stream_id.h"

namespace hotdesk::faults {

// One entry of a tenant's stream, decoded from Redis (fields t, h, a, r, s, q, p).
struct StreamEvent {
  StreamId id;
  char type = '?';  // 'E' established, 'C' cancelled
  std::string host;
  std::string guest;    // first field of the association record
  int reason = 0;       // CancelReason number; 0 for E
  std::string request_id;
  StreamId prev;        // the entry's recorded predecessor
};

enum class OpKind { kEstablish, kCancelByHost, kCancelByGuest };

// How a client's operation ended, as the client saw it.
enum class Outcome {
  kApplied,    // OK with a change: events carry the request id, the last one at `cursor`
  kNoChange,   // OK unchanged, NOT_FOUND, FAILED_PRECONDITION: no event may carry the id
  kGaveUp,     // never answered definitely (retry budget spent): may or may not have landed
  kRejected,   // an answer a valid request must never get (e.g. INVALID_ARGUMENT)
};

struct Op {
  std::string tenant;
  OpKind kind = OpKind::kEstablish;
  std::string host;   // requested (cancel by guest: empty)
  std::string guest;  // requested (cancel by host: empty)
  bool reject_policy = false;
  std::string request_id;
  Outcome outcome = Outcome::kGaveUp;
  int attempts = 0;
  bool via_web = false;  // first sent through hotdesk-web (retries may go over gRPC)
  int web_attempts = 0;
  // kApplied: the cursor returned, the association's host/guest, and for Establish the
  // (host, guest) pairs it superseded, in response order.
  StreamId cursor;
  std::string result_host;
  std::string result_guest;
  std::vector<std::pair<std::string, std::string>> superseded;
  std::string detail;  // last status for kGaveUp / kRejected
  int64_t answered_ms = 0;  // when the client got its answer (Unix ms)
};

// One event as a watcher received it over gRPC.
struct SeenEvent {
  StreamId id;
  char type = '?';
  std::string host;
  std::string guest;
  std::string request_id;
};

struct WatcherLog {
  std::string name;
  std::string tenant;
  StreamId start;  // the after_cursor of its first call
  std::vector<SeenEvent> events;
  int resumes = 0;
  // The segment ended with OUT_OF_RANGE HISTORY_LOST: its cursor named an event Redis lost in a
  // failover. It is not expected to see the stream's later events, and the events it got that
  // the stream lost are a figure, not a violation; the watcher resyncs as a new segment.
  bool history_lost = false;
};

// One SetAgentState loggedOn/loggedOff a CSTA client sent through hotdesk-csta. The gateway
// makes the request id csta-<nonce>-<n>-<invoke id>: n counts the connection's SetAgentState
// requests and the invoke id is the client's, so only the connection's random nonce is unknown
// to the client; the checker learns it from the stream (history_checker.h, CheckCsta).
enum class CstaOutcome {
  kAcknowledged,  // SetAgentStateResponse: the state holds (changed now, or already so)
  kError,         // CSTAErrorCode (e.g. host busy, nobody to log off, core out of service)
  kNoAnswer,      // connection lost or no answer in time: may or may not have landed
};

struct CstaOp {
  std::string client;  // "csta0", ...: one client's ops are in the order it sent them
  int connection = 0;  // the client's connection (it reconnects after a gateway restart)
  int index = 0;       // 1-based among the connection's requests: the gateway's n
  int invoke = 0;      // the frame's invoke id
  bool logged_on = true;
  std::string host;
  std::string guest;  // loggedOn only
  CstaOutcome outcome = CstaOutcome::kNoAnswer;
  std::string detail;  // kError: the error category/value
};

// CSTA errors that say the request changed nothing (host busy, nobody to log off).
inline bool CstaDefiniteNoChange(const std::string& detail) {
  return detail == "stateIncompatibility/incorrectObjectState" ||
         detail == "operation/invalidAgentState";
}

// Final state of one tenant: by-host (host -> guest) and by-guest (guest -> host).
struct TenantState {
  std::map<std::string, std::string> by_host;
  std::map<std::string, std::string> by_guest;
};

struct History {
  std::map<std::string, std::vector<StreamEvent>> streams;  // tenant -> entries in id order
  std::map<std::string, TenantState> redis_state;            // from the Redis hashes
  // ListAssociations answers per replica: "replica/tenant" -> host -> guest.
  std::map<std::string, std::map<std::string, std::string>> listed;
  std::vector<Op> ops;
  std::vector<WatcherLog> watchers;
  // The CSTA clients' operations (tenant `csta_tenant`), in each client's order.
  std::string csta_tenant;
  std::vector<CstaOp> csta_ops;
  // The tenant of the XSP bridge: its events with request ids xsp-<eventID> are platform changes
  // the bridge applied (judged by the end-of-run comparison with the platform, xsp_platform.h).
  std::string xsp_tenant;
};

}  // namespace hotdesk::faults
