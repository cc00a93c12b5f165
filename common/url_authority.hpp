#pragma once
/// The authority part of the URLs the node is configured with (`redis://…`, `http(s)://…`): host
/// and port, shared by storage/redis_url and ai/http_url. User info is the caller's business
/// (Redis takes a password there, HTTP backends refuse it) and is cut off before.

#include <cstdint>
#include <string>
#include <string_view>

namespace chat {

/// An authority split into its parts (views into the parsed text).
struct url_authority {
  std::string_view host; ///< a name, an IPv4 address, or an IPv6 address without its brackets
  std::string_view port; ///< the port's text; empty when none was given
  bool ipv6 = false;     ///< the host was written `[…]`
};

/// Splits `authority` (`name`, `name:port`, `[v6]`, `[v6]:port`) into `out`. False with `error` set
/// (a short phrase that never repeats the text) on an empty host, an empty port after `:`, an
/// unterminated `[`, characters after `]` other than `:port`, an IPv6 host with other characters
/// than hex digits, `:` and `.`, or a name with other characters than A-Z a-z 0-9 `-` `.` `_`.
/// The port text is not checked here: see parse_port().
bool split_url_authority(std::string_view authority, url_authority& out, std::string& error);

/// Parses a TCP port, 1..65535, decimal digits only.
bool parse_port(std::string_view text, std::uint16_t& out) noexcept;

} // namespace chat
