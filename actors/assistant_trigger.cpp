#include "actors/assistant_trigger.hpp"

#include <cstring>

namespace chat::actors {

namespace {

bool name_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

char lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool starts_with_ci(std::string_view text, std::size_t at, std::string_view name) noexcept {
  if (text.size() - at < name.size())
    return false;
  for (std::size_t i = 0; i < name.size(); ++i)
    if (lower(text[at + i]) != lower(name[i]))
      return false;
  return true;
}

} // namespace

bool mentions(std::string_view text, std::string_view name) noexcept {
  if (name.empty())
    return false;
  std::size_t from = 0;
  while (from < text.size()) {
    const void* hit = std::memchr(text.data() + from, '@', text.size() - from);
    if (hit == nullptr)
      return false;
    std::size_t at = static_cast<std::size_t>(static_cast<const char*>(hit) - text.data());
    from = at + 1;
    bool boundary_before = at == 0 || (!name_char(text[at - 1]) && text[at - 1] != '.' && text[at - 1] != '-');
    if (!boundary_before || !starts_with_ci(text, at + 1, name))
      continue;
    std::size_t end = at + 1 + name.size();
    if (end == text.size())
      return true;
    char next = text[end];
    if (name_char(next))
      continue;
    if ((next == '.' || next == '-') && end + 1 < text.size() && name_char(text[end + 1]))
      continue;
    return true;
  }
  return false;
}

bool dm_of(std::string_view room_id, std::string_view user_id) noexcept {
  auto colon = room_id.find(':');
  if (colon == std::string_view::npos || user_id.empty())
    return false;
  return room_id.substr(0, colon) == user_id || room_id.substr(colon + 1) == user_id;
}

void assistant_trigger::set_bot(std::string id, std::string name) {
  if (claimed_.exchange(true))
    return;
  bot_id_ = std::move(id);
  bot_name_ = std::move(name);
  ready_.store(true, std::memory_order_release);
}

const std::string& assistant_trigger::bot_id() const noexcept {
  static const std::string none;
  return ready() ? bot_id_ : none;
}

bool assistant_trigger::matches(std::string_view room_id, std::string_view text) const noexcept {
  if (!ready())
    return false;
  return dm_of(room_id, bot_id_) || mentions(text, bot_name_);
}

} // namespace chat::actors
