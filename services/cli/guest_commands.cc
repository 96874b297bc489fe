// hotdeskctl guests list | get | add | update | remove | set-pin | force-logout
#include <iostream>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "hotdesk/v1/guests.grpc.pb.h"
#include "services/cli/cli.h"
#include "services/core/commands.h"

ABSL_DECLARE_FLAG(std::string, request_id);
ABSL_DECLARE_FLAG(int, page_size);
ABSL_DECLARE_FLAG(std::string, display_name);
ABSL_DECLARE_FLAG(std::string, limit);
ABSL_DECLARE_FLAG(std::string, daily);
ABSL_DECLARE_FLAG(std::string, tz);
ABSL_FLAG(std::string, pin, "",
          "guests add|set-pin: the PIN (4-15 digits); prefer the environment, HOTDESK_PIN");
ABSL_FLAG(std::string, hotdesking, "", "guests add|update: on | off");

namespace hotdesk::cli {
namespace {

const char kGuestsUsage[] =
    "guests list | get ID | add ID [--display_name=N] [--hotdesking=on|off] [--limit=8h | "
    "--daily=HH:MM --tz=Z] [--pin / HOTDESK_PIN] | update ID [same flags, no pin] | remove ID | "
    "set-pin ID (--pin / HOTDESK_PIN) | force-logout ID";

std::string DescribeGuest(const v1::Guest& g) {
  std::string s = "id=" + g.id() + " name=\"" + g.display_name() +
                  "\" hotdesking=" + (g.hotdesking_enabled() ? "on" : "off") +
                  " pin=" + (g.has_pin() ? "set" : "none");
  if (g.failed_attempts() > 0) s += " failed_attempts=" + std::to_string(g.failed_attempts());
  if (g.has_locked_until()) s += " locked_until=" + FormatTime(g.locked_until().seconds());
  if (g.association_limit().has_duration())
    s += " limit=" + std::to_string(g.association_limit().duration().seconds() / 3600) + "h";
  if (g.association_limit().has_daily()) {
    char hm[8];
    std::snprintf(hm, sizeof hm, "%02d:%02d", g.association_limit().daily().hour(),
                  g.association_limit().daily().minute());
    s += std::string(" daily_logout=") + hm + " " + g.association_limit().daily().time_zone();
  }
  return s;
}

// Applies the optional field flags; returns "" or a usage error.
std::string ApplyFlags(v1::Guest* g, google::protobuf::FieldMask* mask) {
  if (!absl::GetFlag(FLAGS_display_name).empty()) {
    g->set_display_name(absl::GetFlag(FLAGS_display_name));
    mask->add_paths("display_name");
  }
  if (std::string h = absl::GetFlag(FLAGS_hotdesking); !h.empty()) {
    if (h != "on" && h != "off") return "--hotdesking: on or off";
    g->set_hotdesking_enabled(h == "on");
    mask->add_paths("hotdesking_enabled");
  }
  if (!absl::GetFlag(FLAGS_limit).empty()) {
    absl::Duration d;
    if (!absl::ParseDuration(absl::GetFlag(FLAGS_limit), &d)) return "--limit: e.g. 8h";
    g->mutable_association_limit()->mutable_duration()->set_seconds(absl::ToInt64Seconds(d));
    mask->add_paths("association_limit");
  } else if (!absl::GetFlag(FLAGS_daily).empty()) {
    std::vector<std::string> hm = absl::StrSplit(absl::GetFlag(FLAGS_daily), ':');
    int h, m;
    if (hm.size() != 2 || !absl::SimpleAtoi(hm[0], &h) || !absl::SimpleAtoi(hm[1], &m))
      return "--daily: HH:MM";
    auto* daily = g->mutable_association_limit()->mutable_daily();
    daily->set_hour(h);
    daily->set_minute(m);
    daily->set_time_zone(absl::GetFlag(FLAGS_tz));
    mask->add_paths("association_limit");
  }
  return "";
}

int Print(const Context& ctx, const v1::Guest& g, const char* verb) {
  if (ctx.json) return PrintJson(g) ? 0 : 1;
  std::cout << verb << " " << DescribeGuest(g) << std::endl;
  return 0;
}

int Guests(const Context& ctx, const std::vector<std::string>& args) {
  if (args.empty()) return Usage(kGuestsUsage);
  auto stub = v1::Guests::NewStub(ctx.channel);
  const std::string& sub = args[0];
  if (sub == "list" && args.size() == 1) {
    v1::ListGuestsRequest req;
    req.set_tenant(ctx.tenant);
    req.set_page_size(absl::GetFlag(FLAGS_page_size));
    int n = 0;
    do {
      v1::ListGuestsResponse resp;
      grpc::Status st = stub->ListGuests(ctx.Call().get(), req, &resp);
      if (!st.ok()) return Fail(st);
      for (const auto& g : resp.guests()) {
        ++n;
        if (!ctx.json)
          std::cout << DescribeGuest(g) << "\n";
        else if (!PrintJson(g))
          return 1;
      }
      req.set_page_token(resp.next_page_token());
    } while (!req.page_token().empty());
    if (!ctx.json) std::cout << n << " guest(s)" << std::endl;
    return 0;
  }
  if (sub == "get" && args.size() == 2) {
    v1::GetGuestRequest req;
    req.set_tenant(ctx.tenant);
    req.set_id(args[1]);
    v1::Guest g;
    grpc::Status st = stub->GetGuest(ctx.Call().get(), req, &g);
    if (!st.ok()) return Fail(st);
    return Print(ctx, g, "guest");
  }
  if (sub == "add" && args.size() == 2) {
    v1::CreateGuestRequest req;
    req.set_tenant(ctx.tenant);
    req.mutable_guest()->set_id(args[1]);
    req.mutable_guest()->set_hotdesking_enabled(true);
    google::protobuf::FieldMask unused;
    if (auto e = ApplyFlags(req.mutable_guest(), &unused); !e.empty()) return Usage(e);
    req.set_pin(absl::GetFlag(FLAGS_pin));
    v1::Guest g;
    grpc::Status st = stub->CreateGuest(ctx.Call().get(), req, &g);
    if (!st.ok()) return Fail(st);
    return Print(ctx, g, "added");
  }
  if (sub == "update" && args.size() == 2) {
    v1::UpdateGuestRequest req;
    req.set_tenant(ctx.tenant);
    req.mutable_guest()->set_id(args[1]);
    if (auto e = ApplyFlags(req.mutable_guest(), req.mutable_update_mask()); !e.empty())
      return Usage(e);
    if (req.update_mask().paths().empty()) return Usage("guests update: nothing to change");
    v1::Guest g;
    grpc::Status st = stub->UpdateGuest(ctx.Call().get(), req, &g);
    if (!st.ok()) return Fail(st);
    return Print(ctx, g, "updated");
  }
  if (sub == "remove" && args.size() == 2) {
    v1::DeleteGuestRequest req;
    req.set_tenant(ctx.tenant);
    req.set_id(args[1]);
    google::protobuf::Empty out;
    grpc::Status st = stub->DeleteGuest(ctx.Call().get(), req, &out);
    if (!st.ok()) return Fail(st);
    if (!ctx.json) std::cout << "removed " << args[1] << std::endl;
    return 0;
  }
  if (sub == "set-pin" && args.size() == 2) {
    if (absl::GetFlag(FLAGS_pin).empty())
      return Usage("set-pin: give the PIN in HOTDESK_PIN or --pin");
    v1::SetPinRequest req;
    req.set_tenant(ctx.tenant);
    req.set_id(args[1]);
    req.set_pin(absl::GetFlag(FLAGS_pin));
    v1::Guest g;
    grpc::Status st = stub->SetPin(ctx.Call().get(), req, &g);
    if (!st.ok()) return Fail(st);
    return Print(ctx, g, "PIN set for");
  }
  if (sub == "force-logout" && args.size() == 2) {
    v1::ForceLogoutGuestRequest req;
    req.set_tenant(ctx.tenant);
    req.set_id(args[1]);
    req.set_request_id(absl::GetFlag(FLAGS_request_id));
    v1::CancelResponse out;
    grpc::Status st = stub->ForceLogoutGuest(ctx.Call().get(), req, &out);
    if (!st.ok()) return Fail(st);
    return PrintForcedLogout(ctx, out);
  }
  return Usage(kGuestsUsage);
}

}  // namespace

std::vector<Command> GuestCommands() { return {{"guests", kGuestsUsage, &Guests}}; }

}  // namespace hotdesk::cli
