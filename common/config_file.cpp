#include "common/config_file.hpp"

#include "common/text.hpp"

namespace chat {

config_file parse_config_file(std::string_view text) {
  config_file out;
  int n = 0;
  while (!text.empty()) {
    ++n;
    const auto newline = text.find('\n');
    const auto l = trim_ascii(text.substr(0, newline));
    text = newline == std::string_view::npos ? std::string_view{} : text.substr(newline + 1);
    if (l.empty() || l.front() == '#' || l.front() == ';')
      continue;
    const auto eq = l.find('=');
    if (eq == std::string_view::npos) {
      out.error_line = n;
      return out;
    }
    config_entry e;
    e.key.assign(trim_ascii(l.substr(0, eq)));
    for (auto& c : e.key)
      c = c == '_' ? '-' : c;
    auto value = trim_ascii(l.substr(eq + 1));
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front())
      value = value.substr(1, value.size() - 2);
    e.value.assign(value);
    e.line = n;
    out.entries.push_back(std::move(e));
  }
  return out;
}

} // namespace chat
