#include "storage/mentions.hpp"

namespace chat::storage {

namespace {

constexpr std::size_t max_name = 32;

bool name_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-';
}

char lower(char c) noexcept {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

/// True when `names` (space-separated) holds `name`.
bool listed(std::string_view names, std::string_view name) noexcept {
  while (!names.empty()) {
    auto sp = names.find(' ');
    if (names.substr(0, sp) == name)
      return true;
    if (sp == std::string_view::npos)
      break;
    names.remove_prefix(sp + 1);
  }
  return false;
}

} // namespace

std::string mention_candidates(std::string_view text) {
  std::string out;
  std::size_t count = 0;
  std::size_t at = text.find('@');
  while (at != std::string_view::npos && count < max_mention_names) {
    bool starts = at == 0 || (!name_char(text[at - 1]) && text[at - 1] != '@' && text[at - 1] != '+');
    std::size_t end = at + 1;
    while (end < text.size() && name_char(text[end]))
      ++end;
    auto name = text.substr(at + 1, end - at - 1);
    while (!name.empty() && (name.back() == '.' || name.back() == '-'))
      name.remove_suffix(1);
    if (starts && name.size() >= 2 && name.size() <= max_name) {
      std::string lowered;
      lowered.reserve(name.size());
      for (char c : name)
        lowered.push_back(lower(c));
      if (!listed(out, lowered)) {
        if (!out.empty())
          out.push_back(' ');
        out += lowered;
        ++count;
      }
    }
    at = text.find('@', end > at + 1 ? end : at + 1);
  }
  return out;
}

} // namespace chat::storage
