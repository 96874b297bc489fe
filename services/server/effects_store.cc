#include "services/server/effects_store.h"

#include "services/common/log.h"

namespace hotdesk {

void EffectsStore::Cancelled(const v1::Association& a, v1::CancelReason reason, v1::Source source,
                             const std::string& cursor) {
  metrics_->events_published(false).Increment();
  if (reason == v1::CANCEL_REASON_EXPIRED) metrics_->expired().Increment();
  HD_LOG(kInfo, reason == v1::CANCEL_REASON_EXPIRED ? "association expired"
                                                    : "association cancelled")
      .kv("tenant", a.tenant())
      .kv("host", a.host())
      .kv("guest", a.guest())
      .kv("reason", ReasonName(reason))
      .kv("source", SourceName(source))
      .kv("cursor", cursor);
}

void EffectsStore::Establish(const EstablishCommand& cmd, absl::Time deadline,
                             Done<v1::EstablishResponse> done) {
  inner_->Establish(cmd, deadline,
                    [this, source = cmd.source,
                     done = std::move(done)](absl::StatusOr<v1::EstablishResponse> r) {
                      if (r.ok() && !r->unchanged()) {
                        // The superseded associations' events precede the established one; their
                        // cursors are not in the reply.
                        for (const auto& old : r->superseded())
                          Cancelled(old, v1::CANCEL_REASON_SUPERSEDED, source, "");
                        metrics_->events_published(true).Increment();
                        HD_LOG(kInfo, "association established")
                            .kv("tenant", r->association().tenant())
                            .kv("host", r->association().host())
                            .kv("guest", r->association().guest())
                            .kv("source", SourceName(r->association().source()))
                            .kv("cursor", r->cursor());
                      }
                      done(std::move(r));
                    });
}

void EffectsStore::Cancel(const CancelCommand& cmd, absl::Time deadline,
                          Done<v1::CancelResponse> done) {
  inner_->Cancel(cmd, deadline,
                 [this, reason = cmd.reason, source = cmd.source,
                  done = std::move(done)](absl::StatusOr<v1::CancelResponse> r) {
                   if (r.ok()) Cancelled(r->association(), reason, source, r->cursor());
                   done(std::move(r));
                 });
}

void EffectsStore::SweepExpired(absl::Time deadline, Done<std::vector<v1::CancelResponse>> done) {
  inner_->SweepExpired(
      deadline, [this, done = std::move(done)](absl::StatusOr<std::vector<v1::CancelResponse>> r) {
        if (r.ok()) {
          for (const auto& e : *r)
            Cancelled(e.association(), v1::CANCEL_REASON_EXPIRED, v1::SOURCE_EXPIRY, e.cursor());
        }
        done(std::move(r));
      });
}

}  // namespace hotdesk
