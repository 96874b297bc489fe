#include "services/events/snapshot_pager.h"

#include "absl/time/clock.h"

namespace hotdesk {

SnapshotPager::SnapshotPager(AssociationStore* store, std::string tenant, int page_size,
                             absl::Duration store_timeout)
    : store_(store),
      tenant_(std::move(tenant)),
      page_size_(page_size),
      store_timeout_(store_timeout) {}

void SnapshotPager::Take(const v1::Association& a, Page* page) {
  auto cursor = StreamId::Parse(a.cursor());
  if (cursor && *cursor > position_) return;  // made after P: it comes as an event
  bool fresh = cursor ? returned_.insert({cursor->ms, cursor->seq}).second
                      : returned_hosts_.insert(a.host()).second;
  if (fresh) page->associations.push_back(a);
}

void SnapshotPager::Next(Done<Page> done) {
  switch (phase_) {
    case Phase::kStart:
      store_->LastEventId(tenant_, Deadline(), [this, done](absl::StatusOr<StreamId> id) {
        if (!id.ok()) return done(id.status());
        position_ = *id;
        phase_ = Phase::kList;
        Next(done);
      });
      return;
    case Phase::kList:
      store_->List(tenant_, page_size_, list_token_, Deadline(),
                   [this, done](absl::StatusOr<v1::ListAssociationsResponse> r) {
                     if (!r.ok()) return done(r.status());
                     Page page;
                     for (const auto& a : r->associations()) Take(a, &page);
                     list_token_ = r->next_page_token();
                     if (list_token_.empty()) phase_ = Phase::kEnd;
                     done(std::move(page));
                   });
      return;
    case Phase::kEnd:
      // Associations ended after this point were in the listing all along.
      store_->LastEventId(tenant_, Deadline(), [this, done](absl::StatusOr<StreamId> id) {
        if (!id.ok()) return done(id.status());
        window_end_ = *id;
        window_at_ = position_;
        phase_ = Phase::kWindow;
        Next(done);
      });
      return;
    case Phase::kWindow:
      if (window_at_ >= window_end_) {
        phase_ = Phase::kDone;
        returned_ = {};
        returned_hosts_ = {};
        return done(Page{{}, true});
      }
      store_->ReadEvents(tenant_, window_at_, page_size_, Deadline(),
                         [this, done](absl::StatusOr<EventPage> r) {
                           if (!r.ok()) return done(r.status());
                           Page page;
                           for (const auto& ev : r->events)
                             if (ev->type() == v1::EVENT_TYPE_CANCELLED)
                               Take(ev->association(), &page);
                           // An empty read means the stream holds nothing newer: done.
                           window_at_ = r->next > window_at_ ? r->next : window_end_;
                           done(std::move(page));
                         });
      return;
    case Phase::kDone:
      return done(Page{{}, true});
  }
}

}  // namespace hotdesk
