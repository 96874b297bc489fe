#include "adapters/csta/monitors.h"

#include "absl/strings/numbers.h"

namespace hotdesk::csta {

std::string Monitors::Add(const std::shared_ptr<ClientSink>& client, const std::string& device) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& mine = by_client_[client->id()];
  if (mine.size() >= max_per_client_) return "";
  uint64_t id = next_++;
  by_id_[id] = Entry{client, client->id(), device};
  by_device_[device].insert(id);
  mine.insert(id);
  return std::to_string(id);
}

bool Monitors::Remove(uint64_t client_id, const std::string& cross_ref_id) {
  uint64_t id;
  if (!absl::SimpleAtoi(cross_ref_id, &id)) return false;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = by_id_.find(id);
  if (it == by_id_.end() || it->second.client_id != client_id) return false;
  auto dev = by_device_.find(it->second.device);
  if (dev != by_device_.end()) {
    dev->second.erase(id);
    if (dev->second.empty()) by_device_.erase(dev);
  }
  by_client_[client_id].erase(id);
  by_id_.erase(it);
  return true;
}

void Monitors::RemoveClient(uint64_t client_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto c = by_client_.find(client_id);
  if (c == by_client_.end()) return;
  for (uint64_t id : c->second) {
    auto it = by_id_.find(id);
    if (it == by_id_.end()) continue;
    auto dev = by_device_.find(it->second.device);
    if (dev != by_device_.end()) {
      dev->second.erase(id);
      if (dev->second.empty()) by_device_.erase(dev);
    }
    by_id_.erase(it);
  }
  by_client_.erase(c);
}

std::vector<MonitorTarget> Monitors::ForDevices(const std::vector<std::string>& devices) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::set<uint64_t> ids;
  for (const auto& d : devices) {
    auto it = by_device_.find(d);
    if (it != by_device_.end()) ids.insert(it->second.begin(), it->second.end());
  }
  std::vector<MonitorTarget> out;
  for (uint64_t id : ids) {
    const Entry& e = by_id_.at(id);
    if (auto c = e.client.lock()) out.push_back({c, std::to_string(id), e.device});
  }
  return out;
}

size_t Monitors::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return by_id_.size();
}

}  // namespace hotdesk::csta
