#include "actors/session_actor.hpp"

#include <algorithm>
#include <unordered_map>
#include <vector>

#include <caf/all.hpp>

#include "actors/atoms.hpp"
#include "actors/client_sink.hpp"
#include "actors/frame.hpp"
#include "actors/history_source.hpp"
#include "metrics/node_metrics.hpp"

namespace chat::actors {
namespace {

/// The session's view of one followed room.
struct room_link {
  caf::actor room;
  std::int64_t last_sent = 0;      ///< highest id handed to the sink: the dedupe guard
  std::int64_t baseline = 0;       ///< where this connection's delivery of the room started
  bool joined = false;
  bool want_head = false;          ///< live follow: start at the room's head, read after joining
  bool replaying = false;
  bool replay_done = false;        ///< storage is read up to date, the buffer waits for the release
  std::uint64_t read_gen = 0;      ///< generation of the storage read in flight (older answers are stale)
  bool overflowed = false;         ///< live events were dropped from the buffer: read storage again
  std::vector<room_event> buffer;  ///< live events received during a replay
};

struct session_state {
  std::string user_id;
  std::shared_ptr<client_sink> sink;
  session_deps deps;
  session_options opts;
  std::unordered_map<std::string, room_link> rooms;
  bool cut = false;
  bool held = false; ///< deliveries wait for the release (initial hold of a WebSocket)

  static inline const char* name = "chat.session";
};

using session_actor_t = caf::stateful_actor<session_state>;

void cut_slow_consumer(session_actor_t* self) {
  auto& st = self->state;
  if (st.cut)
    return;
  st.cut = true;
  if (st.deps.metrics)
    st.deps.metrics->slow_consumers().Increment();
  st.sink->close(close_reason::slow_consumer);
  self->quit();
}

/// Hands one message to the sink unless it was already sent.
void deliver(session_actor_t* self, const std::string& room_id, room_link& link, std::int64_t id,
             const frame_ptr& frame) {
  if (id <= link.last_sent || self->state.cut)
    return;
  if (self->state.sink->push_message(room_id, id, frame) == push_result::full) {
    cut_slow_consumer(self);
    return;
  }
  link.last_sent = id;
}

void fetch_replay(session_actor_t* self, const std::string& room_id, std::int64_t after) {
  auto it = self->state.rooms.find(room_id);
  if (it == self->state.rooms.end())
    return;
  // A newer read supersedes one in flight (e.g. a resume moved the start point back).
  auto gen = ++it->second.read_gen;
  auto me = caf::actor_cast<caf::actor>(self);
  self->state.deps.history->messages_after(
    room_id, after, self->state.opts.replay_page,
    [me, room_id, gen](bool ok, std::vector<history_entry> rows) {
      caf::anon_send(me, fill_atom::value, room_id, gen, ok, std::move(rows));
    });
}

void fetch_head(session_actor_t* self, const std::string& room_id) {
  auto me = caf::actor_cast<caf::actor>(self);
  self->state.deps.history->head(room_id, [me, room_id](bool ok, std::int64_t id) {
    caf::anon_send(me, head_atom::value, room_id, ok, id);
  });
}

/// Sets where delivery of a room starts on this connection.
void start_at(session_actor_t* self, const std::string& room_id, room_link& link, std::int64_t after) {
  link.last_sent = after;
  link.baseline = after;
  self->state.sink->note_cursor(room_id, after);
}

void join(session_actor_t* self, const std::string& room_id) {
  auto& st = self->state;
  auto me = caf::actor_cast<caf::actor>(self);
  self->request(st.deps.directory, st.opts.join_timeout, join_atom::value, room_id, me, st.user_id)
    .then(
      [self, room_id](std::int64_t, caf::actor room) {
        auto it = self->state.rooms.find(room_id);
        if (it == self->state.rooms.end()) { // unfollowed meanwhile
          self->send(room, leave_atom::value, caf::actor_cast<caf::actor>(self));
          return;
        }
        auto& link = it->second;
        link.room = room;
        link.joined = true;
        self->monitor(room);
        if (link.want_head)
          fetch_head(self, room_id);
        else if (link.replaying)
          fetch_replay(self, room_id, link.last_sent);
      },
      [self, room_id](caf::error&) {
        // The room quit between lookup and join (idle) or the node is busy: try again shortly.
        self->delayed_send(self, self->state.opts.retry_delay, retry_atom::value, room_id);
      });
}

void on_follow(session_actor_t* self, const std::string& room_id, std::int64_t after) {
  auto& st = self->state;
  auto [it, inserted] = st.rooms.try_emplace(room_id);
  auto& link = it->second;
  if (!inserted) {
    if (after >= 0 && link.want_head) { // the client's cursor arrived before the head read: use it
      link.want_head = false;
      start_at(self, room_id, link, after);
      if (link.joined)
        fetch_replay(self, room_id, after);
      return;
    }
    if (after < 0 || after >= link.baseline)
      return; // already following from at least that point
    if (link.last_sent == link.baseline && !link.want_head) {
      // Nothing delivered on this connection yet: restart the room from the older point, exactly.
      start_at(self, room_id, link, after);
      if (link.joined) { // (otherwise the join's completion reads from `after`)
        link.replaying = true;
        link.replay_done = false;
        fetch_replay(self, room_id, after);
      }
      return;
    }
    // Live messages were already delivered: send the older ones the client lacks, (after, baseline].
    auto me = caf::actor_cast<caf::actor>(self);
    auto upto = link.baseline;
    link.baseline = after;
    st.deps.history->messages_after(room_id, after, upto - after,
                                    [me, room_id, upto](bool ok, std::vector<history_entry> rows) {
                                      caf::anon_send(me, backfill_atom::value, room_id, upto, ok,
                                                     std::move(rows));
                                    });
    return;
  }
  link.replaying = true; // live events wait until the start point is known and replayed
  if (after >= 0)
    start_at(self, room_id, link, after);
  else
    link.want_head = true;
  join(self, room_id);
}

void finish_replay(session_actor_t* self, const std::string& room_id, room_link& link) {
  if (self->state.held) { // keep buffering until the release
    link.replay_done = true;
    return;
  }
  auto buffered = std::move(link.buffer);
  link.buffer.clear();
  // Replayed rows and live events may interleave in the buffer: deliver in id order, once each.
  std::stable_sort(buffered.begin(), buffered.end(),
                   [](const room_event& a, const room_event& b) { return a.id < b.id; });
  for (auto& ev : buffered)
    deliver(self, room_id, link, ev.id, ev.frame);
  link.replaying = false;
  link.replay_done = false;
}

void on_fill(session_actor_t* self, const std::string& room_id, std::uint64_t gen, bool ok,
             std::vector<history_entry>& rows) {
  auto it = self->state.rooms.find(room_id);
  if (it == self->state.rooms.end() || self->state.cut || it->second.read_gen != gen)
    return; // unfollowed, cut, or superseded by a newer read
  auto& link = it->second;
  if (!ok) { // storage unavailable: try again later, keep buffering
    self->delayed_send(self, std::chrono::milliseconds{500}, retry_atom::value, room_id);
    return;
  }
  auto read_up_to = link.last_sent;
  for (auto& row : rows) {
    read_up_to = std::max(read_up_to, row.id);
    if (self->state.held) // nothing reaches the client before the release
      link.buffer.push_back(room_event{room_id, row.id, 0, 0, make_message_frame(row.json)});
    else
      deliver(self, room_id, link, row.id, make_message_frame(row.json));
  }
  if (self->state.cut)
    return;
  if (rows.size() >= static_cast<std::size_t>(self->state.opts.replay_page) || link.overflowed) {
    if (link.overflowed) { // live events were dropped from the buffer: read them from storage
      link.overflowed = false;
      read_up_to = link.last_sent;
      link.buffer.clear();
    }
    fetch_replay(self, room_id, read_up_to);
    return;
  }
  finish_replay(self, room_id, link);
}

void on_push(session_actor_t* self, room_event& ev) {
  auto it = self->state.rooms.find(ev.room_id);
  if (it == self->state.rooms.end())
    return;
  auto& link = it->second;
  if (!link.replaying) {
    deliver(self, ev.room_id, link, ev.id, ev.frame);
    return;
  }
  if (link.buffer.size() >= self->state.opts.max_buffered_during_replay) {
    link.buffer.clear(); // storage has them: read again after this page instead of holding them
    link.overflowed = true;
    return;
  }
  link.buffer.push_back(std::move(ev));
}

void on_room_down(session_actor_t* self, const caf::actor_addr& source) {
  if (source == self->state.deps.directory.address()) {
    // The node is shutting down: nothing left to follow.
    self->quit();
    return;
  }
  for (auto& [room_id, link] : self->state.rooms) {
    if (link.room.address() != source)
      continue;
    // The room actor ended (idle race or restart): rejoin and replay what may have been missed.
    link.room = nullptr;
    link.joined = false;
    link.replaying = true;
    join(self, room_id);
    return;
  }
}

caf::behavior session_actor(session_actor_t* self, std::string user_id,
                            std::shared_ptr<client_sink> sink, session_deps deps,
                            session_options opts) {
  auto& st = self->state;
  st.user_id = std::move(user_id);
  st.sink = std::move(sink);
  st.deps = std::move(deps);
  st.opts = opts;
  st.held = opts.hold_until_released;
  if (st.deps.presence)
    self->send(st.deps.presence, connect_atom::value, st.user_id, caf::actor_cast<caf::actor>(self));
  self->set_down_handler([self](caf::down_msg& dm) { on_room_down(self, dm.source); });
  self->monitor(st.deps.directory);
  self->attach_functor([self] {
    // Leave rooms explicitly so fan-out stops at once (rooms also monitor us).
    for (auto& [room_id, link] : self->state.rooms)
      if (link.room)
        caf::anon_send(link.room, leave_atom::value, caf::actor_cast<caf::actor>(self));
  });
  return {
    [self](follow_atom, const std::string& room_id, std::int64_t after) { on_follow(self, room_id, after); },
    [self](unfollow_atom, const std::string& room_id) {
      auto it = self->state.rooms.find(room_id);
      if (it == self->state.rooms.end())
        return;
      if (it->second.room) {
        self->demonitor(it->second.room);
        self->send(it->second.room, leave_atom::value, caf::actor_cast<caf::actor>(self));
      }
      self->state.rooms.erase(it);
    },
    [self](retry_atom, const std::string& room_id) {
      auto it = self->state.rooms.find(room_id);
      if (it == self->state.rooms.end())
        return;
      if (!it->second.joined)
        join(self, room_id);
      else if (it->second.want_head)
        fetch_head(self, room_id);
      else if (it->second.replaying)
        fetch_replay(self, room_id, it->second.last_sent);
    },
    [self](head_atom, const std::string& room_id, bool ok, std::int64_t id) {
      auto it = self->state.rooms.find(room_id);
      if (it == self->state.rooms.end() || self->state.cut || !it->second.want_head)
        return;
      if (!ok) {
        self->delayed_send(self, std::chrono::milliseconds{500}, retry_atom::value, room_id);
        return;
      }
      it->second.want_head = false;
      start_at(self, room_id, it->second, id);
      fetch_replay(self, room_id, id); // whatever was written between join and the head read
    },
    [self](backfill_atom, const std::string& room_id, std::int64_t upto, bool ok,
           std::vector<history_entry>& rows) {
      auto it = self->state.rooms.find(room_id);
      if (!ok || it == self->state.rooms.end() || self->state.cut)
        return; // the client asks again on its next reconnect
      for (auto& row : rows) {
        if (row.id > upto)
          break;
        if (self->state.sink->push_message(room_id, row.id, make_message_frame(row.json)) ==
            push_result::full) {
          cut_slow_consumer(self);
          return;
        }
      }
    },
    [self](push_atom, room_event& ev) { on_push(self, ev); },
    [self](fill_atom, const std::string& room_id, std::uint64_t gen, bool ok,
           std::vector<history_entry>& rows) { on_fill(self, room_id, gen, ok, rows); },
    [self](event_atom, const frame_ptr& frame) {
      if (!self->state.cut)
        self->state.sink->push_event(frame); // ephemeral: a drop under pressure is fine
    },
    [self](event_atom, const frame_batch_ptr& batch) {
      if (!self->state.cut)
        self->state.sink->push_events(*batch); // ephemeral, like single events
    },
    [self](release_atom) {
      if (!self->state.held)
        return;
      self->state.held = false;
      for (auto& [room_id, link] : self->state.rooms)
        if (link.replay_done)
          finish_replay(self, room_id, link);
    },
    [self](count_atom) -> std::size_t { return self->state.rooms.size(); },
    [self](stop_atom) { self->quit(); },
  };
}

} // namespace

caf::actor spawn_session(caf::actor_system& sys, std::string user_id,
                         std::shared_ptr<client_sink> sink, session_deps deps,
                         session_options opts) {
  return sys.spawn(session_actor, std::move(user_id), std::move(sink), std::move(deps), opts);
}

} // namespace chat::actors
