// libFuzzer target: request validation (services/core/commands.h). Fuzzer-built Establish and
// Cancel requests (any strings gRPC can carry, enum values, limits, time zones, attributes) go through
// PrepareEstablish / PrepareCancel. Invariants: a refusal is INVALID_ARGUMENT with a message and
// a BadRequest detail that parses back;
// an accepted command holds only valid ids within the limits; two requests whose commands
// differ never share a fingerprint (a request id reused with other parameters must be caught).
#include <fuzzer/FuzzedDataProvider.h>
#include <google/protobuf/stubs/logging.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <cstdlib>
#include <string>
#include <tuple>

#include "google/rpc/error_details.pb.h"
#include "services/common/status.h"
#include "services/core/commands.h"
#include "services/core/ids.h"

namespace {

using hotdesk::v1::CancelRequest;
using hotdesk::v1::EstablishRequest;

const absl::Time kNow = absl::FromUnixSeconds(1790000000);  // a fixed instant: reproducible

std::string Id(FuzzedDataProvider& in) {
  // Raw bytes reach the refusals; short printable ids (mapped into '!'..'~') the accepted paths.
  switch (in.ConsumeIntegralInRange(0, 3)) {
    case 0:
      return in.ConsumeRandomLengthString(200);
    case 1:
      return "";
    default: {
      std::string id = in.ConsumeBytesAsString(in.ConsumeIntegralInRange<size_t>(1, 12));
      for (char& c : id) c = static_cast<char>('!' + static_cast<unsigned char>(c) % 94);
      return id;
    }
  }
}

std::string Zone(FuzzedDataProvider& in) {
  static const char* kZones[] = {"Europe/Berlin", "America/New_York", "UTC", "Asia/Kolkata",
                                 "Australia/Lord_Howe", "Pacific/Chatham", "America/Santiago"};
  if (in.ConsumeBool()) return kZones[in.ConsumeIntegralInRange<size_t>(0, 6)];
  return in.ConsumeRandomLengthString(64);
}

EstablishRequest MakeEstablish(FuzzedDataProvider& in) {
  EstablishRequest r;
  r.set_tenant(in.ConsumeBool() ? "acme" : Id(in));
  r.set_host(Id(in));
  r.set_guest(Id(in));
  r.set_source(static_cast<hotdesk::v1::Source>(in.ConsumeIntegralInRange(-1, 7)));
  r.set_request_id(Id(in));
  r.set_on_host_busy(static_cast<hotdesk::v1::HostBusyPolicy>(in.ConsumeIntegralInRange(-1, 3)));
  r.set_on_guest_elsewhere(
      static_cast<hotdesk::v1::GuestElsewherePolicy>(in.ConsumeIntegralInRange(-1, 3)));
  switch (in.ConsumeIntegralInRange(0, 2)) {
    case 1: {
      auto* d = r.mutable_limit()->mutable_duration();
      d->set_seconds(in.ConsumeBool() ? in.ConsumeIntegralInRange<int64_t>(-10, 4000000)
                                      : in.ConsumeIntegral<int64_t>());
      d->set_nanos(in.ConsumeIntegral<int32_t>());
      break;
    }
    case 2: {
      auto* d = r.mutable_limit()->mutable_daily();
      d->set_time_zone(Zone(in));
      d->set_hour(in.ConsumeIntegralInRange(-2, 25));
      d->set_minute(in.ConsumeIntegralInRange(-2, 61));
      break;
    }
    default:
      break;
  }
  int attrs = in.ConsumeIntegralInRange(0, 3);
  for (int i = 0; i < attrs; ++i)
    (*r.mutable_attributes())[in.ConsumeRandomLengthString(70)] = in.ConsumeRandomLengthString(300);
  return r;
}

CancelRequest MakeCancel(FuzzedDataProvider& in) {
  CancelRequest r;
  r.set_tenant(in.ConsumeBool() ? "acme" : Id(in));
  r.set_host(Id(in));
  r.set_guest(Id(in));
  r.set_reason(static_cast<hotdesk::v1::CancelReason>(in.ConsumeIntegralInRange(-1, 7)));
  r.set_source(static_cast<hotdesk::v1::Source>(in.ConsumeIntegralInRange(-1, 7)));
  r.set_request_id(Id(in));
  return r;
}

// The same characters split differently between host and guest (at another '|'), so that a
// fingerprint joining fields with a separator that ids may contain is caught.
template <typename Request>
Request Resplit(const Request& a, FuzzedDataProvider& in) {
  Request b = a;
  std::string joined = a.host() + "|" + a.guest();
  size_t from = in.ConsumeIntegralInRange<size_t>(0, joined.size());
  size_t cut = joined.find('|', from);
  if (cut == std::string::npos) cut = joined.find('|');
  b.set_host(joined.substr(0, cut));
  b.set_guest(joined.substr(cut + 1));
  return b;
}

// Only what gRPC can deliver: proto3 strings that are not UTF-8 fail to parse on the server.
bool Deliverable(const google::protobuf::Message& req) {
  std::unique_ptr<google::protobuf::Message> copy(req.New());
  google::protobuf::LogSilencer quiet;
  return copy->ParseFromString(req.SerializeAsString());
}

[[noreturn]] void Fail(const std::string& what, const google::protobuf::Message& a,
                       const google::protobuf::Message& b) {
  std::fprintf(stderr, "commands_fuzz: %s\n  a: %s\n  b: %s\n", what.c_str(),
               a.ShortDebugString().c_str(), b.ShortDebugString().c_str());
  std::abort();
}

// A refusal is INVALID_ARGUMENT with a message and a BadRequest detail a client can read back
// (proto3 strings must be UTF-8, or the client cannot parse the detail).
void CheckRefusal(const absl::Status& s, const google::protobuf::Message& req) {
  google::rpc::BadRequest bad;
  if (s.code() != absl::StatusCode::kInvalidArgument || s.message().empty())
    Fail("refused with " + s.ToString(), req, req);
  if (!hotdesk::GetDetail(s, &bad) || bad.field_violations_size() == 0)
    Fail("refusal without a readable BadRequest detail: " + s.ToString(), req, req);
}

bool ValidOptionalId(const std::string& id) { return id.empty() || hotdesk::IdProblem(id).empty(); }

// What a fingerprint must tell apart (request ids are kept per tenant; a daily logout's instant
// depends on when the request came).
auto Key(const hotdesk::EstablishCommand& c) {
  return std::tie(c.host, c.guest, c.source, c.reject_host_busy, c.reject_guest_elsewhere,
                  c.limit_ms, c.attributes);
}

auto Key(const hotdesk::CancelCommand& c) {
  return std::tie(c.host, c.guest, c.reason, c.source);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  hotdesk::LimitRules rules;
  if (in.ConsumeBool()) {
    EstablishRequest a = MakeEstablish(in);
    EstablishRequest b = in.ConsumeBool() ? Resplit(a, in) : MakeEstablish(in);
    if (!Deliverable(a) || !Deliverable(b)) return 0;
    auto ca = hotdesk::PrepareEstablish(a, rules, kNow);
    auto cb = hotdesk::PrepareEstablish(b, rules, kNow);
    for (const auto* c : {&ca, &cb}) {
      if (!c->ok()) {
        CheckRefusal(c->status(), c == &ca ? a : b);
        continue;
      }
      const hotdesk::EstablishCommand& cmd = **c;
      if (!hotdesk::TenantProblem(cmd.tenant).empty() || !hotdesk::IdProblem(cmd.host).empty() ||
          !hotdesk::IdProblem(cmd.guest).empty() || !ValidOptionalId(cmd.request_id))
        std::abort();
      if (cmd.limit_ms != 0 && (cmd.limit_ms < absl::ToInt64Milliseconds(rules.min_duration) ||
                                cmd.limit_ms > absl::ToInt64Milliseconds(rules.max_duration)))
        std::abort();
      // Daily-logout candidates ascend, and one lies ahead of the request's clock.
      const auto& daily = cmd.daily_logout_ms;
      if (!std::is_sorted(daily.begin(), daily.end())) std::abort();
      if (!daily.empty() && daily.back() <= absl::ToUnixMillis(kNow)) std::abort();
      if (cmd.Fingerprint() != cmd.Fingerprint()) std::abort();
    }
    if (ca.ok() && cb.ok() && ca->Fingerprint() == cb->Fingerprint() && Key(*ca) != Key(*cb))
      Fail("two different requests, one fingerprint " + ca->Fingerprint(), a, b);
  } else {
    CancelRequest a = MakeCancel(in);
    CancelRequest b = in.ConsumeBool() ? Resplit(a, in) : MakeCancel(in);
    if (!Deliverable(a) || !Deliverable(b)) return 0;
    auto ca = hotdesk::PrepareCancel(a);
    auto cb = hotdesk::PrepareCancel(b);
    for (const auto* c : {&ca, &cb}) {
      if (!c->ok()) {
        CheckRefusal(c->status(), c == &ca ? a : b);
        continue;
      }
      const hotdesk::CancelCommand& cmd = **c;
      if (!hotdesk::TenantProblem(cmd.tenant).empty() || !ValidOptionalId(cmd.host) ||
          !ValidOptionalId(cmd.guest) || (cmd.host.empty() && cmd.guest.empty()) ||
          !ValidOptionalId(cmd.request_id))
        std::abort();
    }
    if (ca.ok() && cb.ok() && ca->Fingerprint() == cb->Fingerprint() && Key(*ca) != Key(*cb))
      Fail("two different requests, one fingerprint " + ca->Fingerprint(), a, b);
  }
  return 0;
}
