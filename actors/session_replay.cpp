/// Replay and backfill of a session, paced by its connection's queue. A page is read only when it
/// fits in the queue's replay budget (client_sink::replay_room(), less the rows of the reads in
/// flight); otherwise the session waits for the sink's wake-up (client_sink::wake_on_room()).
/// A client that reads at full speed therefore catches up any backlog on one connection, while
/// one that stops reading is cut after opts.stall_timeout without room (docs/architecture.md §2b).
#include <algorithm>

#include <caf/all.hpp>

#include "actors/atoms.hpp"
#include "actors/session_state.hpp"
#include "common/event_json.hpp"

namespace chat::actors::session_detail {
namespace {

/// A read smaller than this waits for more room (unless the sink just woke us: then any room).
constexpr std::size_t kMinRead = 32;

/// Room for one more read now: at most a page, 0 when it should wait.
std::size_t read_size(shard_t* self, session& s, bool woken) {
  const auto page = static_cast<std::size_t>(std::max<std::int64_t>(self->state.opts.replay_page, 1));
  const auto room = s.sink->replay_room();
  const auto avail = room > s.reserved ? room - s.reserved : 0;
  const auto n = std::min(page, avail);
  return n >= (woken ? std::size_t{1} : std::min(page, kMinRead)) ? n : 0;
}

void read_page(shard_t* self, session& s, const std::string& room_id, room_link& link, std::size_t n) {
  link.read_wanted = false;
  s.reserved += n;
  auto me = caf::actor_cast<caf::actor>(self);
  auto conn = s.id;
  auto gen = link.read_gen;
  auto asked = static_cast<std::int64_t>(n);
  self->state.deps.history->events_after(
    room_id, link.last_sent, asked, [me, conn, room_id, gen, asked](bool ok, std::vector<history_entry> rows) {
      caf::anon_send(me, fill_atom::value, conn, room_id, gen, asked, ok, std::move(rows));
    });
}

void read_backfill(shard_t* self, session& s, backfill_range& r, std::size_t n) {
  n = std::min<std::size_t>(n, static_cast<std::size_t>(r.upto - r.from));
  r.reading = true;
  s.reserved += n;
  auto me = caf::actor_cast<caf::actor>(self);
  auto conn = s.id;
  auto id = r.id;
  auto asked = static_cast<std::int64_t>(n);
  self->state.deps.history->events_after(
    r.room_id, r.from, asked, [me, conn, id, asked](bool ok, std::vector<history_entry> rows) {
      caf::anon_send(me, backfill_atom::value, conn, id, asked, ok, std::move(rows));
    });
}

/// Waits for the sink's wake-up, unless a read in flight will pump again when it answers.
void wait_for_room(shard_t* self, session& s) {
  if (s.reserved > 0 || s.waiting_room)
    return;
  s.waiting_room = true;
  const auto wait = ++s.waits;
  auto me = caf::actor_cast<caf::actor>(self);
  auto conn = s.id;
  self->delayed_send(self, self->state.opts.stall_timeout, stall_atom::value, conn, wait);
  s.sink->wake_on_room(static_cast<std::size_t>(std::max<std::int64_t>(self->state.opts.replay_page, 1)),
                       [me, conn] { caf::anon_send(me, room_atom::value, conn); });
}

/// Live events that arrived during the replay, in id order after what storage gave, once each.
void finish_replay(shard_t* self, session& s, const std::string& room_id, room_link& link) {
  auto buffered = std::move(link.buffer);
  link.buffer = {};
  std::stable_sort(buffered.begin(), buffered.end(),
                   [](const room_event& a, const room_event& b) { return a.id < b.id; });
  for (auto& ev : buffered)
    deliver(self, s, room_id, link, ev.id, ev.frame);
  link.replaying = false;
}

} // namespace

void want_page(shard_t* self, session& s, room_link& link) {
  ++s.reads;
  link.read_gen = s.reads; // an answer still in flight is stale now
  link.read_wanted = true;
  pump(self, s);
}

void want_backfill(shard_t* self, session& s, const std::string& room_id, std::int64_t from,
                   std::int64_t upto) {
  if (upto <= from)
    return;
  s.backfills.push_back(backfill_range{++s.reads, room_id, from, upto, false});
  pump(self, s);
}

void pump(shard_t* self, session& s, bool woken) {
  if (s.held || s.cut)
    return;
  for (auto& [room_id, link] : s.rooms) {
    if (!link.read_wanted)
      continue;
    auto n = read_size(self, s, woken);
    if (n == 0) {
      wait_for_room(self, s);
      return;
    }
    woken = false; // that room is taken now
    read_page(self, s, room_id, link, n);
  }
  for (auto& r : s.backfills) {
    if (r.reading)
      continue;
    auto n = read_size(self, s, woken);
    if (n == 0) {
      wait_for_room(self, s);
      return;
    }
    woken = false;
    read_backfill(self, s, r, n);
  }
}

void on_fill(shard_t* self, std::uint64_t conn, const std::string& room_id, std::uint64_t gen,
             std::int64_t asked, bool ok, std::vector<history_entry>& rows) {
  auto* s = find_session(self, conn);
  if (!s)
    return;
  s->reserved -= static_cast<std::size_t>(asked);
  auto it = s->rooms.find(room_id);
  if (s->cut || it == s->rooms.end())
    return;
  auto& link = it->second;
  if (link.read_gen != gen) { // superseded by a newer read (e.g. a resume moved the start back)
    pump(self, *s);
    return;
  }
  if (!ok) { // storage unavailable: try again later, keep buffering
    self->delayed_send(self, std::chrono::milliseconds{500}, retry_atom::value, conn, room_id);
    pump(self, *s);
    return;
  }
  for (auto& row : rows)
    deliver(self, *s, room_id, link, row.id, make_frame(std::move(row.frame)));
  if (s->cut)
    return;
  if (link.overflowed) { // live events were dropped from the buffer: storage has them
    link.overflowed = false;
    link.buffer.clear();
    want_page(self, *s, link);
  } else if (static_cast<std::int64_t>(rows.size()) >= asked) {
    want_page(self, *s, link); // a full page: more may follow
  } else {
    finish_replay(self, *s, room_id, link);
    pump(self, *s);
    announce_if_caught_up(self, *s);
  }
}

void on_backfill(shard_t* self, std::uint64_t conn, std::uint64_t range_id, std::int64_t asked, bool ok,
                 std::vector<history_entry>& rows) {
  auto* s = find_session(self, conn);
  if (!s)
    return;
  s->reserved -= static_cast<std::size_t>(asked);
  if (s->cut)
    return;
  auto it = std::find_if(s->backfills.begin(), s->backfills.end(),
                         [range_id](const backfill_range& r) { return r.id == range_id; });
  if (it == s->backfills.end())
    return;
  bool done = !ok || s->rooms.count(it->room_id) == 0; // (on failure the client asks again on its next reconnect)
  if (!done) {
    for (auto& row : rows) {
      if (row.id > it->upto)
        break;
      if (s->sink->push_message(it->room_id, row.id, make_frame(std::move(row.frame))) == push_result::full) {
        cut_slow_consumer(self, *s);
        return;
      }
      it->from = row.id;
    }
    it->reading = false;
    done = static_cast<std::int64_t>(rows.size()) < asked || it->from >= it->upto;
  }
  if (done)
    s->backfills.erase(it);
  pump(self, *s);
}

void on_room(shard_t* self, std::uint64_t conn) {
  auto* s = find_session(self, conn);
  if (!s || !s->waiting_room)
    return;
  s->waiting_room = false;
  pump(self, *s, true);
}

void on_stall(shard_t* self, std::uint64_t conn, std::uint32_t wait) {
  auto* s = find_session(self, conn);
  if (s && s->waiting_room && s->waits == wait)
    cut_slow_consumer(self, *s); // its queue did not drain for the whole stall timeout
}

void announce_if_caught_up(shard_t* self, session& s) {
  (void)self;
  if (!s.announce || s.cut)
    return;
  for (auto& [room_id, link] : s.rooms)
    if (link.replaying)
      return;
  s.announce = false;
  s.sink->push_event(make_frame(event_json("resumed", "{\"rooms\":" + std::to_string(s.rooms.size()) + "}")));
}

} // namespace chat::actors::session_detail
