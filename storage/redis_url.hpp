#pragma once
/// Parsing of `redis://[[user]:password@]host[:port][/db]` URLs (the `--redis-url` option).

#include <cstdint>
#include <string>
#include <string_view>

namespace chat::storage {

/// Where and how to connect to Redis.
struct redis_endpoint {
  std::string host = "127.0.0.1"; ///< host name or IP address (IPv6 without brackets)
  std::uint16_t port = 6379;      ///< TCP port (1..65535)
  std::string username;           ///< ACL user; empty = `AUTH <password>` only
  std::string password;           ///< empty = no AUTH
  int db = 0;                     ///< logical database 0..15 (SELECT)
};

/// Parses `url` into `out`. On failure returns false, leaves `out` unspecified and sets `error`
/// to a short human-readable reason (never containing the password).
/// Accepted: scheme `redis` (case-insensitive), optional `user:password@` or `:password@` or
/// `password@` (percent-decoded), host name, IPv4 or `[IPv6]`, optional port, optional `/db` (0..15).
bool parse_redis_url(std::string_view url, redis_endpoint& out, std::string& error);

/// The endpoint as `host:port/db` for logs (never includes credentials).
std::string describe(const redis_endpoint& ep);

} // namespace chat::storage
