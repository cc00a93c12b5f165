#pragma once
/// Session token transport: the `chat_session` cookie and `Authorization: Bearer`.

#include <chrono>
#include <string>
#include <string_view>

namespace chat::net {

/// Name of the session cookie.
inline constexpr std::string_view session_cookie_name = "chat_session";

/// Value of cookie `name` in a `Cookie` header (`a=1; chat_session=…`); empty when absent.
/// Surrounding double quotes are removed.
std::string_view cookie_value(std::string_view cookie_header, std::string_view name);

/// Token of an `Authorization` header of scheme Bearer (case-insensitive); empty otherwise.
std::string_view bearer_token(std::string_view authorization);

/// `Set-Cookie` value that stores `token` for `max_age`: HttpOnly, SameSite=Lax, Path=/ (+ Secure).
std::string session_cookie(std::string_view token, std::chrono::seconds max_age, bool secure);

/// `Set-Cookie` value that deletes the session cookie.
std::string clear_session_cookie(bool secure);

} // namespace chat::net
