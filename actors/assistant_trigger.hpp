#pragma once
/// assistant_trigger: which chat messages start a reply of the assistant (issue #21). Every message
/// in a DM with the bot, and every message that mentions it (`@<name>`, case-insensitive, not
/// followed by a name character). Asked by chat_service for every accepted message when the
/// assistant is configured: a DM check and a memchr for '@' unless the message names it.
/// Thread-safe: the bot's id is set once (when the bot user exists), then only read.

#include <atomic>
#include <string>
#include <string_view>

namespace chat::actors {

/// True when `text` mentions `@name` (ASCII case-insensitive): the '@' starts the text or follows a
/// character that is not a name character, and the name is not followed by a name character (a
/// letter, digit or `_`, or `.` / `-` followed by one: "@Assistant." mentions it, "@Assistant.bot"
/// is someone else).
bool mentions(std::string_view text, std::string_view name) noexcept;

/// True when `room_id` is the DM "a:b" of `user_id` with someone.
bool dm_of(std::string_view room_id, std::string_view user_id) noexcept;

class assistant_trigger {
public:
  /// `name`: the configured bot name (mentions use the bot's stored name once set_bot ran).
  explicit assistant_trigger(std::string name) : name_(std::move(name)) {}

  /// Sets the bot user (once; later calls are ignored). Thread-safe.
  void set_bot(std::string id, std::string name);

  /// True once the bot user is known.
  bool ready() const noexcept { return ready_.load(std::memory_order_acquire); }

  /// The bot's id ("" before ready()).
  const std::string& bot_id() const noexcept;

  /// The bot's name.
  const std::string& name() const noexcept { return ready() ? bot_name_ : name_; }

  /// True when a message of `text` in `room_id` starts a reply (false before ready()).
  bool matches(std::string_view room_id, std::string_view text) const noexcept;

private:
  std::string name_;
  std::string bot_id_;   ///< written once before ready_
  std::string bot_name_; ///< written once before ready_
  std::atomic<bool> ready_{false};
  std::atomic<bool> claimed_{false};
};

} // namespace chat::actors
