#include "services/directory/devices_service.h"

#include "services/common/log.h"
#include "services/common/status.h"
#include "services/common/countdown.h"
#include "services/core/commands.h"
#include "services/directory/requests.h"
#include "services/rpc/unary_call.h"
#include "services/store/store_util.h"

namespace hotdesk {
namespace {

constexpr char kService[] = "hotdesk.v1.Devices";

}  // namespace

DevicesService::DevicesService(DirectoryStore* directory, AssociationStore* associations,
                               RpcMetrics* metrics, const auth::Gatekeeper* gate)
    : directory_(directory),
      associations_(associations),
      create_(RpcMethod::Make(metrics, gate, kService, "CreateDevice", "unary")),
      get_(RpcMethod::Make(metrics, gate, kService, "GetDevice", "unary")),
      update_(RpcMethod::Make(metrics, gate, kService, "UpdateDevice", "unary")),
      delete_(RpcMethod::Make(metrics, gate, kService, "DeleteDevice", "unary")),
      list_(RpcMethod::Make(metrics, gate, kService, "ListDevices", "unary")),
      force_logout_(RpcMethod::Make(metrics, gate, kService, "ForceLogoutDevice", "unary")) {}

grpc::ServerUnaryReactor* DevicesService::CreateDevice(grpc::CallbackServerContext* ctx,
                                                       const v1::CreateDeviceRequest* req,
                                                       v1::Device* resp) {
  return RunUnary<v1::Device>(
      ctx, create_, *req, resp, [this, req](absl::Time deadline, Done<v1::Device> done) {
        auto d = PrepareCreateDevice(*req);
        if (!d.ok()) return done(d.status());
        directory_->CreateDevice(*d, deadline,
                                 [done = std::move(done)](absl::StatusOr<v1::Device> r) {
                                   if (r.ok()) {
                                     HD_LOG(kInfo, "device created")
                                         .kv("tenant", r->tenant())
                                         .kv("mac", r->mac())
                                         .kv("hotdesk_extension", r->hotdesk_extension());
                                   }
                                   done(std::move(r));
                                 });
      });
}

grpc::ServerUnaryReactor* DevicesService::GetDevice(grpc::CallbackServerContext* ctx,
                                                    const v1::GetDeviceRequest* req,
                                                    v1::Device* resp) {
  return RunUnary<v1::Device>(
      ctx, get_, *req, resp, [this, req](absl::Time deadline, Done<v1::Device> done) {
        auto ref = PrepareGetDevice(*req);
        if (!ref.ok()) return done(ref.status());
        if (!ref->mac.empty()) {
          directory_->GetDevice(ref->tenant, ref->mac, deadline, std::move(done));
        } else {
          directory_->GetDeviceByExtension(ref->tenant, ref->hotdesk_extension, deadline,
                                           std::move(done));
        }
      });
}

void DevicesService::UnlessInUse(const std::string& tenant, const std::string& mac,
                                 const std::string& new_extension, absl::Time deadline,
                                 std::function<void(absl::Status)> next) {
  directory_->GetDevice(tenant, mac, deadline,
                        [this, tenant, new_extension, deadline,
                         next = std::move(next)](absl::StatusOr<v1::Device> d) {
                          if (!d.ok()) return next(d.status());
                          if (!new_extension.empty() && new_extension == d->hotdesk_extension())
                            return next(absl::OkStatus());
                          associations_->Get(
                              tenant, d->hotdesk_extension(), "", deadline,
                              [next](absl::StatusOr<v1::Association> a) {
                                if (absl::IsNotFound(a.status())) return next(absl::OkStatus());
                                if (!a.ok()) return next(a.status());
                                absl::Status busy = ErrorWithReason(
                                    absl::StatusCode::kFailedPrecondition, "DEVICE_IN_USE",
                                    "guest " + a->guest() + " is logged in at this device (host " +
                                        a->host() + "); force a logout first");
                                AddDetail(&busy, *a);
                                next(busy);
                              });
                        });
}

grpc::ServerUnaryReactor* DevicesService::UpdateDevice(grpc::CallbackServerContext* ctx,
                                                       const v1::UpdateDeviceRequest* req,
                                                       v1::Device* resp) {
  return RunUnary<v1::Device>(
      ctx, update_, *req, resp, [this, req](absl::Time deadline, Done<v1::Device> done) {
        auto u = PrepareUpdateDevice(*req);
        if (!u.ok()) return done(u.status());
        auto update = [this, u = *u, deadline, done](absl::Status ok) {
          if (!ok.ok()) return done(ok);
          directory_->UpdateDevice(
              u.tenant, u.mac,
              [u](v1::Device* d) {
                u.ApplyTo(d);
                return absl::OkStatus();
              },
              deadline,
              [done](absl::StatusOr<v1::Device> r) {
                if (r.ok()) {
                  HD_LOG(kInfo, "device updated")
                      .kv("tenant", r->tenant())
                      .kv("mac", r->mac())
                      .kv("hotdesk_extension", r->hotdesk_extension());
                }
                done(std::move(r));
              });
        };
        if (!u->fields.count("hotdesk_extension")) return update(absl::OkStatus());
        UnlessInUse(u->tenant, u->mac, u->patch.hotdesk_extension(), deadline,
                    std::move(update));
      });
}

grpc::ServerUnaryReactor* DevicesService::DeleteDevice(grpc::CallbackServerContext* ctx,
                                                       const v1::DeleteDeviceRequest* req,
                                                       google::protobuf::Empty* resp) {
  return RunUnary<google::protobuf::Empty>(
      ctx, delete_, *req, resp, [this, req](absl::Time deadline, Done<google::protobuf::Empty> done) {
        auto ref = PrepareDeleteDevice(*req);
        if (!ref.ok()) return done(ref.status());
        std::string tenant = ref->tenant;
        std::string mac = ref->mac;
        UnlessInUse(
            tenant, mac, "", deadline, [this, tenant, mac, deadline, done](absl::Status ok) {
              if (!ok.ok()) return done(ok);
              directory_->DeleteDevice(tenant, mac, deadline, [done](absl::StatusOr<v1::Device> r) {
                if (!r.ok()) return done(r.status());
                HD_LOG(kInfo, "device deleted")
                    .kv("tenant", r->tenant())
                    .kv("mac", r->mac())
                    .kv("hotdesk_extension", r->hotdesk_extension());
                done(google::protobuf::Empty());
              });
            });
      });
}

grpc::ServerUnaryReactor* DevicesService::ListDevices(grpc::CallbackServerContext* ctx,
                                                      const v1::ListDevicesRequest* req,
                                                      v1::ListDevicesResponse* resp) {
  return RunUnary<v1::ListDevicesResponse>(
      ctx, list_, *req, resp, [this, req](absl::Time deadline, Done<v1::ListDevicesResponse> done) {
        auto q = PreparePage(req->tenant(), req->page_size(), req->page_token());
        if (!q.ok()) return done(q.status());
        std::string tenant = q->tenant;
        directory_->ListDevices(
            tenant, q->page_size, q->page_token, deadline,
            [this, tenant, deadline, done = std::move(done)](absl::StatusOr<DevicePage> page) {
              if (!page.ok()) return done(page.status());
              // Join each device with its association (host = hot-desk extension).
              struct Join {
                explicit Join(size_t n) : countdown(n) {}
                Countdown countdown;
                absl::Status status;
                v1::ListDevicesResponse resp;
                Done<v1::ListDevicesResponse> done;
              };
              if (page->devices.empty()) {
                v1::ListDevicesResponse resp;
                resp.set_next_page_token(page->next_page_token);
                return done(std::move(resp));
              }
              auto join = std::make_shared<Join>(page->devices.size());
              join->done = std::move(done);
              join->resp.set_next_page_token(page->next_page_token);
              for (auto& d : page->devices) *join->resp.add_devices()->mutable_device() = d;
              for (int i = 0; i < join->resp.devices_size(); ++i) {
                std::string host = join->resp.devices(i).device().hotdesk_extension();
                associations_->Get(tenant, host, "", deadline,
                                   [join, i](absl::StatusOr<v1::Association> a) {
                                     bool last = join->countdown.Arrive([&] {
                                       auto* status = join->resp.mutable_devices(i);
                                       if (a.ok()) {
                                         status->set_idle(false);
                                         *status->mutable_association() = std::move(*a);
                                       } else if (absl::IsNotFound(a.status())) {
                                         status->set_idle(true);
                                       } else if (join->status.ok()) {
                                         join->status = a.status();
                                       }
                                     });
                                     if (!last) return;
                                     if (join->status.ok())
                                       join->done(std::move(join->resp));
                                     else
                                       join->done(join->status);
                                   });
              }
            });
      });
}

grpc::ServerUnaryReactor* DevicesService::ForceLogoutDevice(grpc::CallbackServerContext* ctx,
                                                            const v1::ForceLogoutDeviceRequest* req,
                                                            v1::CancelResponse* resp) {
  return RunUnary<v1::CancelResponse>(
      ctx, force_logout_, *req, resp, [this, req](absl::Time deadline, Done<v1::CancelResponse> done) {
        auto f = PrepareForceLogoutDevice(*req);
        if (!f.ok()) return done(f.status());
        std::string tenant = f->device.tenant;
        std::string request_id = f->request_id;
        directory_->GetDevice(tenant, f->device.mac, deadline,
                              [this, tenant, request_id, deadline,
                               done = std::move(done)](absl::StatusOr<v1::Device> d) {
                                if (!d.ok()) return done(d.status());
                                auto cmd = ForcedLogoutCommand(tenant, d->hotdesk_extension(), "",
                                                               request_id);
                                if (!cmd.ok()) return done(cmd.status());
                                associations_->Cancel(
                                    *cmd, deadline,
                                    [this, mac = d->mac(),
                                     done = std::move(done)](absl::StatusOr<v1::CancelResponse> r) {
                                      if (r.ok()) {
                                        HD_LOG(kInfo, "device force logout")
                                            .kv("tenant", r->association().tenant())
                                            .kv("mac", mac)
                                            .kv("host", r->association().host())
                                            .kv("guest", r->association().guest())
                                            .kv("cursor", r->cursor());
                                      }
                                      done(std::move(r));
                                    });
                              });
      });
}

}  // namespace hotdesk
