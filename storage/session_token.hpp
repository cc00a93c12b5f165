#pragma once
/// Session tokens: 256 random bits from the kernel CSPRNG, hex encoded (64 characters).
/// Redis only ever sees the SHA-256 of a token, so a Redis dump does not yield live sessions.

#include <string>
#include <string_view>

namespace chat::storage {

/// A fresh random token (64 lower-case hex characters).
std::string new_session_token();

/// Lower-case hex SHA-256 of `token` (the key under which the session is stored).
std::string hash_session_token(std::string_view token);

/// True when `token` looks like a token we issue (64 hex characters); cheap pre-check before Redis.
bool is_well_formed_token(std::string_view token) noexcept;

} // namespace chat::storage
