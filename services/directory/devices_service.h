// hotdesk.v1.Devices on the gRPC callback API: the registry of hot-desk phones, with the status
// view joined from the association store (host = the device's hot-desk extension).
#pragma once

#include "hotdesk/v1/devices.grpc.pb.h"
#include "services/directory/directory_store.h"
#include "services/rpc/unary_call.h"
#include "services/store/association_store.h"

namespace hotdesk {

class DevicesService final : public v1::Devices::CallbackService {
 public:
  // `associations`: the store every writer uses (its decorator logs and counts the changes).
  DevicesService(DirectoryStore* directory, AssociationStore* associations, RpcMetrics* metrics,
                 const auth::Gatekeeper* gate);

  grpc::ServerUnaryReactor* CreateDevice(grpc::CallbackServerContext* ctx,
                                         const v1::CreateDeviceRequest* req,
                                         v1::Device* resp) override;
  grpc::ServerUnaryReactor* GetDevice(grpc::CallbackServerContext* ctx,
                                      const v1::GetDeviceRequest* req, v1::Device* resp) override;
  grpc::ServerUnaryReactor* UpdateDevice(grpc::CallbackServerContext* ctx,
                                         const v1::UpdateDeviceRequest* req,
                                         v1::Device* resp) override;
  grpc::ServerUnaryReactor* DeleteDevice(grpc::CallbackServerContext* ctx,
                                         const v1::DeleteDeviceRequest* req,
                                         google::protobuf::Empty* resp) override;
  grpc::ServerUnaryReactor* ListDevices(grpc::CallbackServerContext* ctx,
                                        const v1::ListDevicesRequest* req,
                                        v1::ListDevicesResponse* resp) override;
  grpc::ServerUnaryReactor* ForceLogoutDevice(grpc::CallbackServerContext* ctx,
                                              const v1::ForceLogoutDeviceRequest* req,
                                              v1::CancelResponse* resp) override;

 private:
  // Continues with `next` unless a guest is logged in at the device: its associations are keyed
  // by the hot-desk extension, so changing or removing that under a guest would orphan them
  // (FAILED_PRECONDITION DEVICE_IN_USE; log the guest out first). With `new_extension` equal to
  // the current one there is nothing to protect.
  void UnlessInUse(const std::string& tenant, const std::string& mac,
                   const std::string& new_extension, absl::Time deadline,
                   std::function<void(absl::Status)> next);

  DirectoryStore* directory_;
  AssociationStore* associations_;
  RpcMethod create_;
  RpcMethod get_;
  RpcMethod update_;
  RpcMethod delete_;
  RpcMethod list_;
  RpcMethod force_logout_;
};

}  // namespace hotdesk
