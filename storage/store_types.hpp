#pragma once
/// The value types of chat_store (storage/chat_store.hpp): outcomes, users, rooms, messages, room
/// events, options. Plain data, no Redis.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace chat::storage {

/// Outcome of a store operation.
enum class errc {
  ok = 0,
  unavailable, ///< Redis is down or the command failed to reach it (HTTP 503)
  not_found,   ///< the user, room or session does not exist (HTTP 404 / 401)
  forbidden,   ///< the caller may not do this (HTTP 403)
  conflict,    ///< unique constraint: username or channel name taken (HTTP 409)
  invalid,     ///< the request breaks a rule the store checks (HTTP 400)
  internal,    ///< Redis answered something this code does not expect (HTTP 500, logged)
  overloaded,  ///< refused before reaching Redis, which is too far behind; retry soon (HTTP 503)
  rate_limited,         ///< a per-user limit over time (channel creations per hour) (HTTP 429)
  too_many_rooms,       ///< the user is in store_options::max_rooms_per_user rooms already (HTTP 403)
  too_many_connections, ///< the user holds its limit of live connections (HTTP 429)
  too_many_reactions,   ///< a message has its limit of distinct reactions (HTTP 409)
  muted,                ///< the user is muted there (issue #23); the end comes with the result (HTTP 403)
  archived,             ///< the channel is archived: read-only (issue #23) (HTTP 403)
  not_replicated,       ///< written, but WAIT saw fewer than --redis-min-replicas-acked replicas (HTTP 503)
};

/// Stable lower-case name of an errc ("unavailable", "not_found", …).
const char* to_string(errc e) noexcept;

/// A user as the API shows it. `role` is "user" or "admin".
struct user {
  std::string id;
  std::string username;
  std::string role;
};

/// A ban (issue #23): why, and until when (unix ms; 0 = until lifted).
struct ban_info {
  std::string reason;
  std::int64_t until = 0;
};

/// A user with the stored bcrypt hash, for login only.
struct user_credentials {
  user info;
  std::string password_hash;
  std::optional<ban_info> ban; ///< set while the user is banned
};

/// A moderation action (issue #23) as the audit log keeps it.
struct audit_entry {
  std::string id;   ///< its place in the log (a Redis stream id: "<ms>-<n>"), the paging cursor
  std::string json; ///< `{"ts","actor","actorName","action","target","targetName","reason"?,"until"?,"roomId"?}`
};

/// Who carries out a moderation action.
struct moderator {
  std::string id;
  std::string username;
  std::string role; ///< "admin" or "moderator"
};

/// A user as listed by /users and /users/online.
struct user_view {
  std::string id;
  std::string username;
  bool online = false;
  bool bot = false; ///< the assistant's bot user (role bot)
  std::string role; ///< "admin" or "user" where the query reads it (people queries), else ""
};

/// One page of GET /users/all; `next` is the cursor of the following page ("" = this was the last).
struct user_page {
  std::vector<user_view> users;
  std::string next;
};

/// One page of an admin table (GET /admin/users, GET /admin/rooms): each row already a JSON object,
/// `next` the cursor of the following page ("" = this was the last).
struct admin_page {
  std::vector<std::string> rows;
  std::string next;
};

/// A channel's settings (issue #23; `chat:room:{id}:meta`). Channels without settings are public,
/// without owner and not archived.
struct channel_settings {
  std::string name;
  std::string topic;
  std::string owner;         ///< the owner's user id ("" = none: only admins manage the channel)
  bool is_private = false;   ///< invisible in the public listing, joined by invitation only
  std::int64_t archived = 0; ///< unix ms when archived (read-only), 0 = not archived
};

/// A change of a channel's settings (PATCH /rooms/{id}): only the fields that are set change.
struct channel_patch {
  std::optional<std::string> name;  ///< already checked (is_valid_channel_name)
  std::optional<std::string> topic; ///< at most max_topic_chars characters ("" removes it)
  std::optional<bool> is_private;
  std::optional<bool> archived;
  std::optional<std::string> owner; ///< a member's user id
};

/// The members of a room (GET /room/{id}/members): at most a bounded number of rows, `count` in all.
/// In General everyone is a member (`everyone`): `count` is every user, the rows are online users.
struct member_list {
  std::vector<user_view> users;
  std::int64_t count = 0;
  bool everyone = false;
  std::optional<channel_settings> channel = std::nullopt; ///< a channel's settings
};

/// Kind of a room: "0" is General, "a:b" a direct message, anything else a channel.
enum class room_kind { general, direct, channel };

/// A room in a user's room list: tutorial shape `{id, names}`.
/// For a DM `names` holds both usernames, for channels and General the one name.
struct room_summary {
  std::string id;
  room_kind kind = room_kind::channel;
  std::vector<std::string> names;
  std::int64_t head = 0; ///< id of the room's newest message when listed (0: empty)
  std::int64_t last_read = 0; ///< the user's read marker (issue #22)
  std::int64_t unread = 0;    ///< messages after it
  std::int64_t mentions = 0;  ///< of those, the ones that @mention the user
  std::int64_t peer_read = 0; ///< a DM: how far the other participant has read it
  bool muted = false;         ///< the user muted the room (no notifications; issue #22)
  std::optional<channel_settings> channel = std::nullopt; ///< a channel's settings (issue #23)
};

/// A public channel as listed by GET /rooms/public.
struct channel_info {
  std::string id;
  std::string name;
  std::int64_t members = 0;
  bool joined = false;
  bool is_private = false;  ///< (create_channel's answer)
  std::string topic = {};   ///< (create_channel's answer)
  /// create_channel refused with errc::rate_limited: seconds until the user may create one again.
  std::int64_t retry_after = 0;
};

/// Which public channels a GET /rooms/public asks for: in order of lower-cased name, then id.
struct channel_page_query {
  std::int64_t limit = 50;  ///< rows (1..1000)
  std::string after;        ///< id of the last channel of the previous page ("" = from the start)
  std::string prefix;       ///< only names starting with it, case-insensitively ("" = all)
};

/// One page of public channels; `next` is the cursor of the following page ("" = this was the last).
struct channel_page {
  std::vector<channel_info> channels;
  std::string next;
};

/// Result of POST /room: the DM and whether this call created it (then `show.room` is due).
struct dm_result {
  room_summary room;
  bool created = false;
};

/// A message as stored: its id (the sorted-set score) and its JSON, normalised to
/// `{"id":<int>,"roomId":"…","from":"…","date":<int seconds>,"message":"…"}` (tutorial rows are
/// given the id = their score, `from` as a string and `date` as an integer), with `"edited":<unix ms>`
/// last once edited. In history a deleted message is its tombstone
/// `{"id":<int>,"roomId":"…","from":"…","date":<int seconds>,"deleted":true}`.
struct stored_message {
  std::int64_t id = 0;
  std::string json;
};

/// What a new message carries besides its text (issue #24): the files it attaches and its
/// location. Empty for most messages, which then cost Redis nothing more.
struct message_extras {
  std::vector<std::string> attachments; ///< file ids (validated: command_rules check_attachments)
  std::string location_json;            ///< `{"lat",…}` (command_rules location_json), "" for none

  bool empty() const noexcept { return attachments.empty() && location_json.empty(); }
};

/// A message this node has just written: confirmed by Redis.
struct sent_message {
  std::int64_t id = 0;   ///< unique, strictly increasing per room (milliseconds-based)
  std::int64_t prev = 0; ///< id of the room's previous message (0 if none): makes each room a chain
  std::int64_t date = 0; ///< unix seconds, stamped by Redis' clock
  std::string json;      ///< the message JSON as stored and delivered
  std::int64_t muted_until = 0; ///< errc::muted: the mute's end (unix ms; 0 = until lifted)
};

/// A positioned room event read back from storage: its position in the room's id sequence and its
/// client frame `{"type":T,"data":D}` (for a message row: `{"type":"message","data":<normalised message json>}`).
struct stored_event {
  std::int64_t id = 0;
  std::string frame;
  std::string audience; ///< the only user whose connections get it ("" = every member)
};

/// A room event this node has just written: confirmed by Redis.
struct written_event {
  std::int64_t seq = 0;  ///< its position (unique, strictly increasing per room, shared with message ids)
  std::int64_t prev = 0; ///< the room's previous position (the chain link)
  std::string data;      ///< the event's data JSON D (HTTP replies use it)
  std::string frame;     ///< `{"type":T,"data":D}` exactly as delivered to clients
  std::string audience;  ///< the only user whose connections get it ("" = every member)
  /// Events the same command wrote right after this one, in position order (a thread reply: its
  /// parent's `message.updated`), each chained to the one before.
  std::vector<written_event> more;
  std::int64_t muted_until = 0; ///< errc::muted: the mute's end (unix ms; 0 = until lifted)
};

/// A user's read state of a room after chat_store::mark_read (issue #22).
struct read_state {
  std::int64_t last_read = 0; ///< the position read up to (never moves back)
  std::int64_t unread = 0;    ///< the room's messages after it
  std::int64_t mentions = 0;  ///< of those, the ones that @mention the user
  bool moved = false;         ///< the marker moved forward with this call
  std::optional<written_event> event; ///< the `read` event it published (when it moved)
};

/// A reply the orphan sweep finalized (chat_store::ai_sweep): its room and its `message.updated`.
struct ai_swept {
  std::string room_id;
  written_event event;
};

/// A message search (GET /search, issue #22).
struct search_query {
  std::string user_id;                ///< who searches: only rooms they are a member of
  std::string text;                   ///< the words (1-256 bytes); every one must be in a message
  std::string room_id;                ///< one room only ("" = every room of the user)
  std::optional<std::int64_t> before; ///< only messages with an id below it (the `next` of a page)
  std::int64_t limit = 20;            ///< results (1-100)
};

/// One page of search results, newest first; `next` (0 = none) continues the search before it.
struct search_page {
  std::vector<stored_message> messages;
  std::int64_t next = 0;
};

/// What one search_index call did: positions looked at, and whether more wait.
struct search_progress {
  std::int64_t indexed = 0;
  bool more = false;
};

/// History retention (issue #26): how much of each room's history is kept. Both limits apply when
/// both are set; neither (the default) keeps history forever.
struct retention_policy {
  std::chrono::seconds max_age{0}; ///< positions older than this go (0 = no age limit)
  std::int64_t max_messages = 0;   ///< only the newest this many messages of a room stay (0 = no limit)
  /// True when a limit is set.
  bool active() const noexcept { return max_age.count() > 0 || max_messages > 0; }
};

/// One page of the walk over the rooms that hold messages (`SCAN … MATCH room:* TYPE zset`).
struct room_scan_page {
  std::string next;               ///< the cursor to continue with; "0": the walk is complete
  std::vector<std::string> rooms; ///< room ids (valid ones only)
};

/// What one retention step of a room did.
struct trim_progress {
  std::int64_t messages = 0; ///< messages (rows and thread replies) removed
  bool more = false;         ///< the step ran out of budget: more of the room waits
  std::int64_t horizon = 0;  ///< the highest position removed (0: none)
  std::int64_t upto = 0;     ///< the highest id of a message row or tombstone of the room removed (0: none)
};

/// Whether a user may read and write a room.
enum class room_access { member, not_found, forbidden };

template <class T>
using callback = std::function<void(errc, T)>;

/// Tunables of the store.
struct store_options {
  std::chrono::seconds session_ttl{std::chrono::hours{24 * 14}};
  std::string server_id; ///< stamped into every Pub/Sub envelope this node publishes
  /// --tutorial-pubsub: every message sent is also published on the tutorial's `MESSAGES` channel
  /// (and `show.room` for a new DM), and tutorial messages seen live there are adopted
  /// (adopt_tutorial_messages).
  bool tutorial_pubsub = false;
  /// send_message refuses (errc::overloaded) while the oldest Redis command in flight (or message
  /// waiting for its call) has waited longer than this: under overload a message fails fast instead of queueing without bound.
  /// Zero: never refuse.
  std::chrono::milliseconds max_queue_delay{500};
  /// Rooms a user may be in besides General (channels and DMs); creating or joining a channel or
  /// opening a DM beyond it is errc::too_many_rooms. A DM someone else opens is never refused. 0 = no limit.
  unsigned max_rooms_per_user = 500;
  /// Channels a user may create in any 60 minutes (admins: any number); errc::rate_limited above. 0 = no limit.
  unsigned channel_creations_per_hour = 10;
  /// --redis-min-replicas-acked: a chat message is acked only after `WAIT` saw its write on this
  /// many replicas (one WAIT per send batch); a shortfall after replica_ack_timeout is
  /// errc::not_replicated. 0: no WAIT.
  unsigned min_replicas_acked = 0;
  std::chrono::milliseconds replica_ack_timeout{500};
};

} // namespace chat::storage
