// Device monitors: monitorCrossRefID allocation and the device -> (client, crossRefID) index
// that event fan-out uses. Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace hotdesk::csta {

// What fan-out needs from a connected client.
class ClientSink {
 public:
  virtual ~ClientSink() = default;
  virtual uint64_t id() const = 0;
  // The CSTA namespace to write this client's events in.
  virtual std::string Namespace() const = 0;
  // Queues one complete frame for sending; never blocks on the socket.
  virtual void Enqueue(std::string frame) = 0;
};

struct MonitorTarget {
  std::shared_ptr<ClientSink> client;
  std::string cross_ref_id;
  std::string device;
};

class Monitors {
 public:
  explicit Monitors(size_t max_per_client) : max_per_client_(max_per_client) {}

  // Starts a monitor of `device` for `client`; returns its crossRefID, or "" when the client
  // already has the maximum number of monitors.
  std::string Add(const std::shared_ptr<ClientSink>& client, const std::string& device);
  // Stops a monitor the client owns; false when it does not own one with that id.
  bool Remove(uint64_t client_id, const std::string& cross_ref_id);
  // Drops every monitor of a client (connection closed).
  void RemoveClient(uint64_t client_id);
  // Monitors of any of the given devices (a client monitoring two of them appears twice, once
  // per crossRefID, as CSTA requires). Ordered by crossRefID.
  std::vector<MonitorTarget> ForDevices(const std::vector<std::string>& devices) const;
  size_t size() const;

 private:
  struct Entry {
    std::weak_ptr<ClientSink> client;
    uint64_t client_id;
    std::string device;
  };
  mutable std::mutex mu_;
  size_t max_per_client_;
  uint64_t next_ = 1;
  std::map<uint64_t, Entry> by_id_;                      // crossRefID -> monitor
  std::map<std::string, std::set<uint64_t>> by_device_;  // device -> crossRefIDs
  std::map<uint64_t, std::set<uint64_t>> by_client_;     // client -> crossRefIDs
};

}  // namespace hotdesk::csta
