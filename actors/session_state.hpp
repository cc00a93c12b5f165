#pragma once
/// Internal to the session shard (session_shard.cpp, session_follow.cpp, session_replay.cpp): the
/// state of a shard, of the users it serves and of each of their connections' sessions.
///
/// Room membership is kept per user, not per connection: a user's sessions on a shard share one
/// `user_entry`, which joins each of the user's rooms once (one member in the room actor) and
/// keeps the live point of each room (`user_room::last_live`). A connection that is live in a room
/// needs no state for it: a live event goes to every live session of the user. Only a connection
/// that is not live in a room yet (held until its first frame, catching up from a cursor, or just
/// caught up) has a `room_catchup` for it, and those are dropped shortly after the connection
/// settled (opts.late_resume_window). So a connection costs the same whatever its user's room
/// count; the per-room cost is paid once per user and shard.

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>
#include <caf/actor_clock.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/client_sink.hpp"
#include "actors/frame.hpp"
#include "actors/history_source.hpp"
#include "actors/session_shard.hpp"
#include "common/string_hash.hpp"

namespace chat::actors::session_detail {

struct session;

/// One room of one user on this shard: its live stream, shared by the user's sessions here.
struct user_room {
  caf::actor room;
  std::int64_t last_live = 0; ///< highest id delivered live (the join answer at first)
  bool joined = false;
};

/// A user with sessions on this shard.
struct user_entry {
  const std::string* user_id = nullptr; ///< the key of its node in shard_state::users (nodes do not move)
  std::uint64_t key = 0; ///< the member key in room actors (unique per shard)
  /// A tree, not a hash map: nodes never move (the room index points into it), and a user with
  /// few rooms pays no bucket array.
  std::map<std::string, user_room> rooms;
  std::vector<session*> sessions; ///< its sessions here (unordered_map nodes do not move)
};

/// A room a connection is not live in yet: where its delivery stands and its storage reads.
struct room_catchup {
  std::string room_id;
  std::int64_t last_sent = -1;  ///< every event up to here was handed to the sink; -1: not placed yet
  std::int64_t baseline = -1;   ///< where this connection's delivery of the room started
  std::uint64_t read_gen = 0;   ///< the storage read whose answer counts (older answers are stale)
  bool read_wanted = false;     ///< the next page waits for room in the connection's queue
  bool live = false;            ///< caught up: live events go out (while id > last_sent)
};

/// Older events a late `resume` asked for, (from, upto] of one room, read page by page.
struct backfill_range {
  std::uint64_t id = 0; ///< unique in the session (names the read in flight)
  std::string room_id;
  std::int64_t from = 0;
  std::int64_t upto = 0;
  bool reading = false;
};

/// One connection's session.
struct session {
  std::uint64_t id = 0;
  user_entry* user = nullptr;
  std::shared_ptr<client_sink> sink;
  std::vector<room_catchup> catchups; ///< rooms not live yet (empty once settled)
  std::vector<backfill_range> backfills;
  std::size_t reserved = 0;    ///< rows the storage reads in flight may add to the sink's queue
  std::uint64_t reads = 0;     ///< read generations and backfill ids (unique per session)
  std::uint32_t waits = 0;     ///< generation of the wait for room (names its stall timer)
  bool waiting_room = false;   ///< a client_sink::wake_on_room() is pending
  bool announce = false;       ///< tell the client `resumed` once every room has caught up
  bool settled = false;        ///< the late-resume window is over: live catch-ups are dropped
  bool cut = false;  ///< cut as a slow consumer: delivers nothing more, ends shortly
  bool held = false; ///< deliveries and storage reads wait for the release (initial hold of a WebSocket)
};

/// A user following a room here, with its room entry (both nodes stable: map and unordered_map
/// nodes do not move), so a live event costs no lookup per user.
struct room_follower {
  user_entry* user = nullptr;
  user_room* room = nullptr;
};

struct shard_state {
  session_deps deps;
  session_options opts;
  std::unordered_map<std::uint64_t, session> sessions;
  std::unordered_map<std::string, user_entry, string_hash> users; ///< 128-byte nodes, no cached hash
  std::unordered_map<std::string, std::vector<room_follower>> followers; ///< room id → its users here
  std::unordered_map<caf::actor_addr, std::string> monitored;         ///< joined room actors → room ids
  std::uint64_t next_key = 0;
  /// Sessions whose late-resume window runs, in order of their deadlines (one fixed window: the
  /// order they started in), and one timer for the front. No delayed message per connection: each
  /// held about 160 bytes for the window and left holes in the allocator's slabs when it went.
  std::deque<std::pair<caf::actor_clock::time_point, std::uint64_t>> settles;

  static inline const char* name = "chat.sessions";
};

using shard_t = caf::stateful_actor<shard_state>;

/// The session of connection `conn`, or null when it ended.
session* find_session(shard_t* self, std::uint64_t conn);

/// The catch-up of `room_id` in `s`, or null (the connection is live in it, or does not follow it).
room_catchup* find_catchup(session& s, const std::string& room_id);

/// The user's room `room_id`, or null.
user_room* find_user_room(session& s, const std::string& room_id);

/// True when an event with `audience` (a user id; "" = every member) is another member's own event
/// (their channel read marker): its position counts, its frame is not for `user_id`.
inline bool for_someone_else(const std::string& audience, const std::string& user_id) noexcept {
  return !audience.empty() && audience != user_id;
}

/// Hands a room event to one session: at once when it is live in the room, never twice, nothing
/// while it catches up (storage has it); cuts a session that cannot keep up.
void deliver_live(shard_t* self, session& s, const std::string& room_id, std::int64_t id,
                  const frame_ptr& frame);

/// Hands a row read from storage to a catching-up session; false when the session was cut.
bool deliver_row(shard_t* self, session& s, room_catchup& c, std::int64_t id, const frame_ptr& frame);

/// Cuts a session as a slow consumer (its connection closes; the client resumes on reconnect).
void cut_slow_consumer(shard_t* self, session& s);

/// Drops `u` from the followers of `room_id` here.
void remove_follower(shard_t* self, const std::string& room_id, const user_entry* u);

/// Joins `room_id` for the session's user (once per user and shard; the room answers when in sync).
void join(shard_t* self, user_entry& u, const std::string& room_id);

/// Follows a room (see session_shard.hpp).
void on_follow(shard_t* self, session& s, const std::string& room_id, std::int64_t after);

/// Stops following a room, for every session of the user here.
void on_unfollow(shard_t* self, session& s, const std::string& room_id);

/// Re-places and catches up every session of `u` in `room_id` (its room actor ended: rejoin).
void on_room_down(shard_t* self, user_entry& u, const std::string& room_id);

void on_release(shard_t* self, std::uint64_t conn);
void on_settle(shard_t* self, std::uint64_t conn);
/// Starts the late-resume window of `conn`: on_settle() once it is over.
void schedule_settle(shard_t* self, std::uint64_t conn);
/// The settle timer: every session whose window is over settles; the timer is set for the next.
void on_settle_tick(shard_t* self);

/// Goes live in a catch-up's room when it reached the user's live point, or reads on.
void advance(shard_t* self, session& s, room_catchup& c);

// -- replay and backfill reads, paced by the connection's queue (session_replay.cpp) ------------

/// The next page of a catching-up room is wanted, from its last_sent; supersedes a read in flight.
void want_page(shard_t* self, session& s, room_catchup& c);

/// Asks for (from, upto] of a room that already delivered live events (a late resume).
void want_backfill(shard_t* self, session& s, const std::string& room_id, std::int64_t from,
                   std::int64_t upto);

/// Starts the reads that fit in the connection's queue now, or waits for room (with a stall
/// timer: a connection whose queue does not drain for opts.stall_timeout is cut). `woken`: the
/// sink just said there is room (any amount is read then).
void pump(shard_t* self, session& s, bool woken = false);

void on_fill(shard_t* self, std::uint64_t conn, const std::string& room_id, std::uint64_t gen,
             std::int64_t asked, bool ok, std::vector<history_entry>& rows);
void on_backfill(shard_t* self, std::uint64_t conn, std::uint64_t range_id, std::int64_t asked, bool ok,
                 std::vector<history_entry>& rows);
void on_retry(shard_t* self, std::uint64_t conn, const std::string& room_id);
void on_room(shard_t* self, std::uint64_t conn);
void on_stall(shard_t* self, std::uint64_t conn, std::uint32_t wait);

/// Tells the client `resumed` when the release asked for it and no room catches up any more.
void announce_if_caught_up(shard_t* self, session& s);

} // namespace chat::actors::session_detail
