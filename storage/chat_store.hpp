#pragma once
/// chat_store: every chat operation the node performs against Redis, as non-blocking calls.
///
/// Keys follow the Redis chat tutorial's schema (see docs/architecture.md, "Redis key schema"), so a
/// Redis written by the tutorial app works unchanged. Every operation is one round trip (a single
/// command or one EVALSHA of a Lua script), pipelined on the shared command connection.
///
/// Threading: methods may be called from any thread. Callbacks run on the Redis connection's strand:
/// they must not block and should post to their own executor before touching their state.
/// A callback is called exactly once, also when Redis is down (with errc::unavailable, at once).

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "storage/ai_replies.hpp"
#include "storage/store_types.hpp"

namespace chat::storage {

class redis_client;

class chat_store {
public:
  chat_store(std::shared_ptr<redis_client> redis, store_options opts);
  ~chat_store();

  chat_store(const chat_store&) = delete;
  chat_store& operator=(const chat_store&) = delete;

  // -- schema ------------------------------------------------------------------

  /// Creates what the tutorial's init creates when missing (`total_users`, `room:0:name`),
  /// and backfills the case-insensitive username index for users written by the tutorial.
  void ensure_schema(callback<bool> done);

  /// True when `total_users` is 0 or missing, or the only user is the assistant's bot (then
  /// `--seed-demo` / the run command seeds the demo).
  void is_empty(callback<bool> done);

  // -- accounts --------------------------------------------------------------------

  /// Atomically creates a user (tutorial keys + case-insensitive index). The first user ever,
  /// or a user whose name is in the admin list, gets role "admin". errc::conflict when taken, also
  /// case-insensitively by a user another writer (the tutorial) created: the index catches up
  /// first; errc::overloaded when more than a bounded step is missing (only while the start-up
  /// backfill runs on a large user base).
  void create_user(std::string username, std::string password_hash, callback<user> done);

  /// Looks a user up by name: exact tutorial key first, then case-insensitively.
  void find_credentials(std::string username, callback<user_credentials> done);

  /// One user by id; errc::not_found when unknown.
  void get_user(std::string user_id, callback<user> done);

  /// Users by id with their online flag; unknown ids are left out.
  void get_users(std::vector<std::string> ids, callback<std::vector<user_view>> done);

  /// Every user in `online_users`.
  void online_users(callback<std::vector<user_view>> done);

  /// Users whose lower-cased name starts with `prefix` (lower-case ASCII, 1-64 bytes), in name
  /// order, at most `limit` (1-50): from the `chat:user_search` index (no scan), which first
  /// catches up with users the tutorial created. errc::invalid for a bad prefix or limit.
  void search_users(std::string prefix, std::int64_t limit, callback<std::vector<user_view>> done);

  /// Users with an id above `after`, by id, at most `limit` (1-100). errc::invalid when out of range.
  void list_users(std::int64_t after, std::int64_t limit, callback<user_page> done);

  /// The members of `room_id` as `user_id` (a member: errc::forbidden otherwise, errc::not_found
  /// for an unknown room) sees them, by lower-case name; at most `max` (1-1000) rows.
  void room_members(std::string user_id, std::string room_id, std::int64_t max, callback<member_list> done);

  /// Sets the role ("user" or "admin"); errc::not_found for an unknown user.
  void set_role(std::string user_id, std::string role, callback<bool> done);

  // -- moderation (issue #23; storage/moderation.cpp) -----------------------------------------

  /// Bans `target` (an admin bans anyone but themselves; a moderator only users: errc::forbidden;
  /// errc::not_found for an unknown user; errc::invalid for an end in the past): `chat:user:{id}:ban`,
  /// which expires at `ban.until` (0: until lifted), and an audit entry, atomically. From then on the
  /// user's sessions no longer resolve and login reports the ban; the caller closes the connections.
  /// The value: the target's username.
  void ban_user(moderator by, std::string target, ban_info ban, callback<std::string> done);

  /// Lifts a ban (the same rule); the value: whether there was one (then an audit entry is written).
  void unban_user(moderator by, std::string target, callback<bool> done);

  /// Mutes `target` (the same rule as a ban) everywhere (`room_id` "") or in one room, until `until`
  /// (unix ms; 0 = until lifted; errc::invalid for an end in the past): sending, editing, replying and
  /// reacting then answer errc::muted with the end; reading stays allowed. Audited. The value: the
  /// target's username.
  void mute_user(moderator by, std::string target, std::string room_id, std::int64_t until,
                 callback<std::string> done);

  /// Lifts a mute everywhere (`room_id` "") or in one room; the value: whether there was one.
  void unmute_user(moderator by, std::string target, std::string room_id, callback<bool> done);

  /// Appends an audit entry for an action checked elsewhere (a disconnect, a role change); `extra_json`:
  /// more members of the entry, each with its leading comma. Fire and forget (a failure is logged).
  void audit(moderator by, std::string target, std::string action, std::string extra_json = {});

  /// Up to `limit` (1-200) audit entries before `before` (a stream id; "" = the newest), newest first.
  void audit_log(std::string before, std::int64_t limit, callback<std::vector<audit_entry>> done);

  // -- admin tables (issue #23; storage/admin_tables.cpp) -----------------------------------

  /// One page of every user for the admin panel, by lower-case name then id, from the
  /// `chat:user_search` index (caught up first, as search_users): names starting with `prefix`
  /// (lower-case ASCII, 0-64 bytes; "" = everyone), after `after` (a `next` of an earlier page; ""
  /// = from the start), at most `limit` (1-100) rows `{"id","username","role","online","lastSeen",
  /// "created","banned","muted"}`. errc::invalid for a bad prefix, cursor or limit.
  void admin_users(std::string prefix, std::string after, std::int64_t limit, callback<admin_page> done);

  /// One page of every channel (public and private) for the admin panel, newest id first, walking
  /// ids down from `chat:room_seq` (a bounded number per page: a page may hold fewer than `limit`
  /// rows and still have a `next`): names starting with `prefix` (lower-case, 0-64 bytes), ids below
  /// `after` (a channel id; "" = the newest), at most `limit` (1-100) rows `{"id","name","private",
  /// "archived","topic","owner","ownerName","members","messages","lastActivity"}`.
  void admin_rooms(std::string prefix, std::string after, std::int64_t limit, callback<admin_page> done);

  /// Usernames that are made admins when they register (from `--admin`).
  void set_admin_names(std::vector<std::string> names);

  // -- sessions ------------------------------------------------------------------

  /// Stores `token_hash` → user id with the session TTL.
  void create_session(std::string token_hash, std::string user_id, callback<bool> done);

  /// The user of a session (errc::not_found when unknown or expired).
  void resolve_session(std::string token_hash, callback<user> done);

  /// Deletes a session (idempotent).
  void delete_session(std::string token_hash, callback<bool> done);

  /// The user id of each session in `token_hashes` ("" for one that is unknown or expired), in
  /// order: one MGET (the expiry check of live connections batches its sessions this way).
  void session_users(std::vector<std::string> token_hashes, callback<std::vector<std::string>> done);

  // -- rate limits ------------------------------------------------------------------

  /// One fixed-window counter of a limit: its key (under `chat:ratelimit:`) and the hits a window
  /// allows.
  struct rate_counter {
    std::string key;         ///< e.g. "login:fail:addr:192.0.2.1"
    std::int64_t limit = 0;  ///< hits allowed per window
  };

  /// What rate_reserve decided.
  struct rate_verdict {
    std::int64_t retry_after = 0; ///< 0: counted; else seconds until every full counter's window ended
    std::size_t full = 0;         ///< index of the first full counter (when refused)
  };

  /// Counts one hit on every counter in one atomic step (shared by all nodes), unless one of them
  /// already holds its limit: then nothing is counted, and the verdict says which counter was full
  /// and how long to wait. A counter's window of `window` length starts at its first hit.
  void rate_reserve(std::vector<rate_counter> counters, std::chrono::seconds window,
                    callback<rate_verdict> done);

  /// Takes one hit back from each key of `decrement` (never below 0; the window keeps its end) and
  /// deletes the keys of `reset`: an attempt that turned out not to count (a login that succeeded).
  void rate_release(std::vector<std::string> decrement, std::vector<std::string> reset, callback<bool> done);

  // -- rooms --------------------------------------------------------------------

  /// The rooms of a user, General first.
  void user_rooms(std::string user_id, callback<std::vector<room_summary>> done);

  /// Mutes (or unmutes) `room_id` for `user_id`, a member (errc::forbidden / errc::not_found
  /// otherwise): kept in Redis (`chat:user:{id}:muted`), listed by user_rooms. The value: whether it
  /// changed.
  void set_muted(std::string user_id, std::string room_id, bool muted, callback<bool> done);

  /// Whether `user_id` may use `room_id` (General: every user; DM: its two users once created;
  /// channel: its members). Unknown rooms are room_access::not_found.
  void check_access(std::string user_id, std::string room_id, callback<room_access> done);

  /// Creates (or returns) the DM between two users, opened by `opener` (one of them);
  /// errc::not_found if either user is unknown, errc::invalid if both ids are equal,
  /// errc::too_many_rooms when the opener does not have it yet and is in max_rooms_per_user rooms
  /// (the other user's count never refuses it).
  void create_dm(std::string user_a, std::string user_b, std::string opener, callback<dm_result> done);

  /// Creates a public channel with `creator` as its first member; errc::conflict on a taken name.
  /// Atomically with the creation: errc::rate_limited (with channel_info::retry_after) when a
  /// non-admin creator made store_options::channel_creations_per_hour channels in the last hour,
  /// errc::too_many_rooms when the creator is in max_rooms_per_user rooms.
  /// A `private` channel (issue #23) is invisible in the public listing and joined by invitation
  /// only; the creator is the owner; `topic` may be empty.
  void create_channel(std::string name, std::string creator, bool is_private, std::string topic,
                      callback<channel_info> done);

  /// One page of public channels, with member counts and whether `user_id` joined it; errc::invalid
  /// when `q.after` is not a channel. (Keeps the name index `chat:channel_index` in step with
  /// `chat:channels`, also for channels that nodes without the index created.)
  void public_channels(std::string user_id, channel_page_query q, callback<channel_page> done);

  /// Joins a public channel (idempotent); errc::not_found for unknown channels, errc::forbidden for a
  /// private channel the user is not a member of, errc::too_many_rooms when the user is not a member
  /// yet and in max_rooms_per_user rooms.
  void join_channel(std::string user_id, std::string room_id, callback<bool> done);

  /// Leaves a channel (idempotent; an owner who leaves leaves the channel without owner);
  /// errc::invalid for General and DMs.
  void leave_channel(std::string user_id, std::string room_id, callback<bool> done);

  // -- channel management (issue #23; channels.cpp). `actor` must be the channel's owner or an admin
  //    (errc::forbidden), the room a channel (errc::invalid for General and DMs, errc::not_found for
  //    no such channel). Each is written to the audit log.

  /// Changes a channel's settings: the room event `room.updated` with all of them
  /// `{"roomId","name","topic","private","archived","owner","seq"}` (written_event::data).
  /// errc::conflict: the new name is taken; errc::invalid: the new owner is not a member.
  void update_channel(std::string room_id, std::string actor, channel_patch patch, callback<written_event> done);

  /// Adds `user_id` to a channel (an invitation; also to a private one). The value: whether it was
  /// added (false: a member already). errc::not_found also for an unknown user, errc::too_many_rooms
  /// when the user is in max_rooms_per_user rooms. The new member has read what was there.
  void add_channel_member(std::string room_id, std::string actor, std::string user_id, callback<bool> done);

  /// Removes `user_id` from a channel (`actor` == `user_id`: leaving, allowed to any member). The
  /// value: whether they were a member. errc::conflict: the owner cannot be removed by someone else.
  void remove_channel_member(std::string room_id, std::string actor, std::string user_id, callback<bool> done);

  /// Deletes a channel and everything in it (messages, events, threads, its members' read state and
  /// mentions); its id is never used again. The value: the users who were members.
  void delete_channel(std::string room_id, std::string actor, callback<std::vector<std::string>> done);

  // -- live connections per user (cluster-wide) ----------------------------------------

  /// Takes one of `user_id`'s `limit` connection slots (limit > 0): errc::too_many_connections when
  /// the user holds `limit` slots on live nodes (a slot of another node whose heartbeat key expired,
  /// or was not written yet, does not count; the reaper deletes a dead node's slots). On success the slot's number, for release_connection()
  /// (the slot id in Redis is "<server id>/<random per process>/<number>"). Slots live in
  /// `chat:user:{id}:conns` (slot id → server id), indexed per node in `chat:node:{serverId}:conn_users`.
  void acquire_connection(std::string user_id, unsigned limit, callback<std::uint64_t> done);

  /// Frees a slot (the connection closed). Never fails for the caller: a release Redis did not
  /// confirm is retried before the next acquire or release of this node.
  void release_connection(std::string user_id, std::uint64_t slot);

  /// Frees the slots this server id held in an earlier life (a restart with the same id); the
  /// number of slots freed.
  void reset_connections(callback<std::int64_t> done);

  // -- messages ------------------------------------------------------------------

  /// Tutorial paging: exactly `size` messages (tombstones included, at their place) starting `offset`
  /// from the newest, newest first.
  void messages_by_offset(std::string room_id, std::int64_t offset, std::int64_t size,
                          callback<std::vector<stored_message>> done);

  /// Cursor paging: up to `limit` messages and tombstones with id < `before` (newest first); no
  /// `before` = newest.
  void messages_before(std::string room_id, std::optional<std::int64_t> before, std::int64_t limit,
                       callback<std::vector<stored_message>> done);

  // -- room events (positions shared with message ids) --------------------------------

  /// Replay: up to `limit` positioned events of the room with position > `after`, oldest first: the
  /// messages of `room:{id}` (current state: edited text; deleted ones absent) merged with the entries of
  /// `chat:room:{id}:events`, in position order. errc::invalid for a bad room id. Unreadable message
  /// rows are skipped and counted (errors{kind="bad_stored_message"}), as by the history reads.
  void events_after(std::string room_id, std::int64_t after, std::int64_t limit,
                    callback<std::vector<stored_event>> done);

  /// Marks `room_id` read by `user_id` up to position `upto` (capped at the room's newest message or thread reply;
  /// the marker never moves back) and answers the read state after it. Members only
  /// (errc::forbidden / errc::not_found); errc::invalid for a bad id. A marker that moved publishes
  /// the room event `read` `{"roomId","userId","id","seq"}`: in a DM for both participants, elsewhere
  /// for the reader's connections only (written_event::audience).
  void mark_read(std::string room_id, std::string user_id, std::int64_t upto, callback<read_state> done);

  /// Edits message `message_id` of `room_id` as `user_id`: errc::forbidden when the user is not a member or
  /// not the author, errc::not_found for an unknown room or message (also a deleted one), errc::invalid for
  /// bad ids or text over 64 KiB. `text` is validated by the caller. Atomically: rewrites the `room:{id}`
  /// member (same score; `message` replaced, `"edited":<redis time ms>` set, its `reactions` kept), allocates the position E,
  /// appends `{"type":"message.updated","data":<the whole current message json with "seq":E>}` to the event
  /// log and PUBLISHes the envelope `{"serverId":…,"type":"message.updated","ts","prev","seq":E,"data"}`.
  void edit_message(std::string room_id, std::int64_t message_id, std::string user_id, std::string text,
                    callback<written_event> done);

  /// Deletes a message: the author or a user whose `user:{id}` role is `admin`, a member of the room
  /// (errc::forbidden otherwise, errc::not_found and errc::invalid as for edits). Atomically: ZREM from
  /// `room:{id}`, tombstone `{"id","roomId","from","date","deleted":true}` into `chat:room:{id}:deleted`
  /// (score = message id), event `{"type":"message.deleted","data":{"id":M,"roomId":"…","seq":E}}`
  /// appended and published.
  void delete_message(std::string room_id, std::int64_t message_id, std::string user_id,
                      callback<written_event> done);

  /// Sets (`on`) or removes `user_id`'s reaction `emoji` (already checked: common/emoji.hpp) on a
  /// message of a room the user is a member of. The row is rewritten in place (same score) with
  /// `"reactions":{"<emoji>":["<userId>",…],…}` as its last field (emoji in the order first used,
  /// users in the order they reacted; no field when empty), so history and replay read it with the
  /// row. Event `reaction` `{"roomId","id","emoji","userId","on","seq":E}` appended and published.
  /// Idempotent: when nothing changes nothing is written and the reply has seq 0 (data without
  /// "seq", empty frame). errc::conflict for an assistant reply still streaming, errc::too_many_reactions
  /// for a new emoji on a message with `max_distinct` already, forbidden / not_found as for an edit.
  void react_message(std::string room_id, std::int64_t message_id, std::string user_id, std::string emoji,
                     bool on, std::size_t max_distinct, callback<written_event> done);

  /// A reply in the thread of message `parent_id` (a top-level message of `room_id`; issue #22),
  /// atomically: access (forbidden / not_found as for an edit; not_found also for an unknown or
  /// deleted parent), errc::invalid when the parent is itself a reply (threads are one level deep),
  /// errc::conflict for an assistant reply still streaming, errc::overloaded as send_message. The
  /// reply `{"id","roomId","from","date","message","mentions"?,"parentId"}` takes the next position
  /// (its id) and is published as `message`; then the parent's `"replies"`/`"lastReplyAt"` as its
  /// `message.updated` (written_event::more). Keys: lua_threads.hpp.
  /// With `extras`, the reply attaches files and carries a location as send_message does (an
  /// attachment it may not attach: errc::invalid, nothing written).
  void reply_message(std::string room_id, std::int64_t parent_id, std::string user_id, std::string text,
                     message_extras extras, callback<written_event> done);

  /// Up to `limit` (1-1000) replies of the thread of `parent_id` with id < `before` (none: the
  /// newest), newest first; a deleted reply as its tombstone (with parentId). Members only
  /// (errc::forbidden / errc::not_found); errc::not_found when the parent is a reply, or neither
  /// exists nor has replies.
  void thread_replies(std::string room_id, std::string user_id, std::int64_t parent_id,
                      std::optional<std::int64_t> before, std::int64_t limit,
                      callback<std::vector<stored_message>> done);

  // -- search (issue #22; storage/search.cpp, keys in lua_search.hpp) --------------------

  /// Indexes up to `budget` positions of `room_id` written since its index cursor (messages, thread
  /// replies, edits); `more` when others wait. Off the send path: the search indexer calls it for
  /// the rooms this node wrote to (search_dirty_rooms()).
  void search_index(std::string room_id, std::int64_t budget, callback<search_progress> done);

  /// Messages (and thread replies) with every word of `q.text`, newest first, from the rooms the user
  /// is a member of; edited messages by their current text, deleted ones never. errc::invalid for a
  /// bad query or one without a word of two bytes or more. A page looks at a bounded number of index
  /// entries: it may hold fewer than `limit` results and still have a `next`.
  void search(search_query q, callback<search_page> done);

  /// Takes the rooms this node wrote messages or room events to since the last call (for the search
  /// indexer), at most `max`; the others stay. Thread-safe.
  std::vector<std::string> search_dirty_rooms(std::size_t max);

  // -- history retention (issue #26; storage/retention.cpp, lua_retention.hpp) ---------------

  /// Takes or renews the cluster-wide retention lease (`chat:retention:lease`, SET NX PX with this
  /// node's server id, `ttl`): true when this node holds it now.
  void retention_lease(std::chrono::milliseconds ttl, callback<bool> done);

  /// One step of the walk over the rooms holding messages: `SCAN cursor MATCH room:* TYPE zset
  /// COUNT count` ("0" starts the walk; the page's `next` "0" ends it). A room may come twice.
  void retention_scan(std::string cursor, std::int64_t count, callback<room_scan_page> done);

  /// One retention step of `room_id` under `policy`: removes at most `budget` items (messages,
  /// replies, log frames, tombstones) at or below the policy's target, oldest first, with their
  /// files, mentions, search entries and threads, and raises the room's horizon (lua_retention.hpp).
  /// errc::invalid for a bad room id, budget or an inactive policy.
  void retention_trim(std::string room_id, retention_policy policy, std::int64_t budget,
                      callback<trim_progress> done);

  /// False (and counted in chatnode_messages_shed_total) while the oldest Redis command in flight,
  /// or the oldest message waiting for its send_message call, has waited longer than
  /// store_options::max_queue_delay: a new message would only queue behind the backlog. Thread-safe, no Redis call; a transport may ask before it does other work.
  bool admit_message();

  /// How far behind Redis is for this node at `now`: the older of the Redis command in flight
  /// longest and the message waiting longest for its send call (what admit_message() compares with
  /// its limit). Thread-safe, no Redis call.
  std::chrono::steady_clock::duration backlog(std::chrono::steady_clock::time_point now) const;

  /// --tutorial-pubsub: a tutorial server published a message of `room_id` dated `date` (unix
  /// seconds) on `MESSAGES`. Its id-less rows scored in that second get the room's next positions
  /// (rewritten in our shape) and are published on the room's channel as messages, so every node
  /// delivers them through the room's chain (chat_store_tutorial.cpp). Answers how many were
  /// adopted (0: another chatnode was first, or no such row); errc::invalid for a bad room id or date.
  void adopt_tutorial_messages(std::string room_id, std::int64_t date, callback<std::int64_t> done);

  /// Persists and publishes one message atomically (one Lua script: access check, id, ZADD,
  /// PUBLISH). `text` must already be validated (UTF-8, length). The callback sees the id only
  /// after Redis confirmed the write; errc::forbidden when the sender is not a member of the
  /// room, errc::not_found when the room does not exist (nothing is written then), and
  /// errc::overloaded, without any Redis call, when admit_message() refuses it.
  void send_message(std::string room_id, std::string from_user_id, std::string text,
                    callback<sent_message> done);

  /// The same with attachments and/or a location (issue #24). Each file must exist, be ready, be
  /// the sender's, of that room and not attached yet: else errc::invalid and nothing is written.
  /// The message then names it (`message` of chat:file:{id}), the file loses its expiry, and the
  /// message JSON carries `,"attachments":[{"id","name","size","type","width"?,"height"?,"url"}]`
  /// and `,"location":{…}` after its mentions.
  void send_message(std::string room_id, std::string from_user_id, std::string text, message_extras extras,
                    callback<sent_message> done);

  // -- the assistant's replies (issue #21; keys and scripts: storage/ai_replies.hpp) --------

  /// The bot user named `name` (created once cluster-wide, role "bot", password "!" that no
  /// login matches; kept in `online_users`): its id and name (an existing bot keeps its name).
  /// errc::conflict when a user of that name exists already, errc::invalid for a bad name.
  void ensure_ai_bot(std::string name, callback<user> done);

  /// Starts a reply of the bot in a room, atomically: the triggering user's access (forbidden /
  /// not_found), the room's one-reply lock (errc::conflict: a reply is in flight there), the user's
  /// replies per hour (errc::rate_limited with ai_started::retry_after); then the placeholder
  /// message `{"id","roomId","from":bot,"date","message":"","streaming":true}` at a new position
  /// (stored and published like a message) and the stream key with its lease.
  void ai_start(ai_start_request req, callback<ai_started> done);

  /// Appends text to the room's stream (published as `message.delta`) and renews the lease, if
  /// `req.owner` still owns reply `req.id`: else errc::not_found (it ended; stop the backend).
  void ai_append(ai_append_request req, callback<bool> done);

  /// The owner ends its reply: the text so far + `req.text`, `"streaming":false`, stopped / error,
  /// as a positioned `message.updated`; errc::not_found when it had ended already (a stop, a sweep).
  void ai_finish(ai_finish_request req, callback<written_event> done);

  /// A user stops reply `id` of `room_id` (any node): a member of a DM; in other rooms the user
  /// who triggered it or an admin (errc::forbidden otherwise); errc::not_found when it is not
  /// streaming. Finalized at once with the text so far and `"stopped":true`.
  void ai_stop(std::string room_id, std::int64_t id, std::string user_id, callback<written_event> done);

  /// Finalizes up to `max` replies whose lease expired with `"error":"interrupted"`.
  void ai_sweep(std::int64_t max, callback<std::vector<ai_swept>> done);

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace chat::storage
