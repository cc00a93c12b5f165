#include "actors/search_indexer.hpp"

#include <deque>
#include <unordered_set>
#include <utility>

#include <caf/all.hpp>

#include "actors/atoms.hpp"
#include "metrics/log.hpp"
#include "storage/chat_store.hpp"

namespace chat::actors {

namespace {

struct indexer_state {
  search_indexer_ports ports;
  search_indexer_options opts;
  std::deque<std::string> queue;           ///< rooms to index, in turn
  std::unordered_set<std::string> queued;  ///< the same rooms, for dedup
  std::size_t in_flight = 0;
  std::size_t calls_this_tick = 0; ///< (search_indexer_options::max_calls_per_tick)
  bool stopping = false;
  static inline const char* name = "search_indexer";
};

using indexer_t = caf::stateful_actor<indexer_state>;

void enqueue(indexer_state& st, std::string room) {
  if (st.queued.size() < st.opts.max_queued && st.queued.insert(room).second)
    st.queue.push_back(std::move(room));
}

void pump(indexer_t* self) {
  auto& st = self->state;
  while (!st.stopping && st.in_flight < st.opts.max_in_flight && !st.queue.empty() &&
         st.calls_this_tick < st.opts.max_calls_per_tick) {
    if (st.calls_this_tick >= st.opts.busy_calls_per_tick && st.ports.busy && st.ports.busy())
      break; // chat traffic first: the rest waits for the next tick
    ++st.calls_this_tick;
    auto room = std::move(st.queue.front());
    st.queue.pop_front();
    st.queued.erase(room);
    ++st.in_flight;
    caf::actor me = caf::actor_cast<caf::actor>(self);
    st.ports.index(room, st.opts.budget, [me, room](bool ok, bool more) {
      caf::anon_send(me, indexed_atom::value, room, ok, more);
    });
  }
}

caf::behavior indexer(indexer_t* self, search_indexer_ports ports, search_indexer_options opts) {
  self->state.ports = std::move(ports);
  self->state.opts = opts;
  self->send(self, index_atom::value);
  return {
    [self](index_atom) { // the tick
      auto& st = self->state;
      if (st.stopping)
        return;
      st.calls_this_tick = 0;
      if (st.queued.size() < st.opts.max_queued)
        for (auto& room : st.ports.take_rooms(st.opts.max_queued - st.queued.size()))
          enqueue(st, std::move(room));
      pump(self);
      self->delayed_send(self, st.opts.interval, index_atom::value);
    },
    [self](indexed_atom, std::string& room, bool ok, bool more) {
      auto& st = self->state;
      --st.in_flight;
      if (!ok) { // Redis down or refused: the room is tried again at the next tick, not at once
        log::warn("search_index_failed", {{"room", room}});
        enqueue(st, std::move(room));
      } else {
        if (more)
          enqueue(st, std::move(room));
        pump(self);
      }
      if (st.stopping && st.in_flight == 0)
        self->quit();
    },
    [self](stop_atom) {
      self->state.stopping = true;
      if (self->state.in_flight == 0)
        self->quit();
    },
  };
}

} // namespace

search_indexer_ports make_search_indexer_ports(storage::chat_store& store, std::chrono::milliseconds busy_backlog) {
  search_indexer_ports p;
  p.busy = [&store, busy_backlog] { return store.backlog(std::chrono::steady_clock::now()) > busy_backlog; };
  p.take_rooms = [&store](std::size_t max) { return store.search_dirty_rooms(max); };
  p.index = [&store](std::string room_id, std::int64_t budget, std::function<void(bool, bool)> done) {
    store.search_index(std::move(room_id), budget,
                       [done = std::move(done)](storage::errc e, storage::search_progress p) {
                         done(e == storage::errc::ok, p.more);
                       });
  };
  return p;
}

caf::actor spawn_search_indexer(caf::actor_system& sys, search_indexer_ports ports, search_indexer_options opts) {
  return sys.spawn(indexer, std::move(ports), opts);
}

} // namespace chat::actors
