/// The per-session steps of following a room: join, start point, replay from storage, buffering of
/// live events meanwhile, exactly-once delivery, backfill of a late resume.
#include <algorithm>

#include <caf/all.hpp>

#include "actors/atoms.hpp"
#include "actors/session_state.hpp"
#include "metrics/node_metrics.hpp"

namespace chat::actors::session_detail {
namespace {

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

void fetch_replay(shard_t* self, session& s, const std::string& room_id, room_link& link,
                  std::int64_t after) {
  // A newer read supersedes one in flight (e.g. a resume moved the start point back).
  auto gen = ++link.read_gen;
  auto me = caf::actor_cast<caf::actor>(self);
  auto conn = s.id;
  self->state.deps.history->events_after(
    room_id, after, self->state.opts.replay_page,
    [me, conn, room_id, gen](bool ok, std::vector<history_entry> rows) {
      caf::anon_send(me, fill_atom::value, conn, room_id, gen, ok, std::move(rows));
    });
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

void finish_replay(shard_t* self, session& s, const std::string& room_id, room_link& link) {
  if (s.held) { // keep buffering until the release
    link.replay_done = true;
    return;
  }
  auto buffered = std::move(link.buffer);
  link.buffer.clear();
  // Replayed rows and live events may interleave in the buffer: deliver in id order, once each.
  std::stable_sort(buffered.begin(), buffered.end(),
                   [](const room_event& a, const room_event& b) { return a.id < b.id; });
  for (auto& ev : buffered)
    deliver(self, s, room_id, link, ev.id, ev.frame);
  link.replaying = false;
  link.replay_done = false;
}

} // namespace

session* find_session(shard_t* self, std::uint64_t conn) {
  auto it = self->state.sessions.find(conn);
  return it == self->state.sessions.end() ? nullptr : &it->second;
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
          fetch_replay(self, *s, room_id, *link, link->last_sent);
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
      fetch_replay(self, s, room_id, link, after);
    return {&link, false};
  }
  if (after < 0 || after >= link.baseline)
    return {&link, false}; // already following from at least that point
  if (link.last_sent == link.baseline) {
    // Nothing delivered on this connection yet: restart the room from the older point, exactly.
    start_at(s, room_id, link, after);
    if (link.joined) { // (otherwise the join's completion reads from `after`)
      link.replaying = true;
      link.replay_done = false;
      fetch_replay(self, s, room_id, link, after);
    }
    return {&link, false};
  }
  // Live messages were already delivered: send the older ones the client lacks, (after, baseline].
  auto me = caf::actor_cast<caf::actor>(self);
  auto conn = s.id;
  auto upto = link.baseline;
  link.baseline = after;
  self->state.deps.history->events_after(
    room_id, after, upto - after, [me, conn, room_id, upto](bool ok, std::vector<history_entry> rows) {
      caf::anon_send(me, backfill_atom::value, conn, room_id, upto, ok, std::move(rows));
    });
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
    fetch_replay(self, *s, room_id, *link, link->last_sent);
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
  fetch_replay(self, *s, room_id, *link, id); // whatever was written between join and the head read
}

void on_fill(shard_t* self, std::uint64_t conn, const std::string& room_id, std::uint64_t gen, bool ok,
             std::vector<history_entry>& rows) {
  session* s = nullptr;
  auto* link = find_link(self, conn, room_id, &s);
  if (!link || link->read_gen != gen)
    return; // unfollowed, ended, cut, or superseded by a newer read
  if (!ok) { // storage unavailable: try again later, keep buffering
    retry_later(self, conn, room_id, std::chrono::milliseconds{500});
    return;
  }
  auto read_up_to = link->last_sent;
  for (auto& row : rows) {
    read_up_to = std::max(read_up_to, row.id);
    if (s->held) // nothing reaches the client before the release
      link->buffer.push_back(room_event{room_id, row.id, 0, 0, make_frame(std::move(row.frame))});
    else
      deliver(self, *s, room_id, *link, row.id, make_frame(std::move(row.frame)));
  }
  if (s->cut)
    return;
  if (rows.size() >= static_cast<std::size_t>(self->state.opts.replay_page) || link->overflowed) {
    if (link->overflowed) { // live events were dropped from the buffer: read them from storage
      link->overflowed = false;
      read_up_to = link->last_sent;
      link->buffer.clear();
    }
    fetch_replay(self, *s, room_id, *link, read_up_to);
    return;
  }
  finish_replay(self, *s, room_id, *link);
}

void on_backfill(shard_t* self, std::uint64_t conn, const std::string& room_id, std::int64_t upto,
                 bool ok, std::vector<history_entry>& rows) {
  session* s = nullptr;
  if (!ok || !find_link(self, conn, room_id, &s))
    return; // the client asks again on its next reconnect
  for (auto& row : rows) {
    if (row.id > upto)
      break;
    if (s->sink->push_message(room_id, row.id, make_frame(std::move(row.frame))) == push_result::full) {
      cut_slow_consumer(self, *s);
      return;
    }
  }
}

void on_release(shard_t* self, std::uint64_t conn) {
  auto* s = find_session(self, conn);
  if (!s || !s->held)
    return;
  s->held = false;
  for (auto& [room_id, link] : s->rooms)
    if (link.replay_done)
      finish_replay(self, *s, room_id, link);
}

} // namespace chat::actors::session_detail
