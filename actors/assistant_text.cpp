#include "actors/assistant_text.hpp"

#include "common/text.hpp"
#include "storage/message_json.hpp"

namespace chat::actors {

namespace {

/// Bytes of the sequence a lead byte starts (0: not a lead byte).
std::size_t sequence_length(unsigned char b) noexcept {
  if (b < 0x80)
    return 1;
  if (b >= 0xC2 && b <= 0xDF)
    return 2;
  if (b >= 0xE0 && b <= 0xEF)
    return 3;
  if (b >= 0xF0 && b <= 0xF4)
    return 4;
  return 0;
}

bool continuation(unsigned char b) noexcept { return (b & 0xC0) == 0x80; }

} // namespace

std::size_t complete_utf8_prefix(std::string_view s) noexcept {
  std::size_t n = s.size();
  std::size_t back = 0;
  while (back < 3 && back < n && continuation(static_cast<unsigned char>(s[n - 1 - back])))
    ++back;
  if (back == n)
    return n; // only continuation bytes: nothing to wait for (valid_utf8 replaces them)
  std::size_t lead = n - 1 - back;
  std::size_t want = sequence_length(static_cast<unsigned char>(s[lead]));
  if (want > back + 1)
    return lead; // its continuation bytes are still to come
  return n;
}

std::string valid_utf8(std::string_view s) {
  if (utf8_length(s))
    return std::string{s};
  std::string out;
  out.reserve(s.size() + 8);
  for (std::size_t i = 0; i < s.size();) {
    std::size_t len = sequence_length(static_cast<unsigned char>(s[i]));
    bool ok = len > 0 && i + len <= s.size();
    for (std::size_t k = 1; ok && k < len; ++k)
      ok = continuation(static_cast<unsigned char>(s[i + k]));
    if (ok && utf8_length(s.substr(i, len))) {
      out.append(s.data() + i, len);
      i += len;
    } else {
      out.append("\xEF\xBF\xBD");
      ++i;
    }
  }
  return out;
}

std::int64_t code_points(std::string_view s) noexcept {
  std::int64_t n = 0;
  for (char c : s)
    if (!continuation(static_cast<unsigned char>(c)))
      ++n;
  return n;
}

std::string delta_data_json(std::string_view room_id, std::int64_t id, std::int64_t offset, std::string_view text) {
  std::string out = "{\"roomId\":";
  out.reserve(64 + room_id.size() + text.size());
  storage::append_json_string(out, room_id);
  out.append(",\"id\":").append(std::to_string(id));
  out.append(",\"offset\":").append(std::to_string(offset));
  out.append(",\"text\":");
  storage::append_json_string(out, text);
  out.push_back('}');
  return out;
}

std::string trigger_error_json(std::string_view code, std::string_view message, std::string_view room_id,
                               std::int64_t id, std::int64_t retry_after) {
  std::string out = "{\"code\":";
  storage::append_json_string(out, code);
  out.append(",\"message\":");
  storage::append_json_string(out, message);
  out.append(",\"roomId\":");
  storage::append_json_string(out, room_id);
  out.append(",\"id\":").append(std::to_string(id));
  if (retry_after > 0)
    out.append(",\"retryAfter\":").append(std::to_string(retry_after));
  out.push_back('}');
  return out;
}

} // namespace chat::actors
