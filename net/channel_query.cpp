#include "net/channel_query.hpp"

#include "common/text.hpp"
#include "net/json.hpp"
#include "net/json_views.hpp"
#include "storage/key_schema.hpp"

namespace chat::net {

namespace {
constexpr std::size_t max_prefix_chars = 64;
}

std::optional<channel_request> parse_channel_request(const query_params& q, std::string& why) {
  channel_request out;
  auto limit = q.find("limit");
  auto after = q.find("after");
  auto prefix = q.find("q");
  if (limit == q.end() && after == q.end() && prefix == q.end()) {
    out.legacy = true;
    out.page.limit = channel_legacy_limit;
    return out;
  }
  out.page.limit = channel_page_default;
  if (limit != q.end()) {
    auto v = parse_int64(limit->second);
    if (!v || *v < 1 || *v > channel_page_max) {
      why = "\"limit\" must be an integer in 1-100";
      return std::nullopt;
    }
    out.page.limit = *v;
  }
  if (after != q.end() && !after->second.empty()) {
    if (storage::classify_room_id(after->second) != storage::room_kind::channel) {
      why = "\"after\" must be the id of a channel (the \"next\" of the previous page)";
      return std::nullopt;
    }
    out.page.after = after->second;
  }
  if (prefix != q.end()) {
    auto text = trim_ascii(prefix->second);
    auto chars = utf8_length(text);
    bool control = false;
    for (char c : text)
      control = control || static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
    if (!chars || *chars > max_prefix_chars || control) {
      why = "\"q\" must be at most 64 characters of valid UTF-8 text";
      return std::nullopt;
    }
    out.page.prefix = std::string{text};
  }
  return out;
}

std::string channel_page_json(const storage::channel_page& page) {
  return "{\"channels\":" + channels_json(page.channels) +
         ",\"next\":" + (page.next.empty() ? std::string{"null"} : json_string(page.next)) + "}";
}

} // namespace chat::net
