// libFuzzer target: decoding of what the Redis store reads back (services/store/redis/
// record_codec.h): association records and stream entries shaped as Redis replies
// ([id, [field, value, ...]] of bulk strings). Invariants: no crash or sanitizer report; a
// decoded record keeps its host and tenant, and its limit and attributes survive
// EncodeRecordTail -> DecodeRecord unchanged; a decoded entry's cursor is its stream id.
#include <fuzzer/FuzzedDataProvider.h>
#include <google/protobuf/util/message_differencer.h>
#include <hiredis/hiredis.h>

#include <cstdint>
#include <cstdlib>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "services/store/redis/record_codec.h"

namespace {

using google::protobuf::util::MessageDifferencer;

void CheckRecord(const std::string& record) {
  auto a = hotdesk::DecodeRecord("acme", "h1", record, "5-1");
  if (!a.ok()) return;
  if (a->host() != "h1" || a->tenant() != "acme") std::abort();
  std::map<std::string, std::string> attrs(a->attributes().begin(), a->attributes().end());
  std::string tail = hotdesk::EncodeRecordTail(a->limit(), attrs);
  auto b = hotdesk::DecodeRecord("acme", "h1", "g\t1\t0\t1\t7-0\t" + tail);
  if (!b.ok()) std::abort();  // what we encode must decode
  if (!MessageDifferencer::Equals(a->limit(), b->limit())) std::abort();
  std::map<std::string, std::string> back(b->attributes().begin(), b->attributes().end());
  if (back != attrs) std::abort();
}

// A bulk-string reply node pointing into `storage`.
redisReply Bulk(std::string* storage) {
  redisReply r{};
  r.type = REDIS_REPLY_STRING;
  r.str = storage->data();
  r.len = storage->size();
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  if (in.ConsumeBool()) {
    CheckRecord(in.ConsumeRemainingBytesAsString());
    return 0;
  }
  // A stream entry: the id, then field/value pairs (mostly the store's own field names).
  static const char* kFields[] = {"t", "h", "a", "r", "s", "q", "p"};
  std::deque<std::string> strings;  // stable addresses for the reply nodes
  strings.push_back(in.ConsumeBool() ? "1700000000000-" + std::to_string(in.ConsumeIntegral<uint8_t>())
                                     : in.ConsumeRandomLengthString(32));
  size_t n = in.ConsumeIntegralInRange<size_t>(0, 15);
  for (size_t i = 0; i < n; ++i) {
    if (i % 2 == 0 && in.ConsumeBool())
      strings.push_back(kFields[in.ConsumeIntegralInRange<size_t>(0, 6)]);
    else
      strings.push_back(in.ConsumeRandomLengthString(256));
  }
  std::vector<redisReply> field_nodes;
  for (size_t i = 1; i < strings.size(); ++i) field_nodes.push_back(Bulk(&strings[i]));
  std::vector<redisReply*> field_ptrs;
  for (auto& f : field_nodes) field_ptrs.push_back(&f);
  redisReply fields{};
  fields.type = REDIS_REPLY_ARRAY;
  fields.elements = field_ptrs.size();
  fields.element = field_ptrs.data();
  redisReply id = Bulk(&strings[0]);
  redisReply* parts[] = {&id, &fields};
  redisReply entry{};
  entry.type = REDIS_REPLY_ARRAY;
  entry.elements = 2;
  entry.element = parts;

  auto ev = hotdesk::DecodeStreamEntry("acme", &entry);
  if (ev.ok() && (*ev)->cursor() != strings[0]) std::abort();
  for (size_t i = 1; i + 1 < strings.size(); i += 2)
    if (strings[i] == "a") CheckRecord(strings[i + 1]);
  return 0;
}
