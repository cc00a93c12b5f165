#include "actors/retention_actor.hpp"

#include <algorithm>
#include <deque>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include <caf/all.hpp>

#include "actors/atoms.hpp"
#include "metrics/log.hpp"
#include "metrics/node_metrics.hpp"
#include "storage/chat_store.hpp"

namespace chat::actors {

namespace {

struct retention_state {
  retention_ports ports;
  retention_options opts;
  std::deque<std::string> queue;          ///< rooms of this sweep waiting for a step, in turn
  std::unordered_set<std::string> queued; ///< the same rooms, for dedup
  std::unordered_map<std::string, std::int64_t> unannounced; ///< rooms this sweep trimmed → the highest id gone
  std::string cursor = "0";               ///< the room walk's SCAN cursor
  bool scan_done = false;                 ///< the walk of this sweep is complete
  bool due = false;                       ///< a sweep should start (its interval passed)
  bool sweeping = false;
  bool leader = false;                    ///< this node held the lease at its last check
  bool in_flight = false;                 ///< one Redis call at a time
  bool stopping = false;
  std::size_t calls_this_tick = 0;
  std::size_t ticks_since_lease = 0;
  static inline const char* name = "retention";
};

using retention_t = caf::stateful_actor<retention_state>;

void enqueue(retention_state& st, std::string room) {
  if (st.queued.insert(room).second)
    st.queue.push_back(std::move(room));
}

/// The room's trimming of this sweep is over: its members hear of it once.
void announce(retention_state& st, const std::string& room) {
  auto it = st.unannounced.find(room);
  if (it == st.unannounced.end())
    return;
  if (st.ports.announce)
    st.ports.announce(room, it->second);
  st.unannounced.erase(it);
}

void end_sweep(retention_state& st) {
  st.sweeping = false;
  st.queue.clear();
  st.queued.clear();
  if (st.ports.announce) // rooms cut short (a lost lease, a failed scan): trimmed all the same
    for (const auto& [room, upto] : st.unannounced)
      st.ports.announce(room, upto);
  st.unannounced.clear();
}

void ask_lease(retention_t* self) {
  auto& st = self->state;
  st.in_flight = true;
  ++st.calls_this_tick;
  caf::actor me = caf::actor_cast<caf::actor>(self);
  st.ports.lease([me](bool leader) { caf::anon_send(me, rt_lease_atom::value, leader); });
}

void pump(retention_t* self) {
  auto& st = self->state;
  while (!st.stopping && !st.in_flight && st.leader && st.calls_this_tick < st.opts.max_calls_per_tick) {
    if (!st.sweeping) {
      if (!st.due)
        return;
      st.due = false; // a new sweep: the walk starts over
      st.sweeping = true;
      st.cursor = "0";
      st.scan_done = false;
    }
    if (st.calls_this_tick >= st.opts.busy_calls_per_tick && st.ports.busy && st.ports.busy())
      return; // chat traffic first: the rest waits for the next tick
    caf::actor me = caf::actor_cast<caf::actor>(self);
    if (!st.queue.empty()) {
      auto room = std::move(st.queue.front());
      st.queue.pop_front();
      st.queued.erase(room);
      st.in_flight = true;
      ++st.calls_this_tick;
      st.ports.trim(room, [me, room](bool ok, std::int64_t trimmed, bool more, std::int64_t upto) {
        caf::anon_send(me, rt_trim_atom::value, room, ok, trimmed, more, upto);
      });
    } else if (!st.scan_done) {
      st.in_flight = true;
      ++st.calls_this_tick;
      st.ports.scan(st.cursor, [me](bool ok, std::string next, std::vector<std::string> rooms) {
        caf::anon_send(me, rt_scan_atom::value, ok, std::move(next), std::move(rooms));
      });
    } else {
      end_sweep(st); // every room walked and trimmed; the next sweep starts when due
    }
  }
}

/// After a call answered: quits when stopping, else goes on.
void answered(retention_t* self) {
  auto& st = self->state;
  st.in_flight = false;
  if (st.stopping)
    self->quit();
  else
    pump(self);
}

caf::behavior retention(retention_t* self, retention_ports ports, retention_options opts) {
  self->state.ports = std::move(ports);
  self->state.opts = opts;
  self->send(self, rt_sweep_atom::value);
  self->send(self, rt_tick_atom::value);
  return {
    [self](rt_sweep_atom) {
      auto& st = self->state;
      if (st.stopping)
        return;
      st.due = true;
      self->delayed_send(self, st.opts.interval, rt_sweep_atom::value);
    },
    [self](rt_tick_atom) {
      auto& st = self->state;
      if (st.stopping)
        return;
      st.calls_this_tick = 0;
      ++st.ticks_since_lease;
      if (!st.in_flight && (st.due || st.sweeping)) {
        // Work only under the lease: asked when not held, and renewed every lease_renew_ticks (idle
        // ticks count too, so a sweep never starts on a lease that may have expired meanwhile).
        if (!st.leader || st.ticks_since_lease >= st.opts.lease_renew_ticks)
          ask_lease(self);
        else
          pump(self);
      }
      self->delayed_send(self, st.opts.tick, rt_tick_atom::value);
    },
    [self](rt_lease_atom, bool leader) {
      auto& st = self->state;
      st.ticks_since_lease = 0;
      st.leader = leader;
      if (!leader) { // another node sweeps (or Redis is down): look again at the next interval
        end_sweep(st);
        st.due = false;
      }
      answered(self);
    },
    [self](rt_scan_atom, bool ok, std::string& next, std::vector<std::string>& rooms) {
      auto& st = self->state;
      if (!ok) {
        log::warn("retention_scan_failed", {});
        end_sweep(st); // the next interval starts over
      } else if (st.sweeping) {
        for (auto& r : rooms)
          enqueue(st, std::move(r));
        st.cursor = std::move(next);
        st.scan_done = st.cursor == "0";
      }
      answered(self);
    },
    [self](rt_trim_atom, std::string& room, bool ok, std::int64_t trimmed, bool more, std::int64_t upto) {
      auto& st = self->state;
      if (!ok)
        log::warn("retention_trim_failed", {{"room", room}});
      if (trimmed > 0 && st.ports.trimmed)
        st.ports.trimmed(trimmed);
      if (ok && upto > 0) {
        auto& u = st.unannounced[room];
        u = std::max(u, upto);
      }
      if (ok && more && st.sweeping)
        enqueue(st, std::move(room));
      else
        announce(st, room);
      answered(self);
    },
    [self](stop_atom) {
      self->state.stopping = true;
      if (!self->state.in_flight)
        self->quit();
    },
  };
}

} // namespace

retention_ports make_retention_ports(storage::chat_store& store, const retention_options& opts,
                                     metrics::node_metrics* metrics, std::chrono::milliseconds busy_backlog) {
  retention_ports p;
  p.busy = [&store, busy_backlog] { return store.backlog(std::chrono::steady_clock::now()) > busy_backlog; };
  p.lease = [&store, ttl = opts.lease_ttl](std::function<void(bool)> done) {
    store.retention_lease(ttl, [done = std::move(done)](storage::errc e, bool held) {
      done(e == storage::errc::ok && held);
    });
  };
  p.scan = [&store, count = opts.scan_count](std::string cursor,
                                             std::function<void(bool, std::string, std::vector<std::string>)> done) {
    store.retention_scan(std::move(cursor), count, [done = std::move(done)](storage::errc e, storage::room_scan_page pg) {
      done(e == storage::errc::ok, std::move(pg.next), std::move(pg.rooms));
    });
  };
  p.trim = [&store, policy = opts.policy, budget = opts.budget](
             std::string room, std::function<void(bool, std::int64_t, bool, std::int64_t)> done) {
    store.retention_trim(std::move(room), policy, budget,
                         [done = std::move(done)](storage::errc e, storage::trim_progress t) {
                           done(e == storage::errc::ok, t.messages, t.more, t.upto);
                         });
  };
  if (metrics != nullptr)
    p.trimmed = [metrics](std::int64_t n) { metrics->retention_trimmed().Increment(static_cast<double>(n)); };
  return p;
}

caf::actor spawn_retention(caf::actor_system& sys, retention_ports ports, retention_options opts) {
  return sys.spawn(retention, std::move(ports), opts);
}

} // namespace chat::actors
