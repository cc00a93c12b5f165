#include "app/options.hpp"

#include <cctype>
#include <limits>

namespace chat::app {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool parse_uint(std::string_view text, std::uint64_t& out) {
  if (text.empty() || text.size() > 20) return false;
  std::uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    const auto d = static_cast<std::uint64_t>(c - '0');
    if (v > (std::numeric_limits<std::uint64_t>::max() - d) / 10) return false;
    v = v * 10 + d;
  }
  out = v;
  return true;
}

std::string range_text(const option& o) {
  if (o.type == opt_type::duration)
    return format_duration(std::chrono::seconds{o.min}) + ".." +
           format_duration(std::chrono::seconds{o.max});
  return std::to_string(o.min) + ".." + std::to_string(o.max);
}

} // namespace

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string env_name(std::string_view option_name) {
  std::string out = "CHAT_";
  for (char c : option_name)
    out += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool parse_bool(std::string_view text, bool& out) {
  const auto t = lower(trim(text));
  if (t == "true" || t == "yes" || t == "on" || t == "1") {
    out = true;
    return true;
  }
  if (t == "false" || t == "no" || t == "off" || t == "0") {
    out = false;
    return true;
  }
  return false;
}

bool parse_duration(std::string_view text, std::chrono::seconds& out) {
  text = trim(text);
  if (text.empty()) return false;
  if (text == "off") { // (a duration that may be 0: its range decides)
    out = std::chrono::seconds{0};
    return true;
  }
  std::uint64_t plain = 0;
  if (parse_uint(text, plain)) {
    if (plain > 100ull * 365 * 86400) return false;
    out = std::chrono::seconds{static_cast<std::int64_t>(plain)};
    return true;
  }
  std::uint64_t total = 0;
  while (!text.empty()) {
    std::size_t n = 0;
    while (n < text.size() && text[n] >= '0' && text[n] <= '9') ++n;
    if (n == 0 || n == text.size()) return false;
    std::uint64_t amount = 0;
    if (!parse_uint(text.substr(0, n), amount)) return false;
    std::uint64_t unit = 0;
    switch (std::tolower(static_cast<unsigned char>(text[n]))) {
      case 's': unit = 1; break;
      case 'm': unit = 60; break;
      case 'h': unit = 3600; break;
      case 'd': unit = 86400; break;
      default: return false;
    }
    if (amount > 100ull * 365 * 86400 / unit) return false;
    total += amount * unit;
    if (total > 100ull * 365 * 86400) return false;
    text.remove_prefix(n + 1);
  }
  out = std::chrono::seconds{static_cast<std::int64_t>(total)};
  return true;
}

std::string format_duration(std::chrono::seconds d) {
  auto s = static_cast<std::uint64_t>(d.count() < 0 ? 0 : d.count());
  if (s == 0) return "0s";
  std::string out;
  const std::pair<std::uint64_t, char> units[] = {{86400, 'd'}, {3600, 'h'}, {60, 'm'}, {1, 's'}};
  for (const auto& [len, sym] : units) {
    if (s >= len) {
      out += std::to_string(s / len) + sym;
      s %= len;
    }
  }
  return out;
}

std::vector<std::string> split_list(std::string_view text) {
  std::vector<std::string> out;
  while (true) {
    const auto comma = text.find(',');
    const auto item = trim(text.substr(0, comma));
    if (!item.empty()) out.emplace_back(item);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

std::string accepted(const option& o) {
  switch (o.type) {
    case opt_type::uint: return "an integer in " + range_text(o);
    case opt_type::boolean: return "a boolean (true/false, yes/no, on/off, 1/0)";
    case opt_type::duration: return "a duration in " + range_text(o) + " (e.g. 30s, 5m, 2h, 14d)";
    case opt_type::choice: {
      std::string out = "one of ";
      for (std::size_t i = 0; i < o.choices.size(); ++i)
        out += (i ? ", " : "") + std::string(o.choices[i]);
      return out;
    }
    case opt_type::list: return "a comma-separated list";
    case opt_type::string: break;
  }
  return "text";
}

bool parse_value(const option& o, std::string_view text, opt_value& out, std::string& why) {
  out = opt_value{};
  switch (o.type) {
    case opt_type::string:
      out.text = std::string(text);
      break;
    case opt_type::uint: {
      std::uint64_t v = 0;
      if (!parse_uint(trim(text), v) || v < o.min || v > o.max) {
        why = "is not " + accepted(o);
        return false;
      }
      out.number = v;
      break;
    }
    case opt_type::boolean:
      if (!parse_bool(text, out.flag)) {
        why = "is not " + accepted(o);
        return false;
      }
      break;
    case opt_type::duration: {
      std::chrono::seconds d{0};
      if (!parse_duration(text, d) || static_cast<std::uint64_t>(d.count()) < o.min ||
          static_cast<std::uint64_t>(d.count()) > o.max) {
        why = "is not " + accepted(o);
        return false;
      }
      out.duration = d;
      break;
    }
    case opt_type::list:
      out.items = split_list(text);
      break;
    case opt_type::choice: {
      const auto t = lower(trim(text));
      bool found = false;
      for (auto c : o.choices) found = found || t == c;
      if (!found) {
        why = "is not " + accepted(o);
        return false;
      }
      out.text = t;
      break;
    }
  }
  if (o.validate && !o.validate(out, why)) return false;
  return true;
}

} // namespace chat::app
