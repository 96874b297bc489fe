#include "services/core/stream_id.h"
#include "absl/strings/string_view.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace hotdesk {

std::optional<StreamId> StreamId::Parse(absl::string_view text) {
  size_t dash = text.find('-');
  if (dash == absl::string_view::npos || dash == 0 || dash + 1 >= text.size()) return std::nullopt;
  for (char c : text.substr(0, dash))
    if (c < '0' || c > '9') return std::nullopt;
  for (char c : text.substr(dash + 1))
    if (c < '0' || c > '9') return std::nullopt;
  StreamId id;
  if (!absl::SimpleAtoi(text.substr(0, dash), &id.ms)) return std::nullopt;
  if (!absl::SimpleAtoi(text.substr(dash + 1), &id.seq)) return std::nullopt;
  return id;
}

std::string StreamId::ToString() const { return absl::StrCat(ms, "-", seq); }

}  // namespace hotdesk
