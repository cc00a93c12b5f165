#include "net/query.hpp"

#include "common/text.hpp"

namespace chat::net {

std::string percent_decode(std::string_view text, bool plus_as_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%' && i + 2 < text.size()) {
      int hi = hex_digit_value(text[i + 1]);
      int lo = hex_digit_value(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(plus_as_space && c == '+' ? ' ' : c);
  }
  return out;
}

std::pair<std::string_view, std::string_view> split_target(std::string_view target) {
  auto hash = target.find('#');
  if (hash != std::string_view::npos)
    target = target.substr(0, hash);
  auto q = target.find('?');
  if (q == std::string_view::npos)
    return {target, {}};
  return {target.substr(0, q), target.substr(q + 1)};
}

query_params parse_query(std::string_view query) {
  query_params out;
  while (!query.empty()) {
    auto amp = query.find('&');
    auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty())
      continue;
    auto eq = pair.find('=');
    auto key = percent_decode(pair.substr(0, eq), true);
    if (key.empty())
      continue;
    auto value = eq == std::string_view::npos ? std::string{} : percent_decode(pair.substr(eq + 1), true);
    out.emplace(std::move(key), std::move(value));
  }
  return out;
}

std::vector<std::string> query_values(const query_params& q, std::string_view key) {
  std::vector<std::string> out;
  auto [first, last] = q.equal_range(key);
  for (auto it = first; it != last; ++it)
    out.push_back(it->second);
  return out;
}

std::optional<std::int64_t> int_param(const query_params& q, std::string_view key, std::int64_t min,
                                      std::int64_t max, bool& bad) {
  auto it = q.find(key);
  if (it == q.end())
    return std::nullopt;
  auto v = parse_int64(it->second);
  if (!v || *v < min || *v > max) {
    bad = true;
    return std::nullopt;
  }
  return v;
}

} // namespace chat::net
