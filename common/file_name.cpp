#include "common/file_name.hpp"

#include "common/text.hpp"

namespace chat {

bool is_valid_file_name(std::string_view name) noexcept {
  if (name.empty() || name.size() > 255 || name == "." || name == ".." || !utf8_length(name))
    return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const auto c = static_cast<unsigned char>(name[i]);
    if (c < 0x20 || c == 0x7F || c == '/' || c == '\\')
      return false;
    // C1 controls U+0080–U+009F are encoded C2 80 – C2 9F (the UTF-8 is valid here).
    if (c == 0xC2 && i + 1 < name.size() && static_cast<unsigned char>(name[i + 1]) <= 0x9F)
      return false;
  }
  return true;
}

std::string percent_encode_unreserved(std::string_view text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                            c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 0xF]);
    }
  }
  return out;
}

} // namespace chat
