#include "actors/presence_actor.hpp"

#include <algorithm>
#include <unordered_map>
#include <vector>

#include <caf/all.hpp>

#include "actors/atoms.hpp"
#include "actors/frame.hpp"
#include "metrics/node_metrics.hpp"

namespace chat::actors {
namespace {

struct user_entry {
  std::vector<caf::actor> sessions; ///< this user's connections on this node
  std::size_t connections = 0;
  bool online = false;             ///< reported online to the backend
  std::uint64_t generation = 0;    ///< invalidates pending offline timers
};

struct presence_state {
  std::shared_ptr<presence_backend> backend;
  presence_options opts;
  metrics::node_metrics* metrics = nullptr;
  std::unordered_map<std::string, user_entry> users;
  std::unordered_map<caf::actor_addr, std::pair<caf::actor, std::string>> sessions;
  /// session → (user, session, its connection): what an admin kick closes.
  struct sink_entry {
    std::string user_id;
    caf::actor session;
    std::weak_ptr<client_sink> sink;
  };
  std::unordered_map<caf::actor_addr, sink_entry> sinks;
  std::vector<frame_ptr> pending;                   ///< broadcasts waiting for the flush
  bool flush_scheduled = false;
  caf::actor_clock::time_point last_flush{};        ///< when the last batch went out

  static inline const char* name = "chat.presence";
};

using presence_actor_t = caf::stateful_actor<presence_state>;

void update_gauge(presence_actor_t* self) {
  if (self->state.metrics)
    self->state.metrics->presence_entries().Set(static_cast<double>(self->state.users.size()));
}

void on_connect(presence_actor_t* self, const std::string& user_id, const caf::actor& session) {
  auto& st = self->state;
  if (!st.sessions.emplace(session.address(), std::make_pair(session, user_id)).second)
    return;
  self->monitor(session);
  auto& entry = st.users[user_id];
  entry.sessions.push_back(session);
  ++entry.connections;
  ++entry.generation; // cancels a pending offline
  if (!entry.online) {
    entry.online = true;
    st.backend->user_online(user_id);
  }
  update_gauge(self);
}

void on_session_down(presence_actor_t* self, const caf::actor_addr& source) {
  auto& st = self->state;
  st.sinks.erase(source);
  auto it = st.sessions.find(source);
  if (it == st.sessions.end())
    return;
  auto user_id = std::move(it->second.second);
  st.sessions.erase(it);
  auto& entry = st.users[user_id];
  auto& ss = entry.sessions;
  ss.erase(std::remove_if(ss.begin(), ss.end(), [&](const caf::actor& a) { return a.address() == source; }),
           ss.end());
  if (entry.connections > 0 && --entry.connections == 0)
    self->delayed_send(self, st.opts.offline_grace, offline_atom::value, user_id, ++entry.generation);
}

void queue_broadcast(presence_actor_t* self, const frame_ptr& frame) {
  auto& st = self->state;
  st.pending.push_back(frame);
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
  if (st.pending.empty())
    return;
  auto batch = make_frame_batch(std::move(st.pending));
  st.pending.clear();
  for (auto& [addr, entry] : st.sessions)
    self->send(entry.first, event_atom::value, batch);
}

} // namespace

namespace {

caf::behavior presence_actor(presence_actor_t* self, std::shared_ptr<presence_backend> backend,
                             presence_options opts, metrics::node_metrics* metrics) {
  self->state.backend = std::move(backend);
  self->state.opts = opts;
  self->state.metrics = metrics;
  self->set_down_handler([self](caf::down_msg& dm) { on_session_down(self, dm.source); });
  return {
    [self](connect_atom, const std::string& user_id, const caf::actor& session) {
      on_connect(self, user_id, session);
    },
    [self](offline_atom, const std::string& user_id, std::uint64_t generation) {
      auto it = self->state.users.find(user_id);
      if (it == self->state.users.end() || it->second.generation != generation ||
          it->second.connections > 0)
        return; // reconnected within the grace
      bool was_online = it->second.online;
      self->state.users.erase(it);
      update_gauge(self);
      if (was_online)
        self->state.backend->user_offline(user_id);
    },
    [self](event_atom, const frame_ptr& frame) { queue_broadcast(self, frame); },
    [self](flush_atom) { flush_broadcasts(self); },
    [self](event_atom, const std::string& user_id, const frame_ptr& frame) {
      auto it = self->state.users.find(user_id);
      if (it != self->state.users.end())
        for (auto& session : it->second.sessions)
          self->send(session, event_atom::value, frame);
    },
    [self](follow_atom, const std::string& user_id, const std::string& room_id, std::int64_t after) {
      auto it = self->state.users.find(user_id);
      if (it != self->state.users.end())
        for (auto& session : it->second.sessions)
          self->send(session, follow_atom::value, room_id, after);
    },
    [self](unfollow_atom, const std::string& user_id, const std::string& room_id) {
      auto it = self->state.users.find(user_id);
      if (it != self->state.users.end())
        for (auto& session : it->second.sessions)
          self->send(session, unfollow_atom::value, room_id);
    },
    [self](sink_atom, const std::string& user_id, const caf::actor& session,
           const std::weak_ptr<client_sink>& sink) {
      if (self->state.sinks.emplace(session.address(), presence_state::sink_entry{user_id, session, sink}).second)
        self->monitor(session); // a second monitor: on_session_down ignores the extra down message
    },
    [self](kick_atom, const std::string& user_id) -> std::size_t {
      std::size_t closed = 0;
      for (auto& [addr, e] : self->state.sinks) {
        if (e.user_id != user_id)
          continue;
        if (auto sink = e.sink.lock())
          sink->close(close_reason::kicked);
        self->send_exit(e.session, caf::exit_reason::user_shutdown);
        ++closed;
      }
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
