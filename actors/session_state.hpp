#pragma once
/// Internal to the session shard (session_shard.cpp, session_follow.cpp): the state of a shard
/// and of each of its sessions, and the per-session steps of following a room.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/client_sink.hpp"
#include "actors/frame.hpp"
#include "actors/history_source.hpp"
#include "actors/session_shard.hpp"

namespace chat::actors::session_detail {

/// A session's view of one followed room.
struct room_link {
  caf::actor room;
  std::int64_t last_sent = 0;      ///< highest id handed to the sink: the dedupe guard
  std::int64_t baseline = 0;       ///< where this connection's delivery of the room started
  std::uint64_t read_gen = 0;      ///< the storage read whose answer counts (older answers are stale)
  bool joined = false;
  bool want_head = false;          ///< live follow: start at the room's head, read after joining
  bool replaying = false;          ///< reading storage from last_sent; live events wait in `buffer`
  bool read_wanted = false;        ///< the next page waits for room in the connection's queue
  bool overflowed = false;         ///< live events were dropped from the buffer: read storage again
  std::vector<room_event> buffer;  ///< live events received during a replay
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
  std::string user_id;
  std::shared_ptr<client_sink> sink;
  /// A tree, not a hash map: a connection follows a handful of rooms, and an idle one should not
  /// pay for a bucket array (nodes never move, so the room index can point into it).
  std::map<std::string, room_link> rooms;
  std::vector<backfill_range> backfills;
  std::size_t reserved = 0;    ///< rows the storage reads in flight may add to the sink's queue
  std::uint64_t reads = 0;     ///< read generations and backfill ids (unique per session)
  std::uint32_t waits = 0;     ///< generation of the wait for room (names its stall timer)
  bool waiting_room = false;   ///< a client_sink::wake_on_room() is pending
  bool announce = false;       ///< tell the client `resumed` once every room has caught up
  bool cut = false;  ///< cut as a slow consumer: delivers nothing more, ends shortly
  bool held = false; ///< deliveries and storage reads wait for the release (initial hold of a WebSocket)
};

/// A session following a room, as the shard's room index holds it. Both pointers stay valid while
/// the session follows the room (unordered_map nodes do not move).
struct follower {
  session* s;
  room_link* link;
};

struct shard_state {
  session_deps deps;
  session_options opts;
  std::unordered_map<std::uint64_t, session> sessions;
  std::unordered_map<std::string, std::vector<follower>> followers; ///< room id → its followers here
  std::unordered_map<caf::actor_addr, std::string> monitored;       ///< joined room actors → room ids

  static inline const char* name = "chat.sessions";
};

using shard_t = caf::stateful_actor<shard_state>;

/// The session of connection `conn`, or null when it ended.
session* find_session(shard_t* self, std::uint64_t conn);

/// Hands one message to the sink unless it was already sent; cuts a session that cannot keep up.
void deliver(shard_t* self, session& s, const std::string& room_id, room_link& link, std::int64_t id,
             const frame_ptr& frame);

/// Cuts a session as a slow consumer (its connection closes; the client resumes on reconnect).
void cut_slow_consumer(shard_t* self, session& s);

/// Asks the directory to join `room_id` for `s` (the room answers once it is in sync).
void join(shard_t* self, session& s, const std::string& room_id);

/// Follows a room (see session_shard.hpp); answers the link and whether it is new.
std::pair<room_link*, bool> on_follow(shard_t* self, session& s, const std::string& room_id,
                                      std::int64_t after);

void on_retry(shard_t* self, std::uint64_t conn, const std::string& room_id);
void on_head(shard_t* self, std::uint64_t conn, const std::string& room_id, bool ok, std::int64_t id);
void on_release(shard_t* self, std::uint64_t conn);

// -- replay and backfill reads, paced by the connection's queue (session_replay.cpp) ------------

/// The next page of a replaying room is wanted, from its last_sent; supersedes a read in flight.
void want_page(shard_t* self, session& s, room_link& link);

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
void on_room(shard_t* self, std::uint64_t conn);
void on_stall(shard_t* self, std::uint64_t conn, std::uint32_t wait);

/// Tells the client `resumed` when the release asked for it and no room replays any more.
void announce_if_caught_up(shard_t* self, session& s);

} // namespace chat::actors::session_detail
