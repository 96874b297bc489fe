// Dial sessions: Dial classifies digits and acts on logout at once; a login opens a session
// that SubmitPin completes (Guests.VerifyPin, then Associations.Establish with source
// FEATURE_CODE and the default roaming policies). Shared by the gRPC and HTTP front ends.
#pragma once

#include "absl/status/statusor.h"
#include "adapters/common/core_call.h"
#include "adapters/featurecodes/core_client.h"
#include "adapters/featurecodes/dial_plan.h"
#include "adapters/featurecodes/metrics.h"
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
  absl::StatusOr<v1::SubmitPinResponse> SubmitPin(const v1::SubmitPinRequest& req);

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
class FeatureCodesGrpc final : public v1::FeatureCodes::Service {
 public:
  explicit FeatureCodesGrpc(DialService* dial) : dial_(dial) {}
  grpc::Status Dial(grpc::ServerContext* ctx, const v1::DialRequest* req,
                    v1::DialResponse* resp) override;
  grpc::Status SubmitPin(grpc::ServerContext* ctx, const v1::SubmitPinRequest* req,
                         v1::SubmitPinResponse* resp) override;

 private:
  DialService* dial_;
};

}  // namespace hotdesk::featurecodes
