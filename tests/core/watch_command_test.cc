#include "services/core/watch_command.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "google/rpc/error_details.pb.h"
#include "services/common/status.h"

namespace hotdesk {
namespace {

std::vector<std::string> Fields(const absl::Status& s) {
  google::rpc::BadRequest br;
  std::vector<std::string> out;
  if (GetDetail(s, &br))
    for (const auto& v : br.field_violations()) out.push_back(v.field());
  return out;
}

TEST(PrepareWatchTest, NormalisesAValidRequest) {
  v1::WatchEventsRequest req;
  req.set_tenant("acme");
  req.set_host("7002");
  req.set_after_cursor("1700000000000-3");
  auto cmd = PrepareWatch(req);
  ASSERT_TRUE(cmd.ok()) << cmd.status();
  EXPECT_EQ(cmd->tenant, "acme");
  EXPECT_EQ(cmd->host, "7002");
  ASSERT_TRUE(cmd->after.has_value());
  EXPECT_EQ(cmd->after->ToString(), "1700000000000-3");
  EXPECT_FALSE(cmd->include_snapshot);

  v1::WatchEventsRequest fresh;
  fresh.set_tenant("acme");
  fresh.set_include_snapshot(true);
  auto snap = PrepareWatch(fresh);
  ASSERT_TRUE(snap.ok());
  EXPECT_FALSE(snap->after.has_value());
  EXPECT_TRUE(snap->include_snapshot);
}

TEST(PrepareWatchTest, NamesEveryBadField) {
  v1::WatchEventsRequest req;
  req.set_tenant("Not A Tenant");
  req.set_host("bad host");
  req.set_guest(std::string(200, 'g'));
  req.set_after_cursor("yesterday");
  req.set_include_snapshot(true);
  auto cmd = PrepareWatch(req);
  EXPECT_EQ(cmd.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Fields(cmd.status()),
              ::testing::UnorderedElementsAre("tenant", "host", "guest", "after_cursor",
                                              "include_snapshot"));
}

TEST(PrepareWatchTest, FiltersMatchHostAndGuest) {
  WatchCommand cmd;
  cmd.host = "7002";
  v1::AssociationEvent ev;
  ev.mutable_association()->set_host("7002");
  ev.mutable_association()->set_guest("ann");
  EXPECT_TRUE(cmd.Matches(ev));
  cmd.guest = "bob";
  EXPECT_FALSE(cmd.Matches(ev));
  ev.mutable_association()->set_guest("bob");
  EXPECT_TRUE(cmd.Matches(ev));
}

}  // namespace
}  // namespace hotdesk
