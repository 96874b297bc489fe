#include "services/core/watch_command.h"

#include "services/common/status.h"
#include "services/core/ids.h"

namespace hotdesk {

absl::StatusOr<WatchCommand> PrepareWatch(const v1::WatchEventsRequest& req) {
  FieldViolations v;
  if (auto p = TenantProblem(req.tenant()); !p.empty()) v.Add("tenant", p);
  if (!req.host().empty())
    if (auto p = IdProblem(req.host()); !p.empty()) v.Add("host", p);
  if (!req.guest().empty())
    if (auto p = IdProblem(req.guest()); !p.empty()) v.Add("guest", p);
  WatchCommand cmd;
  if (!req.after_cursor().empty()) {
    cmd.after = StreamId::Parse(req.after_cursor());
    if (!cmd.after) v.Add("after_cursor", "not a cursor (expected <ms>-<seq>)");
    // A snapshot is the state at a position of its own choosing; a resumed stream continues
    // from the client's. Both at once would be two starting points.
    if (req.include_snapshot()) v.Add("include_snapshot", "cannot be combined with after_cursor");
  }
  if (!v.empty()) return v.ToStatus();
  cmd.tenant = req.tenant();
  cmd.host = req.host();
  cmd.guest = req.guest();
  cmd.include_snapshot = req.include_snapshot();
  return cmd;
}

}  // namespace hotdesk
