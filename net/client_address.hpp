#pragma once
/// The client address of a request: the TCP peer, or, when the peer is a trusted proxy
/// (`--trusted-proxies`), the address its `X-Forwarded-For` / `Forwarded` header names.
/// Beast-free and Asio-free (inet_pton/inet_ntop), so it is unit-tested directly.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace chat::net {

/// An IPv4 or IPv6 address. An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is stored as IPv4, so a
/// dual-stack listener and IPv4 rules see the same address.
struct ip_address {
  std::array<std::uint8_t, 16> bytes{}; ///< network order; IPv4 uses the first 4 bytes
  bool v4 = false;                      ///< IPv4 (4 bytes) or IPv6 (16 bytes)

  friend bool operator==(const ip_address& a, const ip_address& b) noexcept {
    return a.v4 == b.v4 && a.bytes == b.bytes;
  }
};

/// Parses a bare address ("192.0.2.1", "2001:db8::1"; an IPv6 zone "%eth0" is ignored); no
/// brackets, no port. std::nullopt for anything else.
std::optional<ip_address> parse_ip(std::string_view text);

/// Canonical text of an address (inet_ntop: "192.0.2.1", "2001:db8::1").
std::string to_string(const ip_address& a);

/// A CIDR block.
struct ip_network {
  ip_address base;     ///< network address (host bits zero)
  unsigned prefix = 0; ///< 0..32 (IPv4) or 0..128 (IPv6)

  /// Whether `a` lies in this block (an IPv4 block never contains an IPv6 address and vice versa).
  bool contains(const ip_address& a) const noexcept;
};

/// Parses "10.0.0.0/8", "fd00::/8", or a single address ("10.1.2.3" = /32, "::1" = /128).
/// Host bits set ("10.0.0.1/8") are an error: `error` says what is wrong (and the block meant).
std::optional<ip_network> parse_network(std::string_view text, std::string& error);

/// The proxies whose forwarding headers are believed. Empty (the default): nobody.
class trusted_proxies {
public:
  trusted_proxies() = default;

  /// Parses a list of CIDR blocks or addresses; std::nullopt and `error` (naming the first bad
  /// entry) when one does not parse.
  static std::optional<trusted_proxies> parse(const std::vector<std::string>& entries, std::string& error);

  /// Whether no proxy is trusted.
  bool empty() const noexcept { return networks_.empty(); }
  /// Whether `a` is a trusted proxy.
  bool contains(const ip_address& a) const noexcept;

private:
  std::vector<ip_network> networks_;
};

/// One hop named by a forwarding header: its address, or std::nullopt when the header gives none
/// that can be used ("unknown", an obfuscated identifier, garbage).
using forwarded_hop = std::optional<ip_address>;

/// Hops of one `X-Forwarded-For` field value, left (farthest) to right (nearest). Entries may
/// carry a port ("192.0.2.1:4711", "[2001:db8::1]:4711"); empty entries are skipped.
std::vector<forwarded_hop> x_forwarded_for_hops(std::string_view value);

/// Hops of one RFC 7239 `Forwarded` field value: the `for=` parameter of each element (quoted
/// strings, bracketed IPv6 and ports understood; an element without a usable `for=` is a hop
/// without an address).
std::vector<forwarded_hop> forwarded_hops(std::string_view value);

/// The forwarding headers of a request, each field of a name in the order received.
struct forwarding_headers {
  std::vector<std::string_view> x_forwarded_for; ///< `X-Forwarded-For` fields
  std::vector<std::string_view> forwarded;       ///< `Forwarded` fields
};

/// The client address of a request that came from TCP peer `peer` (its address text). When the
/// peer is trusted, the hops of `X-Forwarded-For` (or, when there is none, of `Forwarded`) are
/// walked from the right while they are trusted: the first untrusted hop is the client (all
/// trusted: the leftmost). A hop without a usable address stops the walk at the trusted hop to its
/// right. An untrusted peer is the client, whatever its headers say.
std::string client_address(std::string_view peer, const forwarding_headers& headers,
                           const trusted_proxies& trusted);

/// The key a per-address limit counts under: an IPv4 address as is, an IPv6 address's /64 (one
/// subscriber usually holds a whole /64); other text unchanged.
std::string rate_limit_address(std::string_view address);

} // namespace chat::net
