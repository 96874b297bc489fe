// Dial sessions: Dial classifies digits and acts on logout at once; a login opens a session
// that SubmitPin completes (Guests.VerifyPin, then Associations.Establish with source
// FEATURE_CODE and the default roaming policies). Shared by the gRPC and HTTP front ends.
#pragma once

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "adapters/common/core_call.h"
#include "adapters/featurecodes/core_client.h"
#include "adapters/featurecodes/dial_plan.h"
#include "adapters/featurecodes/metrics.h"
#include "adapters/featurecodes/pbx_auth.h"
#include "adapters/featurecodes/session_table.h"
#include "hotdesk/v1/featurecodes.grpc.pb.h"

namespace hotdesk::featurecodes {

class DialService {
 public:
  DialService(CoreClient* core, DialPlan plan, SessionTable* sessions, Metrics* metrics,
              std::string default_tenant);

  // INVALID_ARGUMENT (naming the field) for malformed requests; every other outcome is an
  // action in the response.
  absl::StatusOr<v1::DialResponse> Dial(const v1::DialRequest& req);
  // `admit`, when given, vets the session's tenant for the caller (PERMISSION_DENIED is
  // returned as is, and the session stays open).
  absl::StatusOr<v1::SubmitPinResponse> SubmitPin(
      const v1::SubmitPinRequest& req,
      const std::function<absl::Status(const std::string&)>& admit = nullptr);

  const DialPlan& plan() const { return plan_; }

 private:
  // The device by MAC, hot-desk extension, or the extension logged in at it.
  absl::StatusOr<v1::Device> ResolveDevice(const std::string& tenant, const std::string& device);
  v1::DialResponse Finish(v1::DialResponse resp, const std::string& tenant,
                          const std::string& digits_kind);

  CoreClient* core_;
  DialPlan plan_;
  SessionTable* sessions_;
  Metrics* metrics_;
  std::string default_tenant_;
  // Each logout dialled is a new action with its own request id (its retries reuse it); logins
  // take theirs from the dial session.
  adapters::RequestIds logout_ids_;
};

// hotdesk.v1.FeatureCodes over gRPC (synchronous service: every call is a few core round trips).
// The PBX authenticates as over HTTP: "authorization" metadata with "Bearer <JWT>" or
// "Basic <base64>", checked by PbxAuth; the tenant comes from the credential.
class FeatureCodesGrpc final : public v1::FeatureCodes::Service {
 public:
  FeatureCodesGrpc(DialService* dial, PbxAuth* pbx_auth, std::string default_tenant)
      : dial_(dial), pbx_auth_(pbx_auth), default_tenant_(std::move(default_tenant)) {}
  grpc::Status Dial(grpc::ServerContext* ctx, const v1::DialRequest* req,
                    v1::DialResponse* resp) override;
  grpc::Status SubmitPin(grpc::ServerContext* ctx, const v1::SubmitPinRequest* req,
                         v1::SubmitPinResponse* resp) override;

 private:
  absl::StatusOr<PbxCaller> Authenticate(const grpc::ServerContext& ctx);

  DialService* dial_;
  PbxAuth* pbx_auth_;
  std::string default_tenant_;
};

}  // namespace hotdesk::featurecodes
