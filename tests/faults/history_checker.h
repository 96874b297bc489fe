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

// Each CSTA client's acknowledged SetAgentState (loggedOn H G / loggedOff H), in the order the
// client got the answers, is in the CSTA tenant's stream: either the replayed state already held
// it where the client's previous acknowledged request left off (an unchanged answer), or a later
// event of the CSTA path (request id csta-...) on H makes it hold. Requests without an answer or
// answered with an error are not judged (CheckRequestIds still holds every id to one commit).
void CheckCsta(const History& h, Violations* v);

// All of the above.
void CheckHistory(const History& h, Violations* v);

}  // namespace hotdesk::faults
