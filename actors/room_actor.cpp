#include "actors/room_actor.hpp"

#include <algorithm>
#include <map>
#include <unordered_map>
#include <vector>

#include <caf/all.hpp>

#include "actors/atoms.hpp"
#include "actors/frame.hpp"
#include "actors/history_source.hpp"
#include "common/event_json.hpp"
#include "metrics/log.hpp"
#include "metrics/node_metrics.hpp"

namespace chat::actors {
namespace {

using clock_type = std::chrono::steady_clock;

/// A member connection: its session shard and connection id.
struct member {
  caf::actor shard;
  std::uint64_t conn = 0;
  std::string user_id;
};

/// A session shard with members here: each event goes once to each of them.
struct shard_ref {
  caf::actor shard;
  std::size_t members = 0;
};

/// An active lease of a member's signal (room_signal): renewed by repeats, ended by `end` or expiry.
struct lease {
  std::uint64_t generation = 0; ///< of the latest renewal: an older expiry is stale
  clock_type::time_point last_sent{};
  std::string end_data; ///< sent when the lease ends
};

struct room_state {
  std::string room_id;
  std::shared_ptr<history_source> history;
  std::shared_ptr<room_interest> interest;
  room_options opts;
  metrics::node_metrics* metrics = nullptr;
  bool syncing = true;                         ///< until subscribed and the head is known
  std::vector<caf::response_promise> pending_joins;
  std::vector<member> members;
  std::vector<shard_ref> shards;               ///< distinct shards of the members (monitored)
  std::int64_t last_id = 0;                    ///< chain head: last delivered id
  std::map<std::int64_t, room_event> waiting;  ///< out-of-order events keyed by their prev
  bool gap_scheduled = false;
  bool fetching = false;
  std::uint64_t idle_generation = 0;
  std::map<std::pair<std::string, std::string>, lease> leases; ///< (kind, member) → its active lease
  std::uint64_t lease_generation = 0;

  static inline const char* name = "chat.room";
};

using room_actor_t = caf::stateful_actor<room_state>;

void fan_out(room_actor_t* self, const room_event& ev) {
  auto& st = self->state;
  auto started = clock_type::now();
  for (auto& sr : st.shards)
    self->send(sr.shard, push_atom::value, ev);
  st.last_id = ev.id;
  if (st.metrics) {
    st.metrics->fanout_duration().Observe(
      std::chrono::duration<double>(clock_type::now() - started).count());
    if (ev.ts_ms > 0) {
      auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch()).count();
      st.metrics->delivery_duration().Observe(std::max<double>(0, double(now_ms - ev.ts_ms) / 1000.0));
    }
  }
}

/// Delivers every waiting event that now continues the chain; drops those already delivered.
void drain_waiting(room_actor_t* self) {
  auto& st = self->state;
  for (;;) {
    auto it = st.waiting.begin();
    if (it == st.waiting.end())
      return;
    if (it->second.id <= st.last_id) { // delivered meanwhile (by a gap fill)
      st.waiting.erase(it);
      continue;
    }
    if (it->first != st.last_id)
      return; // still a hole before it
    auto ev = std::move(it->second);
    st.waiting.erase(it);
    fan_out(self, ev);
  }
}

void schedule_gap_fetch(room_actor_t* self, std::chrono::milliseconds delay) {
  auto& st = self->state;
  if (st.gap_scheduled)
    return;
  st.gap_scheduled = true;
  self->delayed_send(self, delay, gap_atom::value);
}

void fetch_after_head(room_actor_t* self) {
  auto& st = self->state;
  st.fetching = true;
  auto me = caf::actor_cast<caf::actor>(self);
  st.history->events_after(st.room_id, st.last_id, st.opts.fetch_limit,
                             [me](bool ok, std::vector<history_entry> rows) {
                               caf::anon_send(me, fill_atom::value, ok, std::move(rows));
                             });
}

void fetch_gap(room_actor_t* self) {
  auto& st = self->state;
  st.gap_scheduled = false;
  if (st.waiting.empty() || st.fetching || st.syncing)
    return;
  fetch_after_head(self);
}

void on_fill(room_actor_t* self, bool ok, std::vector<history_entry>& rows) {
  auto& st = self->state;
  st.fetching = false;
  if (!ok) {
    if (st.waiting.empty()) // a catch-up: try again
      self->delayed_send(self, st.opts.gap_retry, catchup_atom::value);
    else
      schedule_gap_fetch(self, st.opts.gap_retry);
    return;
  }
  if (st.metrics)
    st.metrics->pubsub_catchups().Increment();
  for (auto& row : rows) {
    if (row.id <= st.last_id)
      continue;
    room_event ev;
    ev.room_id = st.room_id;
    ev.prev = st.last_id;
    ev.id = row.id;
    ev.frame = make_frame(std::move(row.frame));
    ev.audience = std::move(row.audience);
    fan_out(self, ev);
  }
  drain_waiting(self);
  if (rows.size() >= static_cast<size_t>(st.opts.fetch_limit))
    fetch_after_head(self); // more than one page behind: keep reading
  else if (!st.waiting.empty()) // storage did not have it yet: wait and look again
    schedule_gap_fetch(self, st.opts.gap_wait);
}

void on_publish(room_actor_t* self, room_event& ev) {
  auto& st = self->state;
  if (st.syncing) { // ordered once the head is known
    auto prev = ev.prev;
    st.waiting.emplace(prev, std::move(ev));
    return;
  }
  if (ev.id <= st.last_id)
    return; // already delivered (our own echo, a replayed envelope, a gap fill overtaking)
  if (ev.prev == st.last_id || ev.prev == 0) {
    fan_out(self, ev);
    drain_waiting(self);
    return;
  }
  if (ev.prev < st.last_id) {
    // The chain was written around us (e.g. a tutorial node wrote without a chain): deliver in id order.
    fan_out(self, ev);
    drain_waiting(self);
    return;
  }
  auto prev = ev.prev;
  st.waiting.emplace(prev, std::move(ev));
  schedule_gap_fetch(self, st.opts.gap_wait);
}

void read_head(room_actor_t* self) {
  auto me = caf::actor_cast<caf::actor>(self);
  self->state.history->head(self->state.room_id, [me](bool ok, std::int64_t id) {
    caf::anon_send(me, head_atom::value, ok, id);
  });
}

void on_head(room_actor_t* self, bool ok, std::int64_t head) {
  auto& st = self->state;
  if (!st.syncing)
    return;
  if (!ok) { // storage unavailable: joins keep waiting (their requests time out and are retried)
    self->delayed_send(self, st.opts.gap_retry, synced_atom::value);
    return;
  }
  st.syncing = false;
  st.last_id = head;
  auto me = caf::actor_cast<caf::actor>(self);
  for (auto& rp : st.pending_joins)
    rp.deliver(st.last_id, me);
  std::vector<caf::response_promise>{}.swap(st.pending_joins); // a room in sync keeps no capacity
  drain_waiting(self);
  if (!st.waiting.empty())
    schedule_gap_fetch(self, st.opts.gap_wait);
}

void maybe_schedule_idle(room_actor_t* self) {
  auto& st = self->state;
  if (!st.members.empty())
    return;
  self->delayed_send(self, st.opts.idle_timeout, idle_atom::value, ++st.idle_generation);
}

void add_member(room_actor_t* self, caf::actor shard, std::uint64_t conn, std::string user_id) {
  auto& st = self->state;
  if (std::any_of(st.members.begin(), st.members.end(),
                  [&](const member& m) { return m.conn == conn && m.shard == shard; }))
    return;
  auto sr = std::find_if(st.shards.begin(), st.shards.end(), [&](const shard_ref& r) { return r.shard == shard; });
  if (sr == st.shards.end()) {
    self->monitor(shard);
    st.shards.push_back(shard_ref{shard, 1});
  } else {
    ++sr->members;
  }
  st.members.push_back(member{std::move(shard), conn, std::move(user_id)});
}

void remove_member(room_actor_t* self, const caf::actor& shard, std::uint64_t conn) {
  auto& st = self->state;
  auto it = std::find_if(st.members.begin(), st.members.end(),
                         [&](const member& m) { return m.conn == conn && m.shard == shard; });
  if (it == st.members.end())
    return;
  st.members.erase(it);
  auto sr = std::find_if(st.shards.begin(), st.shards.end(), [&](const shard_ref& r) { return r.shard == shard; });
  if (sr != st.shards.end() && --sr->members == 0) {
    self->demonitor(shard);
    st.shards.erase(sr);
  }
  maybe_schedule_idle(self);
}

/// A session shard ended (node shutdown): its members are gone.
void remove_shard(room_actor_t* self, const caf::actor_addr& source) {
  auto& st = self->state;
  st.members.erase(std::remove_if(st.members.begin(), st.members.end(),
                                  [&](const member& m) { return m.shard.address() == source; }),
                   st.members.end());
  st.shards.erase(std::remove_if(st.shards.begin(), st.shards.end(),
                                 [&](const shard_ref& r) { return r.shard.address() == source; }),
                  st.shards.end());
  maybe_schedule_idle(self);
}

/// Fans a signal's frame out to the shards with members (each skips `user_id`'s connections).
void fan_out_signal(room_actor_t* self, const frame_ptr& frame, const std::string& user_id) {
  for (auto& sr : self->state.shards)
    self->send(sr.shard, event_atom::value, self->state.room_id, frame, user_id);
}

/// A local member's signal: fanned out here and relayed to the other nodes.
void send_signal(room_actor_t* self, const std::string& kind, const std::string& user_id, const std::string& data) {
  fan_out_signal(self, make_frame(event_json(kind, data)), user_id);
  if (self->state.interest)
    self->state.interest->room_signal(self->state.room_id, kind, user_id, data);
}

void on_signal(room_actor_t* self, room_signal& sig) {
  auto& st = self->state;
  // Only a member connected here may signal in the room (its sessions joined after an access check).
  if (std::none_of(st.members.begin(), st.members.end(), [&](const member& m) { return m.user_id == sig.user_id; }))
    return;
  if (sig.end_data.empty() && !sig.end) { // a one-off signal
    send_signal(self, sig.kind, sig.user_id, sig.data);
    return;
  }
  auto key = std::make_pair(sig.kind, sig.user_id);
  auto it = st.leases.find(key);
  if (sig.end) {
    if (it == st.leases.end())
      return; // not active: nothing to end
    auto end_data = std::move(it->second.end_data);
    st.leases.erase(it);
    send_signal(self, sig.kind, sig.user_id, end_data);
    return;
  }
  auto now = clock_type::now();
  auto generation = ++st.lease_generation;
  if (it == st.leases.end()) {
    st.leases.emplace(key, lease{generation, now, std::move(sig.end_data)});
    send_signal(self, sig.kind, sig.user_id, sig.data);
  } else {
    it->second.generation = generation; // renews the lease
    it->second.end_data = std::move(sig.end_data);
    if (now - it->second.last_sent >= sig.throttle) {
      it->second.last_sent = now;
      send_signal(self, sig.kind, sig.user_id, sig.data);
    }
  }
  self->delayed_send(self, sig.ttl, expire_atom::value, std::move(sig.kind), std::move(sig.user_id), generation);
}

void on_expire(room_actor_t* self, std::string& kind, std::string& user_id, std::uint64_t generation) {
  auto& leases = self->state.leases;
  auto it = leases.find(std::make_pair(kind, user_id));
  if (it == leases.end() || it->second.generation != generation)
    return; // ended or renewed meanwhile
  auto end_data = std::move(it->second.end_data);
  leases.erase(it);
  send_signal(self, kind, user_id, end_data);
}

caf::behavior room_actor(room_actor_t* self, std::string room_id, room_deps deps, room_options opts) {
  auto& st = self->state;
  st.room_id = std::move(room_id);
  st.history = std::move(deps.history);
  st.interest = std::move(deps.interest);
  st.opts = opts;
  st.metrics = deps.metrics;
  auto* metrics = deps.metrics;
  if (metrics)
    metrics->rooms_active().Increment();
  self->attach_functor([metrics, interest = st.interest, room_id = st.room_id] {
    if (metrics)
      metrics->rooms_active().Decrement();
    if (interest)
      interest->room_idle(room_id);
  });
  if (st.interest) {
    auto me = caf::actor_cast<caf::actor>(self);
    st.interest->room_active(st.room_id, [me] { caf::anon_send(me, synced_atom::value); });
  } else {
    self->send(self, synced_atom::value);
  }
  self->set_down_handler([self](caf::down_msg& dm) { remove_shard(self, dm.source); });
  maybe_schedule_idle(self);
  return {
    [self](join_atom, const std::string&, caf::actor shard, std::uint64_t conn, std::string& user_id) {
      add_member(self, std::move(shard), conn, std::move(user_id));
      auto rp = self->make_response_promise();
      if (self->state.syncing)
        self->state.pending_joins.push_back(rp);
      else
        rp.deliver(self->state.last_id, caf::actor_cast<caf::actor>(self));
      return rp;
    },
    [self](synced_atom) { read_head(self); },
    [self](head_atom, bool ok, std::int64_t id) { on_head(self, ok, id); },
    [self](catchup_atom) {
      if (!self->state.syncing && !self->state.fetching)
        fetch_after_head(self);
    },
    [self](leave_atom, const caf::actor& shard, std::uint64_t conn) { remove_member(self, shard, conn); },
    [self](publish_atom, room_event& ev) { on_publish(self, ev); },
    [self](gap_atom) { fetch_gap(self); },
    [self](fill_atom, bool ok, std::vector<history_entry>& rows) { on_fill(self, ok, rows); },
    [self](signal_atom, room_signal& sig) { on_signal(self, sig); },
    [self](relay_atom, const std::string&, const frame_ptr& frame, const std::string& except_user) {
      fan_out_signal(self, frame, except_user); // the origin node checked, throttled and ends it
    },
    [self](expire_atom, std::string& kind, std::string& user_id, std::uint64_t generation) {
      on_expire(self, kind, user_id, generation);
    },
    [self](idle_atom, std::uint64_t generation) {
      if (self->state.members.empty() && generation == self->state.idle_generation)
        self->quit();
    },
    [self](count_atom) -> std::size_t { return self->state.members.size(); },
    [self](stop_atom) { self->quit(); },
  };
}

} // namespace

caf::actor spawn_room(caf::actor_system& sys, std::string room_id, room_deps deps, room_options opts) {
  return sys.spawn(room_actor, std::move(room_id), std::move(deps), opts);
}

} // namespace chat::actors
