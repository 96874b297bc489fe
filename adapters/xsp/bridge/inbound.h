// Inbound: keeps an Xsi-Events channel open and turns platform-made hoteling changes into
// Establish/Cancel calls on hotdesk-server (source XSP, reason EXTERNAL, request id
// "xsp-<eventID>"). An event is acknowledged only once it has been applied (or refused for good):
// while hotdesk cannot be reached it is tried again, with backoff, in order.
//
// Threads: the channel thread holds the streaming POST and splits it into documents; the worker
// thread handles events in order and acknowledges each (EventResponse); the control thread
// subscribes once a channel is up, heartbeats every eventTimeout/2, refreshes the channel and the
// subscriptions before they expire, and forces a reopen when the XSP no longer knows the
// channel (404). Heartbeats, event responses and channel updates go to the XSP node that
// accepted the channel (address pinned from the channel's connection).
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "adapters/common/core_call.h"
#include "adapters/xsp/bridge/config.h"
#include "adapters/xsp/bridge/id_map.h"
#include "adapters/xsp/bridge/metrics.h"
#include "adapters/xsp/bridge/progress_store.h"
#include "adapters/xsp/bridge/xsi_client.h"
#include "adapters/xsp/xml/doc_splitter.h"
#include "adapters/xsp/xml/xsi_xml.h"
#include "hotdesk/v1/associations.grpc.pb.h"

namespace hotdesk::xsp {

struct ChannelStatus {
  bool up = false;
  std::string channel_id;
  int expires = 0;
  int subscriptions = 0;
  int64_t opens = 0;
};

class Inbound {
 public:
  Inbound(const BridgeConfig& config, std::shared_ptr<grpc::Channel> channel, const IdMapper* ids,
          ProgressStore* store, BridgeMetrics* metrics);
  ~Inbound();
  void Start();
  // Deletes the subscriptions and the channel, then stops the threads.
  void Stop();
  ChannelStatus Status();

 private:
  struct Sub {
    std::string path;  // POST target below the events root
    std::string target_type;
    std::string package;
    std::string id;
    absl::Time refresh_at;
  };
  struct Work {
    XsiEvent event;
    std::string malformed_event_id;  // set for a malformed document with a readable eventID
    bool malformed = false;
    // Set for a reconciliation of this BroadWorks user after the channel (re)opened, with the
    // request id its change carries (the same on every attempt).
    std::string reconcile_user;
    std::string reconcile_request_id;
  };

  void ChannelLoop();
  void ControlLoop();
  void WorkerLoop();
  void OnDocument(const std::string& doc);
  // OK when handled (applied, or nothing to do); UNAVAILABLE / DEADLINE_EXCEEDED / CANCELLED when
  // it could not be applied now (tried again, not acknowledged meanwhile); anything else when
  // hotdesk refused it for good.
  absl::Status HandleEvent(const XsiEvent& ev);
  absl::Status HandleHoteling(const XsiEvent& ev);
  // Events lost with a channel, an XSP or a bridge that died are never sent again, and the
  // initial event of a new subscription is not applied (it may predate a hotdesk change not yet
  // pushed). So after every (re)open each subscribed user's HotelingGuest is read and compared
  // with the bridge's picture of BroadWorks (`known`, as of the last event taken in): a
  // difference no pending sequence explains is a platform change that was missed, applied like
  // any other. Queued behind the events already received, so it runs in order with them.
  absl::Status Reconcile(const std::string& bw_user, const std::string& request_id);
  // Applies a platform change of `guest` (to `host`, or "" to none) to hotdesk unless hotdesk
  // has it already; `kind` is the metric label.
  absl::Status ApplyToHotdesk(const char* kind, const std::string& guest, const std::string& host,
                              const HotelingGuestDoc& info, const std::string& request_id);
  void QueueReconciliations();
  // False when BroadWorks shows the guest at another host by now: the event is stale (the change
  // that superseded it has an event of its own). An error when BroadWorks cannot be asked.
  absl::StatusOr<bool> StillCurrent(const std::string& bw_guest, const std::string& bw_host);
  void Ack(const std::string& event_id, int status, const std::string& reason);
  // Requests to the node holding the channel.
  HttpResult Pinned(absl::string_view method, absl::string_view path, absl::string_view body);
  void EnsureSubscriptions(bool new_channel);
  bool Wait(absl::Duration d);

  BridgeConfig config_;
  std::unique_ptr<v1::Associations::Stub> stub_;
  const IdMapper* ids_;
  ProgressStore* store_;
  BridgeMetrics* metrics_;
  XsiClient client_;
  adapters::CallPolicy policy_;
  adapters::CallCanceller canceller_;
  DocSplitter splitter_;

  std::thread channel_thread_, control_thread_, worker_thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> abort_stream_{false};

  std::mutex mu_;
  std::condition_variable cv_;
  // Channel state (mu_).
  bool up_ = false;
  std::string channel_id_;
  int channel_expires_ = 0;
  absl::Time channel_refresh_at_;
  uint64_t generation_ = 0;
  std::string pin_ip_;
  long pin_port_ = 0;
  int64_t opens_ = 0;
  std::vector<Sub> subs_;
  std::vector<std::string> group_sub_ids_;
  bool resubscribe_ = false;
  std::deque<Work> queue_;
};

}  // namespace hotdesk::xsp
