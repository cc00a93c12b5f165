/// Following rooms: the user's join of each room (once per user and shard), where each connection
/// starts, live delivery exactly once, going live after a catch-up, the release of the initial
/// hold and the end of the late-resume window. The storage reads of a catch-up or a backfill:
/// session_replay.cpp.
#include <algorithm>

#include <caf/all.hpp>

#include "actors/atoms.hpp"
#include "actors/session_state.hpp"
#include "metrics/node_metrics.hpp"

namespace chat::actors::session_detail {
namespace {

/// Sets where a connection's delivery of a room starts.
void place(session& s, room_catchup& c, std::int64_t at) {
  c.last_sent = at;
  c.baseline = at;
  s.sink->note_cursor(c.room_id, at);
}

void erase_catchup(session& s, const room_catchup* c) {
  auto i = static_cast<std::size_t>(c - s.catchups.data());
  if (i + 1 != s.catchups.size())
    s.catchups[i] = std::move(s.catchups.back());
  s.catchups.pop_back();
  if (s.catchups.empty())
    s.catchups.shrink_to_fit(); // a settled connection keeps nothing per room
}


void on_joined(shard_t* self, const std::string& user_id, std::uint64_t key, const std::string& room_id,
               std::int64_t last_id, caf::actor room) {
  auto me = caf::actor_cast<caf::actor>(self);
  auto u = self->state.users.find(user_id);
  if (u == self->state.users.end() || u->second.key != key) { // the user's sessions ended meanwhile
    self->send(room, leave_atom::value, me, key);
    return;
  }
  auto it = u->second.rooms.find(room_id);
  if (it == u->second.rooms.end()) { // unfollowed meanwhile
    self->send(room, leave_atom::value, me, key);
    return;
  }
  auto& ur = it->second;
  ur.room = room;
  ur.joined = true;
  ur.last_live = std::max(ur.last_live, last_id); // events after it come live
  if (self->state.monitored.emplace(room.address(), room_id).second)
    self->monitor(room);
  for (auto* s : u->second.sessions) {
    auto* c = find_catchup(*s, room_id);
    if (!c)
      continue;
    if (c->last_sent < 0)
      place(*s, *c, ur.last_live); // no cursor: starts at the live point
    advance(self, *s, *c);
  }
}

} // namespace

void remove_follower(shard_t* self, const std::string& room_id, const user_entry* u) {
  auto it = self->state.followers.find(room_id);
  if (it == self->state.followers.end())
    return;
  auto& us = it->second;
  us.erase(std::remove_if(us.begin(), us.end(), [u](const room_follower& f) { return f.user == u; }), us.end());
  if (us.empty())
    self->state.followers.erase(it);
}

session* find_session(shard_t* self, std::uint64_t conn) {
  auto it = self->state.sessions.find(conn);
  return it == self->state.sessions.end() ? nullptr : &it->second;
}

room_catchup* find_catchup(session& s, const std::string& room_id) {
  for (auto& c : s.catchups)
    if (c.room_id == room_id)
      return &c;
  return nullptr;
}

user_room* find_user_room(session& s, const std::string& room_id) {
  auto it = s.user->rooms.find(room_id);
  return it == s.user->rooms.end() ? nullptr : &it->second;
}

void cut_slow_consumer(shard_t* self, session& s) {
  if (s.cut)
    return;
  s.cut = true;
  if (self->state.deps.metrics)
    self->state.deps.metrics->slow_consumers().Increment();
  s.sink->close(close_reason::slow_consumer);
  // Ended after the current fan-out (it may be iterating this session's user).
  self->send(self, close_atom::value, s.id);
}

void deliver_live(shard_t* self, session& s, const std::string& room_id, std::int64_t id,
                  const frame_ptr& frame) {
  if (s.cut)
    return;
  room_catchup* c = s.catchups.empty() ? nullptr : find_catchup(s, room_id);
  if (c && (!c->live || id <= c->last_sent))
    return; // catching up: storage has it (or it went out already)
  if (s.sink->push_message(room_id, id, frame) == push_result::full) {
    cut_slow_consumer(self, s);
    return;
  }
  if (c) {
    c->last_sent = id;
    if (s.settled)
      erase_catchup(s, c);
  }
}

bool deliver_row(shard_t* self, session& s, room_catchup& c, std::int64_t id, const frame_ptr& frame) {
  if (id <= c.last_sent)
    return true;
  if (s.sink->push_message(c.room_id, id, frame) == push_result::full) {
    cut_slow_consumer(self, s);
    return false;
  }
  c.last_sent = id;
  return true;
}

void join(shard_t* self, user_entry& u, const std::string& room_id) {
  auto& st = self->state;
  auto me = caf::actor_cast<caf::actor>(self);
  auto user_id = *u.user_id;
  auto key = u.key;
  self->request(st.deps.directory, st.opts.join_timeout, join_atom::value, room_id, me, key, user_id)
    .then(
      [self, user_id, key, room_id](std::int64_t last_id, caf::actor room) {
        on_joined(self, user_id, key, room_id, last_id, std::move(room));
      },
      [self, user_id, room_id](caf::error&) {
        // The room quit between lookup and join (idle) or the node is busy: try again shortly.
        self->delayed_send(self, self->state.opts.retry_delay, retry_atom::value, user_id, room_id);
      });
}

void on_follow(shard_t* self, session& s, const std::string& room_id, std::int64_t after) {
  auto& u = *s.user;
  auto [it, inserted] = u.rooms.try_emplace(room_id);
  if (inserted) { // a new room of the user: every session of the user here follows it
    self->state.followers[room_id].push_back(room_follower{&u, &it->second});
    for (auto* o : u.sessions)
      o->catchups.push_back(room_catchup{room_id});
    if (after >= 0)
      place(s, *find_catchup(s, room_id), after);
    join(self, u, room_id);
    return;
  }
  auto* c = find_catchup(s, room_id);
  if (!c || after < 0)
    return; // live in it and settled (a later resume cannot be told apart), or no cursor
  if (c->last_sent < 0) { // not placed yet (the join is pending): the cursor is the start
    place(s, *c, after);
    return;
  }
  if (after >= c->baseline)
    return; // already following from at least that point
  if (c->last_sent == c->baseline) {
    // Nothing delivered on this connection yet: restart the room from the older point, exactly.
    place(s, *c, after);
    c->live = false;
    advance(self, s, *c);
    return;
  }
  // Events were delivered already: send the older ones the client lacks, (after, baseline].
  auto upto = c->baseline;
  c->baseline = after;
  want_backfill(self, s, room_id, after, upto);
}

void on_unfollow(shard_t* self, session& s, const std::string& room_id) {
  auto& u = *s.user;
  auto it = u.rooms.find(room_id);
  if (it == u.rooms.end())
    return;
  if (it->second.room)
    self->send(it->second.room, leave_atom::value, caf::actor_cast<caf::actor>(self), u.key);
  u.rooms.erase(it);
  remove_follower(self, room_id, &u);
  for (auto* o : u.sessions) {
    if (auto* c = find_catchup(*o, room_id))
      erase_catchup(*o, c);
    announce_if_caught_up(self, *o);
  }
}

void on_room_down(shard_t* self, user_entry& u, const std::string& room_id) {
  auto& ur = u.rooms.at(room_id);
  ur.room = nullptr;
  ur.joined = false;
  // Every session catches up from where the live stream stopped (after the rejoin).
  for (auto* s : u.sessions) {
    if (auto* c = find_catchup(*s, room_id)) {
      c->live = false;
      continue;
    }
    room_catchup c{room_id};
    c.last_sent = c.baseline = ur.last_live;
    s->catchups.push_back(std::move(c));
  }
  join(self, u, room_id);
}

void advance(shard_t* self, session& s, room_catchup& c) {
  if (s.held || s.cut || c.last_sent < 0)
    return;
  auto* ur = find_user_room(s, c.room_id);
  if (!ur || !ur->joined)
    return; // the join's answer continues
  if (c.last_sent < ur->last_live) {
    want_page(self, s, c); // storage has what it lacks
    return;
  }
  c.live = true; // nothing in between: live events go out from here
  if (s.settled && c.last_sent == ur->last_live)
    erase_catchup(s, &c);
  announce_if_caught_up(self, s);
}

void on_release(shard_t* self, std::uint64_t conn) {
  auto* s = find_session(self, conn);
  if (!s || !s->held)
    return;
  s->held = false;
  s->announce = true;
  for (std::size_t i = 0; i < s->catchups.size(); ++i)
    advance(self, *s, s->catchups[i]); // (not settled yet: nothing is erased here)
  pump(self, *s);
  announce_if_caught_up(self, *s);
  schedule_settle(self, conn);
}

void schedule_settle(shard_t* self, std::uint64_t conn) {
  auto& q = self->state.settles;
  const auto window = self->state.opts.late_resume_window;
  const bool idle = q.empty(); // otherwise the timer is set for the front, which is due earlier
  q.emplace_back(self->clock().now() + window, conn);
  if (idle)
    self->delayed_send(self, window, settle_atom::value);
}

void on_settle_tick(shard_t* self) {
  auto& q = self->state.settles;
  const auto now = self->clock().now();
  while (!q.empty() && q.front().first <= now) {
    const auto conn = q.front().second;
    q.pop_front();
    on_settle(self, conn);
  }
  if (!q.empty())
    self->delayed_send(self, q.front().first - now, settle_atom::value);
}

void on_settle(shard_t* self, std::uint64_t conn) {
  auto* s = find_session(self, conn);
  if (!s || s->settled)
    return;
  s->settled = true;
  for (std::size_t i = s->catchups.size(); i-- > 0;) {
    auto& c = s->catchups[i];
    auto* ur = find_user_room(*s, c.room_id);
    if (c.live && (!ur || c.last_sent <= ur->last_live))
      erase_catchup(*s, &c);
  }
}

} // namespace chat::actors::session_detail
