#include "storage/key_schema.hpp"

namespace chat::storage {

namespace {

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

/// Numeric "less than" of two valid user ids (no leading zeros, so length decides first).
bool numeric_less(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size())
    return a.size() < b.size();
  return a < b;
}

} // namespace

bool is_valid_user_id(std::string_view id) noexcept {
  if (id.empty() || id.size() > 18 || id.front() == '0')
    return false;
  for (char c : id)
    if (!is_digit(c))
      return false;
  return true;
}

std::optional<std::string> dm_room_id(std::string_view a, std::string_view b) {
  if (!is_valid_user_id(a) || !is_valid_user_id(b) || a == b)
    return std::nullopt;
  if (numeric_less(b, a))
    std::swap(a, b);
  std::string out;
  out.reserve(a.size() + b.size() + 1);
  out.append(a).append(":").append(b);
  return out;
}

bool parse_dm_room_id(std::string_view room_id, std::string& a, std::string& b) {
  auto colon = room_id.find(':');
  if (colon == std::string_view::npos)
    return false;
  auto x = room_id.substr(0, colon);
  auto y = room_id.substr(colon + 1);
  if (!is_valid_user_id(x) || !is_valid_user_id(y) || !numeric_less(x, y))
    return false;
  a.assign(x);
  b.assign(y);
  return true;
}

std::optional<room_kind> classify_room_id(std::string_view room_id) {
  if (room_id == "0")
    return room_kind::general;
  std::string a;
  std::string b;
  if (parse_dm_room_id(room_id, a, b))
    return room_kind::direct;
  if (is_valid_user_id(room_id)) // same shape as a user id: 1–18 digits, no leading zero
    return room_kind::channel;
  return std::nullopt;
}

bool is_valid_new_username(std::string_view name) noexcept {
  if (name.size() < 2 || name.size() > 32)
    return false;
  for (char c : name) {
    bool ok = is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '.'
              || c == '-';
    if (!ok)
      return false;
  }
  return true;
}

bool is_valid_channel_name(std::string_view name) noexcept {
  if (name.empty() || name.size() > 64 * 4 || name.front() == ' ' || name.back() == ' ')
    return false;
  std::size_t chars = 0;
  for (char c : name) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f)
      return false;
    if ((u & 0xC0) != 0x80) // count lead bytes: code points of (already validated) UTF-8
      ++chars;
  }
  return chars <= 64;
}

std::string to_lower_ascii(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z')
      c = static_cast<char>(c - 'A' + 'a');
  return out;
}

namespace keys {

namespace {
std::string cat(std::string_view a, std::string_view b, std::string_view c = {}) {
  std::string out;
  out.reserve(a.size() + b.size() + c.size());
  out.append(a).append(b).append(c);
  return out;
}
} // namespace

std::string user(std::string_view id) { return cat("user:", id); }
std::string user_rooms(std::string_view id) { return cat("user:", id, ":rooms"); }
std::string room(std::string_view room_id) { return cat("room:", room_id); }
std::string room_last_id(std::string_view room_id) { return cat("chat:room:", room_id, ":last_id"); }
std::string room_events(std::string_view room_id) { return cat("chat:room:", room_id, ":events"); }
std::string room_deleted(std::string_view room_id) { return cat("chat:room:", room_id, ":deleted"); }
std::string room_horizon(std::string_view room_id) { return cat("chat:room:", room_id, ":horizon"); }
std::string room_thread(std::string_view room_id, std::int64_t parent_id) {
  return cat("chat:room:", room_id, ":thread:") + std::to_string(parent_id);
}
std::string user_read(std::string_view user_id) { return cat("chat:user:", user_id, ":read"); }
std::string session(std::string_view token_hash) { return cat("chat:session:", token_hash); }
std::string rate_limit(std::string_view key) { return cat("chat:ratelimit:", key); }
std::string room_channel(std::string_view room_id) { return cat("chat:room:", room_id); }
std::string file(std::string_view id) { return cat("chat:file:", id); }
std::string file_data(std::string_view id) { return cat("chat:file:", id, ":data"); }
std::string user_uploads(std::string_view user_id, std::string_view yyyymmdd) {
  return cat(cat("chat:user:", user_id, ":uploads:"), yyyymmdd);
}

} // namespace keys

} // namespace chat::storage
