// hotdeskctl devices list | get | add | update | remove | force-logout
#include <iostream>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "hotdesk/v1/devices.grpc.pb.h"
#include "services/cli/cli.h"
#include "services/core/commands.h"

ABSL_DECLARE_FLAG(std::string, request_id);
ABSL_DECLARE_FLAG(int, page_size);
ABSL_FLAG(std::string, display_name, "", "devices/guests add|update: display name");
ABSL_FLAG(std::string, provisioning, "", "devices add|update: pnp | rps");
ABSL_FLAG(std::string, network, "", "devices add|update: lan | sbc");
ABSL_FLAG(std::string, model, "",
          "devices add|update: provisioning template, e.g. generic, polycom");
ABSL_FLAG(std::string, extension, "", "devices update: new hot-desk extension");

namespace hotdesk::cli {
namespace {

const char kDevicesUsage[] =
    "devices list | get MAC | add MAC HDEXT [--display_name=N] [--provisioning=pnp|rps] "
    "[--network=lan|sbc] [--model=M] | update MAC [--extension=E] [--display_name=N] "
    "[--provisioning=..] [--network=..] [--model=..] | remove MAC | force-logout MAC";

std::string Lower(std::string s) { return absl::AsciiStrToLower(s); }

std::string ProvisioningName(v1::ProvisioningMethod p) {
  return p == v1::PROVISIONING_METHOD_RPS ? "RPS" : "PNP";
}
std::string NetworkName(v1::NetworkLocation n) {
  return n == v1::NETWORK_LOCATION_SBC ? "SBC" : "LAN";
}

// Applies the optional field flags to `d`, recording which were given. Returns "" or a usage
// error.
std::string ApplyFlags(v1::Device* d, google::protobuf::FieldMask* mask) {
  if (!absl::GetFlag(FLAGS_display_name).empty()) {
    d->set_display_name(absl::GetFlag(FLAGS_display_name));
    mask->add_paths("display_name");
  }
  if (std::string p = Lower(absl::GetFlag(FLAGS_provisioning)); !p.empty()) {
    if (p == "pnp")
      d->set_provisioning(v1::PROVISIONING_METHOD_PNP);
    else if (p == "rps")
      d->set_provisioning(v1::PROVISIONING_METHOD_RPS);
    else
      return "--provisioning: pnp or rps";
    mask->add_paths("provisioning");
  }
  if (std::string n = Lower(absl::GetFlag(FLAGS_network)); !n.empty()) {
    if (n == "lan")
      d->set_network(v1::NETWORK_LOCATION_LAN);
    else if (n == "sbc")
      d->set_network(v1::NETWORK_LOCATION_SBC);
    else
      return "--network: lan or sbc";
    mask->add_paths("network");
  }
  if (!absl::GetFlag(FLAGS_model).empty()) {
    d->set_model(absl::GetFlag(FLAGS_model));
    mask->add_paths("model");
  }
  if (!absl::GetFlag(FLAGS_extension).empty()) {
    d->set_hotdesk_extension(absl::GetFlag(FLAGS_extension));
    mask->add_paths("hotdesk_extension");
  }
  return "";
}

std::string DescribeDevice(const v1::Device& d) {
  return "mac=" + d.mac() + " hotdesk_extension=" + d.hotdesk_extension() + " name=\"" +
         d.display_name() + "\" provisioning=" + ProvisioningName(d.provisioning()) +
         " network=" + NetworkName(d.network()) + " model=" + d.model();
}

std::string DescribeStatus(const v1::DeviceStatus& s) {
  if (s.idle()) return "idle (shows " + s.device().hotdesk_extension() + ")";
  return "guest=" + s.association().guest() +
         " since=" + FormatTime(s.association().establish_time().seconds()) +
         " source=" + SourceName(s.association().source());
}

int Print(const Context& ctx, const v1::Device& d, const char* verb) {
  if (ctx.json) return PrintJson(d) ? 0 : 1;
  std::cout << verb << " " << DescribeDevice(d) << std::endl;
  return 0;
}

int List(const Context& ctx, v1::Devices::Stub* stub) {
  v1::ListDevicesRequest req;
  req.set_tenant(ctx.tenant);
  req.set_page_size(absl::GetFlag(FLAGS_page_size));
  int n = 0;
  do {
    v1::ListDevicesResponse resp;
    grpc::Status st = stub->ListDevices(ctx.Call().get(), req, &resp);
    if (!st.ok()) return Fail(st);
    for (const auto& s : resp.devices()) {
      ++n;
      if (!ctx.json)
        std::cout << DescribeDevice(s.device()) << " status: " << DescribeStatus(s) << "\n";
      else if (!PrintJson(s))
        return 1;
    }
    req.set_page_token(resp.next_page_token());
  } while (!req.page_token().empty());
  if (!ctx.json) std::cout << n << " device(s)" << std::endl;
  return 0;
}

int Devices(const Context& ctx, const std::vector<std::string>& args) {
  if (args.empty()) return Usage(kDevicesUsage);
  auto stub = v1::Devices::NewStub(ctx.channel);
  const std::string& sub = args[0];
  if (sub == "list" && args.size() == 1) return List(ctx, stub.get());
  if (sub == "get" && args.size() == 2) {
    v1::GetDeviceRequest req;
    req.set_tenant(ctx.tenant);
    req.set_mac(args[1]);
    v1::Device d;
    grpc::Status st = stub->GetDevice(ctx.Call().get(), req, &d);
    if (!st.ok()) return Fail(st);
    return Print(ctx, d, "device");
  }
  if (sub == "add" && args.size() == 3) {
    v1::CreateDeviceRequest req;
    req.set_tenant(ctx.tenant);
    v1::Device* d = req.mutable_device();
    d->set_mac(args[1]);
    d->set_hotdesk_extension(args[2]);
    google::protobuf::FieldMask unused;
    if (auto e = ApplyFlags(d, &unused); !e.empty()) return Usage(e);
    v1::Device out;
    grpc::Status st = stub->CreateDevice(ctx.Call().get(), req, &out);
    if (!st.ok()) return Fail(st);
    return Print(ctx, out, "added");
  }
  if (sub == "update" && args.size() == 2) {
    v1::UpdateDeviceRequest req;
    req.set_tenant(ctx.tenant);
    req.mutable_device()->set_mac(args[1]);
    if (auto e = ApplyFlags(req.mutable_device(), req.mutable_update_mask()); !e.empty())
      return Usage(e);
    if (req.update_mask().paths().empty()) return Usage("devices update: nothing to change");
    v1::Device out;
    grpc::Status st = stub->UpdateDevice(ctx.Call().get(), req, &out);
    if (!st.ok()) return Fail(st);
    return Print(ctx, out, "updated");
  }
  if (sub == "remove" && args.size() == 2) {
    v1::DeleteDeviceRequest req;
    req.set_tenant(ctx.tenant);
    req.set_mac(args[1]);
    google::protobuf::Empty out;
    grpc::Status st = stub->DeleteDevice(ctx.Call().get(), req, &out);
    if (!st.ok()) return Fail(st);
    if (!ctx.json) std::cout << "removed " << args[1] << std::endl;
    return 0;
  }
  if (sub == "force-logout" && args.size() == 2) {
    v1::ForceLogoutDeviceRequest req;
    req.set_tenant(ctx.tenant);
    req.set_mac(args[1]);
    req.set_request_id(absl::GetFlag(FLAGS_request_id));
    v1::CancelResponse out;
    grpc::Status st = stub->ForceLogoutDevice(ctx.Call().get(), req, &out);
    if (!st.ok()) return Fail(st);
    return PrintForcedLogout(ctx, out);
  }
  return Usage(kDevicesUsage);
}

}  // namespace

std::vector<Command> DeviceCommands() { return {{"devices", kDevicesUsage, &Devices}}; }

}  // namespace hotdesk::cli
