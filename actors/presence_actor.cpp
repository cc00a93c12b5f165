#include "actors/presence_actor.hpp"

#include <algorithm>
#include <unordered_map>
#include <vector>

#include <caf/all.hpp>

#include "actors/atoms.hpp"
#include "actors/frame.hpp"
#include "actors/json_frames.hpp"
#include "actors/presence_watch.hpp"
#include "metrics/node_metrics.hpp"

namespace chat::actors {
namespace {

/// A session on this node: its shard, its user and its connection (what an admin kick closes).
struct session_entry {
  caf::actor shard;
  std::string user_id;
  std::weak_ptr<client_sink> sink;
};

struct user_entry {
  std::vector<std::uint64_t> sessions; ///< this user's connections on this node
  bool online = false;                 ///< reported online to the backend
  std::uint64_t generation = 0;        ///< invalidates pending offline timers
};

struct presence_state {
  std::shared_ptr<presence_backend> backend;
  presence_options opts;
  metrics::node_metrics* metrics = nullptr;
  std::unordered_map<std::string, user_entry> users;
  std::unordered_map<std::uint64_t, session_entry> sessions; ///< connection id → session
  std::vector<caf::actor> shards;                   ///< every shard seen (monitored)
  presence_watch watch;                             ///< who gets which presence frames
  presence_window pending;                          ///< changes waiting for the flush
  bool flush_scheduled = false;
  caf::actor_clock::time_point last_flush{};        ///< when the last batch went out

  static inline const char* name = "chat.presence";
};

using presence_actor_t = caf::stateful_actor<presence_state>;

void update_gauge(presence_actor_t* self) {
  if (self->state.metrics)
    self->state.metrics->presence_entries().Set(static_cast<double>(self->state.users.size()));
}

void on_connect(presence_actor_t* self, std::uint64_t conn, const std::string& user_id,
                const caf::actor& shard, const std::weak_ptr<client_sink>& sink) {
  auto& st = self->state;
  if (!st.sessions.emplace(conn, session_entry{shard, user_id, sink}).second)
    return;
  st.watch.add_session(conn, sink);
  if (std::find(st.shards.begin(), st.shards.end(), shard) == st.shards.end()) {
    st.shards.push_back(shard);
    self->monitor(shard);
  }
  auto& entry = st.users[user_id];
  entry.sessions.push_back(conn);
  ++entry.generation; // cancels a pending offline
  if (!entry.online) {
    entry.online = true;
    st.backend->user_online(user_id);
  }
  update_gauge(self);
}

void on_disconnect(presence_actor_t* self, std::uint64_t conn) {
  auto& st = self->state;
  st.watch.remove_session(conn);
  auto it = st.sessions.find(conn);
  if (it == st.sessions.end())
    return;
  auto user_id = std::move(it->second.user_id);
  st.sessions.erase(it);
  auto& entry = st.users[user_id];
  auto& ss = entry.sessions;
  auto pos = std::find(ss.begin(), ss.end(), conn);
  if (pos == ss.end())
    return;
  ss.erase(pos);
  if (ss.empty())
    self->delayed_send(self, st.opts.offline_grace, offline_atom::value, user_id, ++entry.generation);
}

/// A session shard ended (node shutdown): its sessions are gone.
void on_shard_down(presence_actor_t* self, const caf::actor_addr& source) {
  auto& st = self->state;
  std::vector<std::uint64_t> gone;
  for (auto& [conn, e] : st.sessions)
    if (e.shard.address() == source)
      gone.push_back(conn);
  for (auto conn : gone)
    on_disconnect(self, conn);
  st.shards.erase(std::remove_if(st.shards.begin(), st.shards.end(),
                                 [&](const caf::actor& a) { return a.address() == source; }),
                  st.shards.end());
}

/// Calls `f(session, conn)` for every local session of `user_id`.
template <class F>
void to_user_sessions(presence_actor_t* self, const std::string& user_id, F f) {
  auto it = self->state.users.find(user_id);
  if (it == self->state.users.end())
    return;
  for (auto conn : it->second.sessions) {
    auto s = self->state.sessions.find(conn);
    if (s != self->state.sessions.end())
      f(s->second, conn);
  }
}

void queue_change(presence_actor_t* self, std::string user_id, const frame_ptr& frame) {
  auto& st = self->state;
  st.pending.add(std::move(user_id), frame);
  if (st.flush_scheduled)
    return;
  st.flush_scheduled = true;
  auto since = self->clock().now() - st.last_flush;
  if (since >= st.opts.broadcast_window) // quiet: go now (after what is already in the mailbox)
    self->send(self, flush_atom::value);
  else
    self->delayed_send(self, st.opts.broadcast_window - since, flush_atom::value);
}

void flush_broadcasts(presence_actor_t* self) {
  auto& st = self->state;
  st.flush_scheduled = false;
  st.last_flush = self->clock().now();
  if (!st.pending.empty())
    st.watch.deliver(st.pending.take());
}

/// A connection's new watch set: the newly watched users' state is read, then sent as one event.
void on_watch(presence_actor_t* self, std::uint64_t conn, std::shared_ptr<client_sink>& sink,
              std::vector<std::string>& users, std::string& client_id, bool answer) {
  auto& st = self->state;
  auto added = st.watch.watch(conn, std::move(sink), std::move(users));
  if (added.empty() && !answer)
    return; // `?presence=watch` at the start: nobody, and nothing to say
  st.watch.snapshot_started(conn);
  if (added.empty()) { // nothing to read: the (empty) snapshot still answers the watch
    self->send(self, snapshot_atom::value, conn, true, std::vector<presence_row>{}, std::move(client_id));
    return;
  }
  auto me = caf::actor_cast<caf::actor>(self);
  st.backend->lookup(std::move(added), [me, conn, client_id = std::move(client_id)](
                                         bool ok, std::vector<presence_row> rows) mutable {
    caf::anon_send(me, snapshot_atom::value, conn, ok, std::move(rows), std::move(client_id));
  });
}

void on_snapshot(presence_actor_t* self, std::uint64_t conn, bool ok, std::vector<presence_row>& rows,
                 const std::string& client_id) {
  auto sink = self->state.watch.snapshot_done(conn, rows);
  if (!sink)
    return; // the connection ended meanwhile
  if (ok)
    sink->push_event(make_frame(presence_snapshot_json(rows)));
  else // the watch itself holds: live changes of its users keep coming
    sink->push_event(make_frame(error_frame_json(
      "unavailable", "presence state could not be read: send presence.watch again later", client_id)));
}

} // namespace

namespace {

caf::behavior presence_actor(presence_actor_t* self, std::shared_ptr<presence_backend> backend,
                             presence_options opts, metrics::node_metrics* metrics) {
  self->state.backend = std::move(backend);
  self->state.opts = opts;
  self->state.metrics = metrics;
  self->set_down_handler([self](caf::down_msg& dm) { on_shard_down(self, dm.source); });
  return {
    [self](connect_atom, std::uint64_t conn, const std::string& user_id, const caf::actor& shard,
           const std::weak_ptr<client_sink>& sink) { on_connect(self, conn, user_id, shard, sink); },
    [self](disconn_atom, std::uint64_t conn) { on_disconnect(self, conn); },
    [self](offline_atom, const std::string& user_id, std::uint64_t generation) {
      auto it = self->state.users.find(user_id);
      if (it == self->state.users.end() || it->second.generation != generation ||
          !it->second.sessions.empty())
        return; // reconnected within the grace
      bool was_online = it->second.online;
      self->state.users.erase(it);
      update_gauge(self);
      if (was_online)
        self->state.backend->user_offline(user_id);
    },
    [self](presence_atom, std::string& user_id, const frame_ptr& frame) {
      queue_change(self, std::move(user_id), frame);
    },
    [self](event_atom, const frame_ptr& frame) { queue_change(self, std::string{}, frame); },
    [self](flush_atom) { flush_broadcasts(self); },
    [self](watch_atom, std::uint64_t conn, std::shared_ptr<client_sink>& sink, std::vector<std::string>& users,
           std::string& client_id, bool answer) { on_watch(self, conn, sink, users, client_id, answer); },
    [self](snapshot_atom, std::uint64_t conn, bool ok, std::vector<presence_row>& rows,
           const std::string& client_id) { on_snapshot(self, conn, ok, rows, client_id); },
    [self](event_atom, const std::string& user_id, const frame_ptr& frame) {
      to_user_sessions(self, user_id, [&](const session_entry& e, std::uint64_t conn) {
        self->send(e.shard, event_atom::value, conn, frame);
      });
    },
    [self](follow_atom, const std::string& user_id, const std::string& room_id, std::int64_t after) {
      to_user_sessions(self, user_id, [&](const session_entry& e, std::uint64_t conn) {
        self->send(e.shard, follow_atom::value, conn, room_id, after);
      });
    },
    [self](unfollow_atom, const std::string& user_id, const std::string& room_id) {
      to_user_sessions(self, user_id, [&](const session_entry& e, std::uint64_t conn) {
        self->send(e.shard, unfollow_atom::value, conn, room_id);
      });
    },
    [self](kick_atom, const std::string& user_id, close_reason why) -> std::size_t {
      std::size_t closed = 0;
      to_user_sessions(self, user_id, [&](const session_entry& e, std::uint64_t conn) {
        if (auto sink = e.sink.lock())
          sink->close(why);
        self->send(e.shard, close_atom::value, conn);
        ++closed;
      });
      return closed;
    },
    [self](count_atom) -> std::size_t { return self->state.users.size(); },
    [self](stop_atom) { self->quit(); },
  };
}

} // namespace

caf::actor spawn_presence(caf::actor_system& sys, std::shared_ptr<presence_backend> backend,
                          presence_options opts, metrics::node_metrics* metrics) {
  return sys.spawn(presence_actor, std::move(backend), opts, metrics);
}

} // namespace chat::actors
