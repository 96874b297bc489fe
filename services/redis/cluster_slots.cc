#include "services/redis/cluster_slots.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/common/host_port.h"

namespace hotdesk {
namespace {

uint16_t Crc16(absl::string_view s) {
  // CRC16-CCITT (XMODEM): polynomial 0x1021, initial value 0, no reflection.
  uint16_t crc = 0;
  for (unsigned char c : s) {
    crc ^= static_cast<uint16_t>(c) << 8;
    for (int i = 0; i < 8; ++i) crc = (crc & 0x8000) ? (crc << 1) ^ 0x1021 : crc << 1;
  }
  return crc;
}

std::string Str(const redisReply* r) {
  if (r == nullptr || (r->type != REDIS_REPLY_STRING && r->type != REDIS_REPLY_STATUS)) return "";
  return std::string(r->str, r->len);
}

}  // namespace

std::string RedisNodeAddr::ToString() const {
  if (host.find(':') != std::string::npos) return absl::StrCat("[", host, "]:", port);
  return absl::StrCat(host, ":", port);
}

int HashSlot(absl::string_view key) {
  size_t open = key.find('{');
  if (open != absl::string_view::npos) {
    size_t close = key.find('}', open + 1);
    if (close != absl::string_view::npos && close > open + 1)
      key = key.substr(open + 1, close - open - 1);
  }
  return Crc16(key) % kClusterSlots;
}

absl::StatusOr<SlotMap> SlotMap::FromClusterSlots(const redisReply* reply,
                                                  const std::string& asked) {
  if (reply == nullptr || reply->type != REDIS_REPLY_ARRAY)
    return absl::InternalError("CLUSTER SLOTS: expected an array");
  SlotMap map;
  for (size_t i = 0; i < reply->elements; ++i) {
    const redisReply* range = reply->element[i];
    if (range->type != REDIS_REPLY_ARRAY || range->elements < 3 ||
        range->element[0]->type != REDIS_REPLY_INTEGER ||
        range->element[1]->type != REDIS_REPLY_INTEGER ||
        range->element[2]->type != REDIS_REPLY_ARRAY || range->element[2]->elements < 2 ||
        range->element[2]->element[1]->type != REDIS_REPLY_INTEGER)
      return absl::InternalError("CLUSTER SLOTS: malformed range");
    long long lo = range->element[0]->integer, hi = range->element[1]->integer;
    if (lo < 0 || hi >= kClusterSlots || lo > hi)
      return absl::InternalError("CLUSTER SLOTS: slot out of range");
    RedisNodeAddr node{Str(range->element[2]->element[0]),
                       static_cast<int>(range->element[2]->element[1]->integer)};
    if (node.host.empty() || node.host == "?") node.host = asked;
    if (node.port <= 0 || node.port > 65535)
      return absl::InternalError("CLUSTER SLOTS: bad port");
    for (long long s = lo; s <= hi; ++s) map.Assign(static_cast<int>(s), node);
  }
  return map;
}

const RedisNodeAddr* SlotMap::Primary(int slot) const {
  if (slot < 0 || slot >= kClusterSlots || owner_[slot] == 0) return nullptr;
  return &nodes_[owner_[slot] - 1];
}

void SlotMap::Assign(int slot, const RedisNodeAddr& node) {
  if (slot < 0 || slot >= kClusterSlots) return;
  auto it = std::find(nodes_.begin(), nodes_.end(), node);
  if (it == nodes_.end()) it = nodes_.insert(nodes_.end(), node);
  owner_[slot] = static_cast<int16_t>(it - nodes_.begin() + 1);
}

bool SlotMap::Complete() const {
  return std::all_of(owner_.begin(), owner_.end(), [](int16_t o) { return o != 0; });
}

std::vector<RedisNodeAddr> SlotMap::Primaries() const {
  std::vector<bool> used(nodes_.size());
  for (int16_t o : owner_)
    if (o != 0) used[o - 1] = true;
  std::vector<RedisNodeAddr> out;
  for (size_t i = 0; i < nodes_.size(); ++i)
    if (used[i]) out.push_back(nodes_[i]);
  std::sort(out.begin(), out.end());
  return out;
}

std::optional<RedisNodeAddr> ParseNodeAddr(absl::string_view text) {
  auto hp = SplitHostPort(text);
  if (!hp.ok()) return std::nullopt;
  return RedisNodeAddr{hp->host, hp->port};
}

std::optional<Redirect> ParseRedirect(absl::string_view error) {
  std::vector<absl::string_view> parts = absl::StrSplit(error, ' ', absl::SkipEmpty());
  if (parts.size() != 3) return std::nullopt;
  Redirect r;
  if (parts[0] == "MOVED") {
    r.kind = Redirect::kMoved;
  } else if (parts[0] == "ASK") {
    r.kind = Redirect::kAsk;
  } else {
    return std::nullopt;
  }
  if (!absl::SimpleAtoi(parts[1], &r.slot) || r.slot < 0 || r.slot >= kClusterSlots)
    return std::nullopt;
  // A node that does not know its own address answers ":<port>"; the caller substitutes the
  // host it asked.
  absl::string_view addr = parts[2];
  if (!addr.empty() && addr.front() == ':') {
    if (!absl::SimpleAtoi(addr.substr(1), &r.to.port) || r.to.port <= 0 || r.to.port > 65535)
      return std::nullopt;
    return r;
  }
  auto to = ParseNodeAddr(addr);
  if (!to) return std::nullopt;
  r.to = *to;
  return r;
}

}  // namespace hotdesk
