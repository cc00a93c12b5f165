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

void read_page(shard_t* self, session& s, room_catchup& c, std::size_t n) {
  c.read_wanted = false;
  s.reserved += n;
  auto me = caf::actor_cast<caf::actor>(self);
  auto conn = s.id;
  auto gen = c.read_gen;
  auto asked = static_cast<std::int64_t>(n);
  const auto& room_id = c.room_id;
  self->state.deps.history->events_after(
    room_id, c.last_sent, asked, [me, conn, room_id, gen, asked](bool ok, std::vector<history_entry> rows) {
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

} // namespace

void want_page(shard_t* self, session& s, room_catchup& c) {
  ++s.reads;
  c.read_gen = s.reads; // an answer still in flight is stale now
  c.read_wanted = true;
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
  for (auto& c : s.catchups) {
    if (!c.read_wanted)
      continue;
    auto n = read_size(self, s, woken);
    if (n == 0) {
      wait_for_room(self, s);
      return;
    }
    woken = false; // that room is taken now
    read_page(self, s, c, n);
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
  if (s->cut)
    return;
  auto* c = find_catchup(*s, room_id);
  if (!c || c->read_gen != gen) { // unfollowed, or superseded by a newer read (a resume moved back)
    pump(self, *s);
    return;
  }
  if (!ok) { // storage unavailable: try again later
    self->delayed_send(self, std::chrono::milliseconds{500}, retry_atom::value, conn, room_id);
    pump(self, *s);
    return;
  }
  for (auto& row : rows) {
    if (for_someone_else(row.audience, *s->user->user_id)) {
      c->last_sent = std::max(c->last_sent, row.id);
      continue;
    }
    if (!deliver_row(self, *s, *c, row.id, make_frame(std::move(row.frame))))
      return; // cut
  }
  if (static_cast<std::int64_t>(rows.size()) >= asked)
    want_page(self, *s, *c); // a full page: more may follow
  else
    advance(self, *s, *c); // storage is read up to date: live, or read what came meanwhile
  pump(self, *s);
}

void on_retry(shard_t* self, std::uint64_t conn, const std::string& room_id) {
  auto* s = find_session(self, conn);
  if (!s || s->cut)
    return;
  if (auto* c = find_catchup(*s, room_id); c && !c->live)
    want_page(self, *s, *c);
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
  bool done = !ok || !find_user_room(*s, it->room_id); // (on failure the client asks again on its next reconnect)
  if (!done) {
    bool beyond = false; // storage went past the range (a horizon above it): the range is complete
    for (auto& row : rows) {
      if (row.id > it->upto) {
        beyond = true;
        // A horizon above the whole range: what the client lacks is gone, and it must hear so (its
        // `reload` row comes first). The rows after it were delivered live.
        if (&row == &rows.front() && is_event(row.frame, "reload") &&
            s->sink->push_message(it->room_id, row.id, make_frame(std::move(row.frame))) == push_result::full) {
          cut_slow_consumer(self, *s);
          return;
        }
        break;
      }
      if (for_someone_else(row.audience, *s->user->user_id)) {
        it->from = row.id;
        continue;
      }
      if (s->sink->push_message(it->room_id, row.id, make_frame(std::move(row.frame))) == push_result::full) {
        cut_slow_consumer(self, *s);
        return;
      }
      it->from = row.id;
    }
    it->reading = false;
    done = beyond || static_cast<std::int64_t>(rows.size()) < asked || it->from >= it->upto;
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
  for (auto& c : s.catchups)
    if (!c.live)
      return;
  s.announce = false;
  s.sink->push_event(make_frame(event_json("resumed", "{\"rooms\":" + std::to_string(s.user->rooms.size()) + "}")));
}

} // namespace chat::actors::session_detail
