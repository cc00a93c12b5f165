#pragma once
/// What the assistant sends its backend (issue #21): the system prompt and the room's recent
/// messages as turns. Pure functions, unit-tested directly.

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "ai/backend.hpp"
#include "storage/chat_store.hpp"

namespace chat::actors {

/// One message of the room as context: its author and text.
struct context_message {
  std::string from;
  std::string text;
};

/// The history rows of a room (newest first, as messages_before reads them) as context, oldest
/// first: deleted messages, replies still streaming and empty texts left out; at most `limit`.
std::vector<context_message> context_messages(const std::vector<storage::stored_message>& rows, std::size_t limit);

/// The default system prompt: `{name}` and `{room}` are replaced (see build_request).
extern const char kDefaultSystemPrompt[];

/// Everything build_request needs besides the messages.
struct context_params {
  std::string system_prompt;  ///< with `{name}` and `{room}` placeholders; empty: kDefaultSystemPrompt
  std::string bot_id;
  std::string bot_name;
  std::string room_id;
  std::string user_id;        ///< who triggered the reply
  std::string text;           ///< the triggering message
};

/// The request: the system prompt (`{name}` = the bot's name, `{room}` = "a direct message with
/// <username>", "the General channel" or "a channel"), then one turn per message: the bot's own as
/// `assistant`, everyone else's as `user`, in rooms other than DMs prefixed "<username>: "
/// (`names`: user id → username; an unknown author is "user <id>").
ai::request build_request(const context_params& p, const std::vector<context_message>& messages,
                          const std::map<std::string, std::string>& names);

} // namespace chat::actors
