#include "net/client_address.hpp"

#include <arpa/inet.h>

#include <cstring>

#include "common/text.hpp"

namespace chat::net {

namespace {

/// Hops examined at most: a longer chain of trusted proxies ends the walk at the last one checked.
constexpr std::size_t max_hops = 32;

constexpr std::uint8_t v4_mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

unsigned width(const ip_address& a) noexcept { return a.v4 ? 32 : 128; }

/// `text` without one pair of surrounding double quotes.
std::string_view unquote(std::string_view text) noexcept {
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"')
    return text.substr(1, text.size() - 2);
  return text;
}

/// 1-5 digits.
bool is_port(std::string_view s) noexcept {
  if (s.empty() || s.size() > 5)
    return false;
  for (char c : s)
    if (c < '0' || c > '9')
      return false;
  return true;
}

/// An address with an optional port: "192.0.2.1", "192.0.2.1:80", "2001:db8::1",
/// "[2001:db8::1]", "[2001:db8::1]:80".
forwarded_hop parse_node(std::string_view node) {
  node = trim_ascii(unquote(trim_ascii(node)));
  if (!node.empty() && node.front() == '[') {
    auto close = node.find(']');
    if (close == std::string_view::npos)
      return std::nullopt;
    auto rest = node.substr(close + 1);
    if (!rest.empty() && (rest.front() != ':' || !is_port(rest.substr(1))))
      return std::nullopt;
    auto a = parse_ip(node.substr(1, close - 1));
    if (a && a->v4)
      return std::nullopt; // "[192.0.2.1]" is not a valid node
    return a;
  }
  auto colon = node.find(':');
  if (colon != std::string_view::npos && node.find(':', colon + 1) == std::string_view::npos) {
    // IPv4 with a port (a bare IPv6 address has at least two colons).
    auto a = parse_ip(node.substr(0, colon));
    if (!a || !a->v4 || !is_port(node.substr(colon + 1)))
      return std::nullopt;
    return a;
  }
  return parse_ip(node);
}

/// Splits `value` at `sep` outside of quoted strings (backslash escapes inside quotes).
std::vector<std::string_view> split_outside_quotes(std::string_view value, char sep) {
  std::vector<std::string_view> out;
  bool quoted = false;
  std::size_t start = 0;
  for (std::size_t i = 0; i < value.size(); ++i) {
    char c = value[i];
    if (quoted && c == '\\') {
      ++i;
    } else if (c == '"') {
      quoted = !quoted;
    } else if (!quoted && c == sep) {
      out.push_back(value.substr(start, i - start));
      start = i + 1;
    }
  }
  out.push_back(value.substr(start));
  return out;
}

/// The `for=` node of one Forwarded element; std::nullopt when there is none or it is unusable.
forwarded_hop forwarded_for(std::string_view element) {
  forwarded_hop hop;
  bool seen = false;
  for (auto pair : split_outside_quotes(element, ';')) {
    pair = trim_ascii(pair);
    auto eq = pair.find('=');
    if (eq == std::string_view::npos || !iequals(trim_ascii(pair.substr(0, eq)), "for"))
      continue;
    if (seen)
      return std::nullopt; // two for= in one element: ambiguous
    seen = true;
    auto value = trim_ascii(pair.substr(eq + 1));
    std::string unescaped;
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      for (std::size_t i = 1; i + 1 < value.size(); ++i) {
        if (value[i] == '\\' && i + 2 < value.size())
          ++i;
        unescaped.push_back(value[i]);
      }
      value = unescaped;
    }
    // "unknown" and obfuscated identifiers ("_hidden") name no address.
    hop = parse_node(value);
  }
  return hop;
}

} // namespace

std::optional<ip_address> parse_ip(std::string_view text) {
  if (text.empty() || text.size() > 64)
    return std::nullopt;
  ip_address a;
  std::string s{text};
  if (s.find(':') == std::string::npos) {
    if (inet_pton(AF_INET, s.c_str(), a.bytes.data()) != 1)
      return std::nullopt;
    a.v4 = true;
    return a;
  }
  if (auto zone = s.find('%'); zone != std::string::npos)
    s.resize(zone);
  if (inet_pton(AF_INET6, s.c_str(), a.bytes.data()) != 1)
    return std::nullopt;
  if (std::memcmp(a.bytes.data(), v4_mapped_prefix, sizeof v4_mapped_prefix) == 0) {
    std::memmove(a.bytes.data(), a.bytes.data() + 12, 4);
    std::memset(a.bytes.data() + 4, 0, 12);
    a.v4 = true;
  }
  return a;
}

std::string to_string(const ip_address& a) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (inet_ntop(a.v4 ? AF_INET : AF_INET6, a.bytes.data(), buf, sizeof buf) == nullptr)
    return "unknown";
  return buf;
}

bool ip_network::contains(const ip_address& a) const noexcept {
  if (a.v4 != base.v4)
    return false;
  unsigned full = prefix / 8;
  if (std::memcmp(a.bytes.data(), base.bytes.data(), full) != 0)
    return false;
  unsigned rest = prefix % 8;
  if (rest == 0)
    return true;
  auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
  return (a.bytes[full] & mask) == base.bytes[full];
}

std::optional<ip_network> parse_network(std::string_view text, std::string& error) {
  auto slash = text.find('/');
  auto addr = parse_ip(text.substr(0, slash));
  if (!addr) {
    error = "\"" + std::string{text} + "\" is not an IPv4/IPv6 address or CIDR block";
    return std::nullopt;
  }
  ip_network n{*addr, width(*addr)};
  if (slash != std::string_view::npos) {
    auto digits = text.substr(slash + 1);
    auto bits = parse_int64(digits);
    if (!bits || digits.front() == '-' || *bits > static_cast<std::int64_t>(width(*addr))) {
      error = "\"" + std::string{text} + "\" has a prefix length outside 0.." + std::to_string(width(*addr));
      return std::nullopt;
    }
    n.prefix = static_cast<unsigned>(*bits);
  }
  ip_network masked{ip_address{{}, addr->v4}, n.prefix};
  for (unsigned i = 0; i < 16; ++i) {
    unsigned bit = i * 8;
    if (bit + 8 <= n.prefix)
      masked.base.bytes[i] = addr->bytes[i];
    else if (bit < n.prefix)
      masked.base.bytes[i] = static_cast<std::uint8_t>(addr->bytes[i] & (0xff << (8 - (n.prefix - bit))));
  }
  if (!(masked.base == *addr)) {
    error = "\"" + std::string{text} + "\" has host bits set (did you mean " + to_string(masked.base) + "/" +
            std::to_string(n.prefix) + "?)";
    return std::nullopt;
  }
  return n;
}

std::optional<trusted_proxies> trusted_proxies::parse(const std::vector<std::string>& entries,
                                                       std::string& error) {
  trusted_proxies out;
  for (const auto& e : entries) {
    auto n = parse_network(trim_ascii(e), error);
    if (!n)
      return std::nullopt;
    out.networks_.push_back(*n);
  }
  return out;
}

bool trusted_proxies::contains(const ip_address& a) const noexcept {
  for (const auto& n : networks_)
    if (n.contains(a))
      return true;
  return false;
}

std::vector<forwarded_hop> x_forwarded_for_hops(std::string_view value) {
  std::vector<forwarded_hop> hops;
  for (auto entry : split_outside_quotes(value, ',')) {
    entry = trim_ascii(entry);
    if (!entry.empty())
      hops.push_back(parse_node(entry));
  }
  return hops;
}

std::vector<forwarded_hop> forwarded_hops(std::string_view value) {
  std::vector<forwarded_hop> hops;
  for (auto element : split_outside_quotes(value, ',')) {
    if (!trim_ascii(element).empty())
      hops.push_back(forwarded_for(element));
  }
  return hops;
}

std::string client_address(std::string_view peer, const forwarding_headers& headers,
                           const trusted_proxies& trusted) {
  auto current = parse_ip(peer);
  if (!current)
    return std::string{peer};
  if (trusted.empty() || !trusted.contains(*current))
    return to_string(*current);
  std::vector<forwarded_hop> hops;
  if (!headers.x_forwarded_for.empty()) {
    for (auto field : headers.x_forwarded_for)
      for (auto& h : x_forwarded_for_hops(field))
        hops.push_back(h);
  } else {
    for (auto field : headers.forwarded)
      for (auto& h : forwarded_hops(field))
        hops.push_back(h);
  }
  std::size_t walked = 0;
  for (auto it = hops.rbegin(); it != hops.rend() && walked < max_hops; ++it, ++walked) {
    if (!*it)
      break; // no usable address: the trusted hop to its right is as far as we can see
    current = **it;
    if (!trusted.contains(*current))
      break;
  }
  return to_string(*current);
}

std::string rate_limit_address(std::string_view address) {
  auto a = parse_ip(address);
  if (!a)
    return std::string{address};
  if (a->v4)
    return to_string(*a);
  std::memset(a->bytes.data() + 8, 0, 8);
  return to_string(*a) + "/64";
}

} // namespace chat::net
