#pragma once
/// Message JSON: escaping text into JSON fragments once (for the send_message script), and
/// normalising stored rows (ours and the tutorial's) into one shape:
/// `{"id":<int>,"roomId":"…","from":"…","date":<int seconds>,"message":"…"}`, plus `"edited":<unix ms>`
/// for an edited message, or the tombstone `{"id","roomId","from","date","deleted":true}`.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "storage/chat_store.hpp"

namespace chat::storage {

/// Appends `text` as a JSON string literal: quotes included; `"`, `\`, control characters and DEL
/// escaped (`\n`, `\u001f`, …); every other byte copied, so valid UTF-8 stays valid UTF-8 and `/`
/// and non-ASCII stay as they are. The one escaper of the node (API bodies, events, the message
/// JSON the send_message script stores).
void append_json_string(std::string& out, std::string_view text);

/// A quoted, escaped JSON string literal of `text` (append_json_string). `text` must be valid UTF-8
/// (callers validate).
std::string json_string(std::string_view text);

/// The marks of an assistant reply (issue #21): `"streaming":bool` on every reply of the bot,
/// `"stopped":true` on one that was stopped, `"error":"<code>"` on one that failed.
struct reply_marks {
  bool streaming = false;
  bool stopped = false;
  std::string error;
};

/// The message JSON exactly as the send_message Lua script builds it from json_string() fragments;
/// `extra_fields`, members that follow the text, each with its leading comma (`,"mentions":["3"]`);
/// with `edited` > 0 as the edit_message script rewrites it (`,"edited":<edited>` last); with
/// `reply`, an assistant reply (`,"streaming":…[,"stopped":true][,"error":"…"]` last).
std::string build_message_json(std::int64_t id, std::string_view room_id, std::string_view from,
                               std::int64_t date, std::string_view text, std::int64_t edited = 0,
                               const reply_marks* reply = nullptr, std::string_view extra_fields = {});

/// A deleted message's tombstone as the delete_message script stores it:
/// `{"id":…,"roomId":"…","from":"…","date":…,"deleted":true}`; `extra_fields` (each with its leading
/// comma) go before "deleted" (a thread's `parentId`, or a parent's `replies`/`lastReplyAt`).
std::string build_tombstone_json(std::int64_t id, std::string_view room_id, std::string_view from,
                                 std::int64_t date, std::string_view extra_fields = {});

/// Parses a sorted-set score as Redis prints it ("1700000000123", "1615480369", "1.5e9").
bool parse_score(std::string_view text, double& out) noexcept;

/// Normalises one stored row with sorted-set score `score`. Rows without "id" (tutorial) get the
/// score as id; a numeric "from" becomes a string; a float "date" is floored; a missing "date" is
/// derived from the score; a missing "roomId" becomes `room_id`. An integer "edited" (unix ms) is
/// kept; a row with `"deleted":true` is a tombstone and keeps no text. An assistant reply keeps its
/// `streaming`, `stopped` and `error` (reply_marks). `mentions` (user id strings) is kept when well
/// formed, and the thread fields `parentId` (a reply) and `replies`/`lastReplyAt` (a parent; also on
/// its tombstone), and `reactions` (an object of emoji to arrays of user ids, as react_message stores them;
/// entries of other shapes left out, the field omitted when empty), and `attachments` / `location`
/// (issue #24: message_media.hpp append_media_fields). Unknown fields are dropped.
/// std::nullopt when the row is not a JSON object or a field has an impossible type.
std::optional<stored_message> normalise_message(std::string_view raw, double score,
                                                std::string_view room_id);

} // namespace chat::storage
