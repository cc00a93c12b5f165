#include "actors/session_shard.hpp"

#include <algorithm>

#include <caf/all.hpp>

#include "actors/atoms.hpp"
#include "actors/session_state.hpp"
#include "metrics/node_metrics.hpp"

namespace chat::actors {
namespace {

using namespace session_detail;

void on_open(shard_t* self, std::uint64_t conn, std::string& user_id, std::shared_ptr<client_sink>& sink,
             bool hold) {
  auto& st = self->state;
  auto [it, inserted] = st.sessions.try_emplace(conn);
  if (!inserted)
    return; // ids are unique per node: a second open is a caller bug, ignore it
  auto& s = it->second;
  s.id = conn;
  s.sink = std::move(sink);
  s.held = hold || st.opts.hold_until_released;
  auto [u, new_user] = st.users.try_emplace(user_id);
  if (new_user) {
    u->second.user_id = &u->first;
    u->second.key = ++st.next_key;
  }
  s.user = &u->second;
  s.user->sessions.push_back(&s);
  // The user's rooms here are this connection's too: it starts at their live points (until a
  // follow with the client's cursor moves the start back).
  s.catchups.reserve(s.user->rooms.size());
  for (auto& [room_id, ur] : s.user->rooms) {
    room_catchup c{room_id};
    if (ur.joined) {
      c.last_sent = c.baseline = ur.last_live;
      s.sink->note_cursor(room_id, ur.last_live);
    }
    s.catchups.push_back(std::move(c));
  }
  if (!s.held) {
    for (std::size_t i = 0; i < s.catchups.size(); ++i)
      advance(self, s, s.catchups[i]);
    schedule_settle(self, conn);
  }
  if (st.deps.presence)
    self->send(st.deps.presence, connect_atom::value, conn, user_id, caf::actor_cast<caf::actor>(self),
               std::weak_ptr<client_sink>{s.sink});
}

/// Ends a session: the user leaves its rooms with its last session here; presence is told.
void end_session(shard_t* self, std::uint64_t conn) {
  auto& st = self->state;
  auto it = st.sessions.find(conn);
  if (it == st.sessions.end())
    return;
  auto& s = it->second;
  auto& u = *s.user;
  u.sessions.erase(std::remove(u.sessions.begin(), u.sessions.end(), &s), u.sessions.end());
  if (u.sessions.empty()) {
    auto me = caf::actor_cast<caf::actor>(self);
    for (auto& [room_id, ur] : u.rooms) {
      if (ur.room)
        self->send(ur.room, leave_atom::value, me, u.key);
      remove_follower(self, room_id, &u);
    }
    st.users.erase(st.users.find(*u.user_id)); // (by iterator: the key is the node's own)
  }
  if (st.deps.presence)
    self->send(st.deps.presence, disconn_atom::value, conn);
  st.sessions.erase(it);
}

/// A positioned event of a room (any kind): every user here following it, each of their sessions.
void on_push(shard_t* self, room_event& ev) {
  auto it = self->state.followers.find(ev.room_id);
  if (it == self->state.followers.end())
    return;
  for (auto& [u, r] : it->second) {
    if (!r->joined || ev.id <= r->last_live)
      continue; // not in sync yet (the join's answer places it), or had it already
    if (for_someone_else(ev.audience, *u->user_id))
      continue;
    r->last_live = ev.id;
    for (auto* s : u->sessions)
      deliver_live(self, *s, ev.room_id, ev.id, ev.frame);
  }
}

/// A signal of a room (typing, ...): its followers here except the member who sent it.
void on_room_frame(shard_t* self, const std::string& room_id, const frame_ptr& frame,
                   const std::string& except_user) {
  auto it = self->state.followers.find(room_id);
  if (it == self->state.followers.end())
    return;
  for (auto& [u, r] : it->second) {
    if (*u->user_id == except_user)
      continue;
    for (auto* s : u->sessions)
      if (!s->cut)
        s->sink->push_event(frame); // ephemeral: a drop under pressure is fine
  }
}

void on_down(shard_t* self, const caf::actor_addr& source) {
  auto& st = self->state;
  if (source == st.deps.directory.address()) {
    self->quit(); // the node is shutting down: nothing left to follow
    return;
  }
  auto m = st.monitored.find(source);
  if (m == st.monitored.end())
    return;
  auto room_id = std::move(m->second);
  st.monitored.erase(m);
  auto it = st.followers.find(room_id);
  if (it == st.followers.end())
    return;
  // The room actor ended (idle race or restart): rejoin and catch up what may have been missed.
  for (auto& [u, r] : it->second)
    if (r->room && r->room.address() == source)
      on_room_down(self, *u, room_id);
}

void on_join_retry(shard_t* self, const std::string& user_id, const std::string& room_id) {
  auto u = self->state.users.find(user_id);
  if (u == self->state.users.end())
    return;
  auto r = u->second.rooms.find(room_id);
  if (r != u->second.rooms.end() && !r->second.joined)
    join(self, u->second, room_id);
}

caf::behavior session_shard(shard_t* self, session_deps deps, session_options opts) {
  auto& st = self->state;
  st.deps = std::move(deps);
  st.opts = opts;
  self->set_down_handler([self](caf::down_msg& dm) { on_down(self, dm.source); });
  self->monitor(st.deps.directory);
  return {
    [self](open_atom, std::uint64_t conn, std::string& user_id, std::shared_ptr<client_sink>& sink,
           bool hold) { on_open(self, conn, user_id, sink, hold); },
    [self](close_atom, std::uint64_t conn) { end_session(self, conn); },
    [self](follow_atom, std::uint64_t conn, const std::string& room_id, std::int64_t after) {
      if (auto* s = find_session(self, conn); s && !s->cut)
        on_follow(self, *s, room_id, after);
    },
    [self](unfollow_atom, std::uint64_t conn, const std::string& room_id) {
      if (auto* s = find_session(self, conn))
        on_unfollow(self, *s, room_id);
    },
    [self](retry_atom, std::uint64_t conn, const std::string& room_id) { on_retry(self, conn, room_id); },
    [self](retry_atom, const std::string& user_id, const std::string& room_id) {
      on_join_retry(self, user_id, room_id);
    },
    [self](backfill_atom, std::uint64_t conn, std::uint64_t range_id, std::int64_t asked, bool ok,
           std::vector<history_entry>& rows) { on_backfill(self, conn, range_id, asked, ok, rows); },
    [self](fill_atom, std::uint64_t conn, const std::string& room_id, std::uint64_t gen, std::int64_t asked,
           bool ok, std::vector<history_entry>& rows) { on_fill(self, conn, room_id, gen, asked, ok, rows); },
    [self](room_atom, std::uint64_t conn) { on_room(self, conn); },
    [self](stall_atom, std::uint64_t conn, std::uint32_t wait) { on_stall(self, conn, wait); },
    [self](settle_atom) { on_settle_tick(self); },
    [self](push_atom, room_event& ev) { on_push(self, ev); },
    [self](event_atom, const std::string& room_id, const frame_ptr& frame, const std::string& except_user) {
      on_room_frame(self, room_id, frame, except_user);
    },
    [self](event_atom, std::uint64_t conn, const frame_ptr& frame) {
      if (auto* s = find_session(self, conn); s && !s->cut)
        s->sink->push_event(frame); // ephemeral: a drop under pressure is fine
    },
    [self](release_atom, std::uint64_t conn) { on_release(self, conn); },
    [self](count_atom, std::uint64_t conn) -> std::size_t {
      auto* s = find_session(self, conn);
      return s ? s->user->rooms.size() : 0;
    },
    [self](count_atom, std::uint64_t conn, bool catching_up) -> std::size_t {
      // Introspection for tests: rooms the connection keeps per-room state for.
      auto* s = find_session(self, conn);
      return s && catching_up ? s->catchups.size() : 0;
    },
    [self](stop_atom) { self->quit(); },
  };
}

} // namespace

caf::actor spawn_session_shard(caf::actor_system& sys, session_deps deps, session_options opts) {
  return sys.spawn(session_shard, std::move(deps), opts);
}

session_handle open_session(const caf::actor& shard, std::uint64_t id, const std::string& user_id,
                            std::shared_ptr<client_sink> sink, bool hold) {
  caf::anon_send(shard, open_atom::value, id, user_id, std::move(sink), hold);
  return session_handle{shard, id};
}

void follow_room(const session_handle& s, const std::string& room_id, std::int64_t after) {
  caf::anon_send(s.shard, follow_atom::value, s.id, room_id, after);
}

void unfollow_room(const session_handle& s, const std::string& room_id) {
  caf::anon_send(s.shard, unfollow_atom::value, s.id, room_id);
}

void release_session(const session_handle& s) {
  caf::anon_send(s.shard, release_atom::value, s.id);
}

void close_session(const session_handle& s) {
  if (s.shard)
    caf::anon_send(s.shard, close_atom::value, s.id);
}

} // namespace chat::actors
