#pragma once
/// Parsing of the backends' `http://` and `https://` URLs (`--ai-url`, `--ai-webhook-url`).

#include <cstdint>
#include <string>
#include <string_view>

namespace chat::ai {

/// Where a backend's requests go.
struct http_url {
  bool tls = false;          ///< https
  std::string host;          ///< name, IPv4 or IPv6 address (without brackets)
  std::uint16_t port = 80;   ///< 80 / 443 unless given
  std::string target = "/";  ///< path and query, never empty (may carry a secret: never log it)
};

/// Parses `url` into `out`. On failure returns false and sets `error` to a short reason that
/// never repeats the URL's path or query (an n8n webhook path is itself a secret).
/// Accepted: scheme `http` or `https` (case-insensitive), host name, IPv4 or `[IPv6]`, optional
/// port 1..65535, optional path and query; a fragment is dropped. Credentials in the URL
/// (`user:pass@`) are refused: keys go through the api key option.
bool parse_http_url(std::string_view url, http_url& out, std::string& error);

/// `http(s)://host:port` for logs and error details (no path, no query).
std::string describe(const http_url& url);

/// The Host header's value: `host`, `[v6]`, plus `:port` when not the scheme's default.
std::string host_header(const http_url& url);

/// `url` with `suffix` appended to its path (before the query): `/v1` + `/chat/completions`
/// gives `/v1/chat/completions`; a trailing slash of the path is not doubled.
http_url with_path_suffix(const http_url& url, std::string_view suffix);

} // namespace chat::ai
