#pragma once
/// Conversions between Beast messages and the Beast-free api_request / api_response.
/// Private to the net library (Beast header): only the Beast TUs include it.

#include <string>
#include <string_view>

#include <boost/beast/http/message_generator.hpp>
#include <boost/beast/http/string_body.hpp>

#include "net/api_types.hpp"

namespace chat::net {

/// The api method for a Beast verb.
http_method to_method(boost::beast::http::verb v) noexcept;

/// Moves a parsed request into an api_request (target split and decoded, tokens extracted).
/// Copying variant, for requests the session keeps (a WebSocket upgrade needs the original).
api_request to_api_request(const boost::beast::http::request<boost::beast::http::string_body>& req,
                           const std::string& remote_address);

api_request to_api_request(boost::beast::http::request<boost::beast::http::string_body>&& req,
                           const std::string& remote_address);

/// Builds the wire response: framing, `Connection`, security headers (nosniff, Referrer-Policy,
/// CSP for HTML), the extra headers, and the body, or the file for static files. HEAD gets the
/// headers (with the body's Content-Length) only.
boost::beast::http::message_generator to_message(api_response&& res, http_method method,
                                                 unsigned version, bool keep_alive);

} // namespace chat::net
