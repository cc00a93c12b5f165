#pragma once
/// @mentions in message text (issue #22): what the node passes to the send and edit scripts, which
/// resolve the names to user ids in the same atomic step as the write (storage/lua_fragments.hpp,
/// kMentions).

#include <cstddef>
#include <string>
#include <string_view>

namespace chat::storage {

/// Distinct names a message mentions, at most this many (more `@` tokens are ignored).
inline constexpr std::size_t max_mention_names = 20;

/// Every `@name` of `text`, lower-cased, distinct, separated by single spaces, in order of first
/// appearance; "" when there is none (the scripts then do nothing more than before).
/// A token starts at an `@` that begins the text or follows a character that cannot be part of a
/// username or an e-mail address's local part (so `a@b.c` mentions nobody), and takes the username
/// characters after it (letters, digits, `_`, `.`, `-`); trailing dots and dashes are dropped
/// (`@bob.` at the end of a sentence names `bob`). Tokens shorter than 2 or longer than 32 characters
/// (no username is) are skipped. `@here` yields "here": the room's online members.
std::string mention_candidates(std::string_view text);

} // namespace chat::storage
