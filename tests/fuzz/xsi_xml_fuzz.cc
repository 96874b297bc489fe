// libFuzzer target: arbitrary bytes through every Xsi parser of what a BroadWorks XSP sends
// (adapters/xsp/xml/xsi_xml.h): service documents, ErrorInfo, Channel / Subscription /
// EventResponse replies, channel stream documents, and the eventID scraper. Beyond "no crash, no
// sanitizer report": what a parser accepts, written again by our builders, parses back to the same
// values (HotelingGuest, CallForwardingAlways, CallCenter, a HotelingGuestEvent's envelope and
// info, an EventResponse for a scraped eventID) - the bridge and the simulator rely on it.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "adapters/xsp/xml/xsi_xml.h"

using namespace hotdesk::xsp;

namespace {

[[noreturn]] void Fail(const std::string& what, const std::string& input) {
  std::fprintf(stderr, "xsi_xml_fuzz: %s\ninput: %s\n", what.c_str(), input.c_str());
  std::abort();
}

// The host a document associates the guest with ("" = none): hostUserId absent, empty or nil
// all mean none.
std::string Host(const HotelingGuestDoc& d) {
  return d.host_nil || !d.host_user_id ? "" : *d.host_user_id;
}

bool Same(const HotelingGuestDoc& a, const HotelingGuestDoc& b) {
  return a.active == b.active && a.enable_association_limit == b.enable_association_limit &&
         a.association_limit_hours == b.association_limit_hours && Host(a) == Host(b);
}

void Guest(const std::string& in) {
  absl::StatusOr<HotelingGuestDoc> d = ParseHotelingGuest(in);
  if (!d.ok()) return;
  std::string out = BuildHotelingGuestDoc(*d);
  absl::StatusOr<HotelingGuestDoc> back = ParseHotelingGuest(out);
  if (!back.ok())
    Fail("our HotelingGuest does not parse: " + std::string(back.status().message()), out);
  if (!Same(*d, *back)) Fail("HotelingGuest changed on the way through the builder", out);
}

void Cfa(const std::string& in) {
  absl::StatusOr<CallForwardingAlwaysDoc> d = ParseCallForwardingAlways(in);
  if (!d.ok()) return;
  std::string out = BuildCallForwardingAlwaysDoc(*d);
  absl::StatusOr<CallForwardingAlwaysDoc> back = ParseCallForwardingAlways(out);
  if (!back.ok()) Fail("our CallForwardingAlways does not parse", out);
  if (back->active != d->active || back->forward_to_phone_number != d->forward_to_phone_number ||
      back->ring_splash != d->ring_splash) {
    Fail("CallForwardingAlways changed on the way through the builder", out);
  }
}

void CallCenter(const std::string& in) {
  absl::StatusOr<CallCenterDoc> d = ParseCallCenter(in);
  if (!d.ok() || !d->agent_acd_state) return;
  std::string out = BuildCallCenterState(*d->agent_acd_state);
  absl::StatusOr<CallCenterDoc> back = ParseCallCenter(out);
  if (!back.ok() || back->agent_acd_state != d->agent_acd_state) {
    Fail("CallCenter state changed on the way through the builder", out);
  }
}

void Stream(const std::string& in) {
  std::string id = ScrapeEventId(in);
  if (!id.empty()) {
    // The bridge acknowledges a malformed event with the id it could scrape.
    std::string ack = BuildEventResponse(id, 400, "Malformed event");
    absl::StatusOr<EventResponseDoc> r = ParseEventResponse(ack);
    if (!r.ok())
      Fail("our EventResponse does not parse: " + std::string(r.status().message()), ack);
    if (r->event_id != id || r->status_code != 400) Fail("EventResponse lost the eventID", ack);
  }
  absl::StatusOr<StreamDoc> d = ParseStreamDoc(in);
  if (!d.ok() || d->kind != StreamDoc::Kind::kEvent) return;
  const XsiEvent& e = d->event;
  if (e.data_type != "HotelingGuestEvent") return;
  EventEnvelope env{e.event_id,        e.sequence_number, e.user_id,  e.external_application_id,
                    e.subscription_id, e.channel_id,      e.target_id};
  std::string out = BuildHotelingGuestEvent(env, e.hoteling_guest);
  absl::StatusOr<StreamDoc> back = ParseStreamDoc(out);
  if (!back.ok())
    Fail("our HotelingGuestEvent does not parse: " + std::string(back.status().message()), out);
  const XsiEvent& b = back->event;
  if (b.event_id != e.event_id || b.sequence_number != e.sequence_number ||
      b.target_id != e.target_id || b.subscription_id != e.subscription_id ||
      b.data_type != e.data_type || !Same(b.hoteling_guest, e.hoteling_guest)) {
    Fail("HotelingGuestEvent changed on the way through the builder", out);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string in(reinterpret_cast<const char*>(data), size);
  Guest(in);
  Cfa(in);
  CallCenter(in);
  Stream(in);
  (void)ParseHotelingHost(in);
  (void)ParseErrorInfo(in);
  (void)ParseChannel(in);
  (void)ParseSubscription(in);
  (void)ParseEventResponse(in);
  return 0;
}
