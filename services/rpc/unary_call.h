// Runs an asynchronous unary handler on the callback API: the caller admitted by the gatekeeper
// (authentication and the method's authorization rule) before the body runs, deadline from the
// call, status mapped to gRPC with details, what the caller may not see redacted, metrics
// recorded once.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <type_traits>

#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "services/auth/gatekeeper.h"
#include "services/common/completion_batch.h"
#include "services/common/done.h"
#include "services/common/log.h"
#include "services/common/status.h"
#include "services/rpc/method_metrics.h"

namespace hotdesk {

// One RPC method as the server runs it: its metrics, its row of the authorization table, and
// the gate that applies it.
struct RpcMethod {
  MethodMetrics* metrics = nullptr;
  const auth::MethodRule* rule = nullptr;  // nullptr: nobody may call it (the gate says so)
  const auth::Gatekeeper* gate = nullptr;
  std::string name;  // "hotdesk.v1.Guests/SetPin"

  static RpcMethod Make(RpcMetrics* metrics, const auth::Gatekeeper* gate,
                        const std::string& service, const std::string& method,
                        const std::string& type) {
    std::string name = absl::StrCat(service, "/", method);
    return RpcMethod{metrics->Method(service, method, type), auth::FindMethodRule(name), gate,
                     name};
  }

  // The caller, or why they may not make this call (UNAUTHENTICATED / PERMISSION_DENIED).
  absl::StatusOr<std::shared_ptr<const auth::Caller>> Admit(
      const grpc::CallbackServerContext* ctx, const google::protobuf::Message& request) const {
    auto caller = gate->Admit(*ctx, rule, request);
    if (!caller.ok()) {
      // Refusals of a known caller are worth a line; anonymous ones only at debug (a flood of
      // them must not flood the log). Never the token.
      if (caller.status().code() == absl::StatusCode::kPermissionDenied) {
        HD_LOG(kInfo, "call refused").kv("method", name).kv("error", caller.status().message());
      } else {
        HD_LOG(kDebug, "call unauthenticated")
            .kv("method", name)
            .kv("error", caller.status().message());
      }
    }
    return caller;
  }
};

// The call's deadline, or now + `fallback` when the client set none.
inline absl::Time CallDeadline(const grpc::CallbackServerContext* ctx,
                               absl::Duration fallback = absl::Seconds(10)) {
  auto d = ctx->deadline();
  if (d == std::chrono::system_clock::time_point::max()) return absl::Now() + fallback;
  return std::min(absl::FromChrono(d), absl::Now() + absl::Hours(1));
}

// `body` is either (absl::Time deadline, Done<Resp>) or, for handlers that need to know who
// calls, (const auth::Caller&, absl::Time deadline, Done<Resp>). It runs only for an admitted
// caller.
template <typename Resp, typename Req, typename Body>
grpc::ServerUnaryReactor* RunUnary(grpc::CallbackServerContext* ctx, const RpcMethod& method,
                                   const Req& request, Resp* response, Body body) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  MethodMetrics* metrics = method.metrics;
  metrics->Started();
  absl::Time start = absl::Now();
  auto caller = method.Admit(ctx, request);
  auto finish = [reactor, metrics, response, start, caller,
                 rule = method.rule](absl::StatusOr<Resp> r) {
    grpc::Status status;
    if (r.ok()) {
      *response = std::move(*r);
      auth::Gatekeeper::Redact(**caller, *rule, response);
    } else {
      status = ToGrpcStatus(r.status());
    }
    metrics->Record(status.error_code(), absl::ToDoubleSeconds(absl::Now() - start));
    RunOrDefer([reactor, status] { reactor->Finish(status); });
  };
  if (!caller.ok()) {
    grpc::Status status = ToGrpcStatus(caller.status());
    metrics->Record(status.error_code(), absl::ToDoubleSeconds(absl::Now() - start));
    reactor->Finish(status);
    return reactor;
  }
  if constexpr (std::is_invocable_v<Body, const auth::Caller&, absl::Time, Done<Resp>>) {
    body(**caller, CallDeadline(ctx), Done<Resp>(std::move(finish)));
  } else {
    body(CallDeadline(ctx), Done<Resp>(std::move(finish)));
  }
  return reactor;
}

// A server stream refused before it starts (the gate said no): finishes at once with `status`.
template <typename T>
class RefusedStream final : public grpc::ServerWriteReactor<T> {
 public:
  explicit RefusedStream(const grpc::Status& status) { this->Finish(status); }
  void OnDone() override { delete this; }
};

}  // namespace hotdesk
