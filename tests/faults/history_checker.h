// The history checker: judges a fault run from what users can observe: the tenants' streams and
// state in Redis, ListAssociations, the operations' answers and what each watcher received.
#pragma once

#include "tests/faults/history.h"
#include "tests/faults/violations.h"

namespace hotdesk::faults {

// Each stream's entries are in id order and chained by their predecessor ids (nothing lost or
// inserted); replaying them keeps one guest per host and one host per guest at every step, and
// ends in exactly the state of the Redis hashes and of every ListAssociations answer.
void CheckStreams(const History& h, Violations* v);

// No request id produced two effects: the events carrying one id are one commit (adjacent in
// its tenant's stream: the SUPERSEDED cancellations then the ESTABLISHED event, or one
// cancellation), and no event lacks an operation that asked for it.
void CheckRequestIds(const History& h, Violations* v);

// Every acknowledged change is in the stream, as answered (cursor, host, guest, superseded);
// every answer that said "nothing changed" left no event; no valid request was refused.
void CheckAcknowledged(const History& h, Violations* v);

// Each watcher received every event after its start cursor exactly once, in order, with the
// content of the stream entry.
void CheckWatchers(const History& h, Violations* v);

// The CSTA path, matched by request id: the gateway names request n of a connection
// csta-<nonce>-<n>-<invoke id>, and the connection's nonce is learned from the stream (the one
// whose (n, invoke id) pair and host match one of the connection's requests). Each request
// answered SetAgentStateResponse either carries events ending in the asked change (loggedOn H G:
// ESTABLISHED H G; loggedOff H: a LOGOUT of H), or has none and the replayed state held the change
// already just before the connection's next request's events (an unchanged answer). A request
// answered "host busy" or "nobody to log off" has no event. Requests without an answer, or
// answered "out of service", are not judged (every id is still held to one commit).
void CheckCsta(const History& h, Violations* v);

// All of the above.
void CheckHistory(const History& h, Violations* v);

}  // namespace hotdesk::faults
