#include "actors/session_shard.hpp"

#include <caf/all.hpp>

#include "actors/atoms.hpp"
#include "actors/session_state.hpp"
#include "metrics/node_metrics.hpp"

namespace chat::actors {
namespace {

using namespace session_detail;

void add_follower(shard_t* self, const std::string& room_id, session& s, room_link& link) {
  self->state.followers[room_id].push_back(follower{&s, &link});
}

void remove_follower(shard_t* self, const std::string& room_id, const session& s) {
  auto it = self->state.followers.find(room_id);
  if (it == self->state.followers.end())
    return;
  auto& fs = it->second;
  for (auto& f : fs)
    if (f.s == &s) {
      f = fs.back(); // order among a room's followers does not matter
      fs.pop_back();
      break;
    }
  if (fs.empty())
    self->state.followers.erase(it);
}

void on_open(shard_t* self, std::uint64_t conn, std::string& user_id, std::shared_ptr<client_sink>& sink,
             bool hold) {
  auto& st = self->state;
  auto [it, inserted] = st.sessions.try_emplace(conn);
  if (!inserted)
    return; // ids are unique per node: a second open is a caller bug, ignore it
  auto& s = it->second;
  s.id = conn;
  s.user_id = std::move(user_id);
  s.sink = std::move(sink);
  s.held = hold || st.opts.hold_until_released;
  if (st.deps.presence)
    self->send(st.deps.presence, connect_atom::value, conn, s.user_id, caf::actor_cast<caf::actor>(self),
               std::weak_ptr<client_sink>{s.sink});
}

/// Ends a session: leaves its rooms (fan-out to it stops at once) and tells presence.
void end_session(shard_t* self, std::uint64_t conn) {
  auto& st = self->state;
  auto it = st.sessions.find(conn);
  if (it == st.sessions.end())
    return;
  auto& s = it->second;
  auto me = caf::actor_cast<caf::actor>(self);
  for (auto& [room_id, link] : s.rooms) {
    remove_follower(self, room_id, s);
    if (link.room)
      self->send(link.room, leave_atom::value, me, conn);
  }
  if (st.deps.presence)
    self->send(st.deps.presence, disconn_atom::value, conn);
  st.sessions.erase(it);
}

void on_unfollow(shard_t* self, std::uint64_t conn, const std::string& room_id) {
  auto* s = find_session(self, conn);
  if (!s)
    return;
  auto it = s->rooms.find(room_id);
  if (it == s->rooms.end())
    return;
  remove_follower(self, room_id, *s);
  if (it->second.room)
    self->send(it->second.room, leave_atom::value, caf::actor_cast<caf::actor>(self), conn);
  s->rooms.erase(it);
}

/// A positioned event of a room (any kind): every session of this shard following it.
void on_push(shard_t* self, room_event& ev) {
  auto it = self->state.followers.find(ev.room_id);
  if (it == self->state.followers.end())
    return;
  auto limit = self->state.opts.max_buffered_during_replay;
  for (auto& f : it->second) {
    auto& link = *f.link;
    if (!link.replaying) {
      deliver(self, *f.s, ev.room_id, link, ev.id, ev.frame);
      continue;
    }
    if (link.buffer.size() >= limit) {
      link.buffer.clear(); // storage has them: read again after this page instead of holding them
      link.overflowed = true;
      continue;
    }
    link.buffer.push_back(ev);
  }
}

/// A signal of a room (typing, ...): its followers here except the member who sent it.
void on_room_frame(shard_t* self, const std::string& room_id, const frame_ptr& frame,
                   const std::string& except_user) {
  auto it = self->state.followers.find(room_id);
  if (it == self->state.followers.end())
    return;
  for (auto& f : it->second)
    if (!f.s->cut && f.s->user_id != except_user)
      f.s->sink->push_event(frame); // ephemeral: a drop under pressure is fine
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
  for (auto& f : it->second) {
    auto& link = *f.link;
    if (!link.room || link.room.address() != source)
      continue;
    // The room actor ended (idle race or restart): rejoin and replay what may have been missed.
    link.room = nullptr;
    link.joined = false;
    link.replaying = true;
    join(self, *f.s, room_id);
  }
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
      if (auto* s = find_session(self, conn); s && !s->cut) {
        auto [link, inserted] = on_follow(self, *s, room_id, after);
        if (inserted)
          add_follower(self, room_id, *s, *link);
      }
    },
    [self](unfollow_atom, std::uint64_t conn, const std::string& room_id) { on_unfollow(self, conn, room_id); },
    [self](retry_atom, std::uint64_t conn, const std::string& room_id) { on_retry(self, conn, room_id); },
    [self](head_atom, std::uint64_t conn, const std::string& room_id, bool ok, std::int64_t id) {
      on_head(self, conn, room_id, ok, id);
    },
    [self](backfill_atom, std::uint64_t conn, std::uint64_t range_id, std::int64_t asked, bool ok,
           std::vector<history_entry>& rows) { on_backfill(self, conn, range_id, asked, ok, rows); },
    [self](fill_atom, std::uint64_t conn, const std::string& room_id, std::uint64_t gen, std::int64_t asked,
           bool ok, std::vector<history_entry>& rows) { on_fill(self, conn, room_id, gen, asked, ok, rows); },
    [self](room_atom, std::uint64_t conn) { on_room(self, conn); },
    [self](stall_atom, std::uint64_t conn, std::uint32_t wait) { on_stall(self, conn, wait); },
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
      return s ? s->rooms.size() : 0;
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
