#include "services/cli/cli.h"

#include <cstdio>
#include <iostream>

#include "absl/time/clock.h"
#include "google/rpc/error_details.pb.h"
#include "services/common/proto_json.h"
#include "services/common/status.h"

namespace hotdesk::cli {

std::unique_ptr<grpc::ClientContext> Context::Call() const {
  auto c = std::make_unique<grpc::ClientContext>();
  c->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  return c;
}

int Fail(const grpc::Status& status) {
  absl::Status s = FromGrpcStatus(status);
  std::fprintf(stderr, "error: %s: %s\n", absl::StatusCodeToString(s.code()).c_str(),
               std::string(s.message()).c_str());
  google::rpc::BadRequest bad;
  if (GetDetail(s, &bad)) {
    for (const auto& v : bad.field_violations())
      std::fprintf(stderr, "  %s: %s\n", v.field().c_str(), v.description().c_str());
  }
  return 1;
}

int Usage(const std::string& message) {
  std::fprintf(stderr, "usage error: %s (see hotdeskctl --help)\n", message.c_str());
  return 2;
}

bool PrintJson(const google::protobuf::Message& m) {
  auto json = ProtoToJson(m);
  if (!json.ok()) {
    std::fprintf(stderr, "error: %s\n", std::string(json.status().message()).c_str());
    return false;
  }
  std::cout << *json << std::endl;
  return true;
}

std::string FormatTime(int64_t seconds) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixSeconds(seconds),
                          absl::UTCTimeZone());
}

int PrintForcedLogout(const Context& ctx, const v1::CancelResponse& out) {
  if (ctx.json) {
    if (!PrintJson(out)) return 1;
  } else {
    std::cout << "logged out guest=" << out.association().guest()
              << " host=" << out.association().host() << " reason=FORCED cursor=" << out.cursor()
              << std::endl;
  }
  return 0;
}

}  // namespace hotdesk::cli
