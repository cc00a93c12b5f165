/// The per-session steps of following a room: join, start point, exactly-once delivery, the
/// release of the initial hold. The storage reads of a replay or backfill: session_replay.cpp.
#include <caf/all.hpp>

#include "actors/atoms.hpp"
#include "actors/session_state.hpp"
#include "metrics/node_metrics.hpp"

namespace chat::actors::session_detail {
namespace {

room_link* find_link(shard_t* self, std::uint64_t conn, const std::string& room_id, session** out = nullptr) {
  auto* s = find_session(self, conn);
  if (!s || s->cut)
    return nullptr;
  auto it = s->rooms.find(room_id);
  if (it == s->rooms.end())
    return nullptr;
  if (out)
    *out = s;
  return &it->second;
}

void fetch_head(shard_t* self, session& s, const std::string& room_id) {
  auto me = caf::actor_cast<caf::actor>(self);
  auto conn = s.id;
  self->state.deps.history->head(room_id, [me, conn, room_id](bool ok, std::int64_t id) {
    caf::anon_send(me, head_atom::value, conn, room_id, ok, id);
  });
}

/// Sets where delivery of a room starts on this connection.
void start_at(session& s, const std::string& room_id, room_link& link, std::int64_t after) {
  link.last_sent = after;
  link.baseline = after;
  s.sink->note_cursor(room_id, after);
}

void retry_later(shard_t* self, std::uint64_t conn, const std::string& room_id, std::chrono::milliseconds delay) {
  self->delayed_send(self, delay, retry_atom::value, conn, room_id);
}

} // namespace

session* find_session(shard_t* self, std::uint64_t conn) {
  auto it = self->state.sessions.find(conn);
  return it == self->state.sessions.end() ? nullptr : &it->second;
}

void cut_slow_consumer(shard_t* self, session& s) {
  if (s.cut)
    return;
  s.cut = true;
  if (self->state.deps.metrics)
    self->state.deps.metrics->slow_consumers().Increment();
  s.sink->close(close_reason::slow_consumer);
  // Ended after the current fan-out (it may be iterating this session's room index).
  self->send(self, close_atom::value, s.id);
}

void deliver(shard_t* self, session& s, const std::string& room_id, room_link& link, std::int64_t id,
             const frame_ptr& frame) {
  if (id <= link.last_sent || s.cut)
    return;
  if (s.sink->push_message(room_id, id, frame) == push_result::full) {
    cut_slow_consumer(self, s);
    return;
  }
  link.last_sent = id;
}

void join(shard_t* self, session& s, const std::string& room_id) {
  auto& st = self->state;
  auto me = caf::actor_cast<caf::actor>(self);
  auto conn = s.id;
  self->request(st.deps.directory, st.opts.join_timeout, join_atom::value, room_id, me, conn, s.user_id)
    .then(
      [self, me, conn, room_id](std::int64_t, caf::actor room) {
        session* s = nullptr;
        auto* link = find_link(self, conn, room_id, &s);
        if (!link) { // unfollowed, ended or cut meanwhile
          self->send(room, leave_atom::value, me, conn);
          return;
        }
        link->room = room;
        link->joined = true;
        if (self->state.monitored.emplace(room.address(), room_id).second)
          self->monitor(room);
        if (link->want_head)
          fetch_head(self, *s, room_id);
        else if (link->replaying)
          want_page(self, *s, *link);
      },
      [self, conn, room_id](caf::error&) {
        // The room quit between lookup and join (idle) or the node is busy: try again shortly.
        retry_later(self, conn, room_id, self->state.opts.retry_delay);
      });
}

std::pair<room_link*, bool> on_follow(shard_t* self, session& s, const std::string& room_id,
                                      std::int64_t after) {
  auto [it, inserted] = s.rooms.try_emplace(room_id);
  auto& link = it->second;
  if (inserted) {
    link.replaying = true; // live events wait until the start point is known and replayed
    if (after >= 0)
      start_at(s, room_id, link, after);
    else
      link.want_head = true;
    join(self, s, room_id);
    return {&link, true};
  }
  if (after >= 0 && link.want_head) { // the client's cursor arrived before the head read: use it
    link.want_head = false;
    start_at(s, room_id, link, after);
    if (link.joined)
      want_page(self, s, link);
    return {&link, false};
  }
  if (after < 0 || after >= link.baseline)
    return {&link, false}; // already following from at least that point
  if (link.last_sent == link.baseline) {
    // Nothing delivered on this connection yet: restart the room from the older point, exactly.
    start_at(s, room_id, link, after);
    link.replaying = true;
    if (link.joined) // (otherwise the join's completion reads from `after`)
      want_page(self, s, link);
    return {&link, false};
  }
  // Live events were already delivered: send the older ones the client lacks, (after, baseline].
  auto upto = link.baseline;
  link.baseline = after;
  want_backfill(self, s, room_id, after, upto);
  return {&link, false};
}

void on_retry(shard_t* self, std::uint64_t conn, const std::string& room_id) {
  session* s = nullptr;
  auto* link = find_link(self, conn, room_id, &s);
  if (!link)
    return;
  if (!link->joined)
    join(self, *s, room_id);
  else if (link->want_head)
    fetch_head(self, *s, room_id);
  else if (link->replaying)
    want_page(self, *s, *link);
}

void on_head(shard_t* self, std::uint64_t conn, const std::string& room_id, bool ok, std::int64_t id) {
  session* s = nullptr;
  auto* link = find_link(self, conn, room_id, &s);
  if (!link || !link->want_head)
    return;
  if (!ok) {
    retry_later(self, conn, room_id, std::chrono::milliseconds{500});
    return;
  }
  link->want_head = false;
  start_at(*s, room_id, *link, id);
  want_page(self, *s, *link); // whatever was written between join and the head read
}

void on_release(shard_t* self, std::uint64_t conn) {
  auto* s = find_session(self, conn);
  if (!s || !s->held)
    return;
  s->held = false;
  s->announce = true;
  pump(self, *s); // the reads that waited for the release
  announce_if_caught_up(self, *s);
}

} // namespace chat::actors::session_detail
