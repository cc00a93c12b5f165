#include "actors/room_directory.hpp"

#include <unordered_map>

#include <caf/all.hpp>

#include "actors/atoms.hpp"
#include "actors/frame.hpp"
#include "metrics/node_metrics.hpp" // complete type: CAF inspects spawn argument types

namespace chat::actors {
namespace {

struct directory_state {
  room_deps deps;
  room_options opts;
  std::unordered_map<std::string, caf::actor> rooms;

  static inline const char* name = "chat.directory";
};

using directory_actor_t = caf::stateful_actor<directory_state>;

caf::actor& room_for(directory_actor_t* self, const std::string& room_id) {
  auto& st = self->state;
  auto& room = st.rooms[room_id];
  if (!room) {
    room = spawn_room(self->system(), room_id, st.deps, st.opts);
    self->monitor(room);
  }
  return room;
}

caf::behavior room_directory(directory_actor_t* self, room_deps deps, room_options opts) {
  self->state.deps = std::move(deps);
  self->state.opts = opts;
  self->set_down_handler([self](caf::down_msg& dm) {
    auto& rooms = self->state.rooms;
    for (auto it = rooms.begin(); it != rooms.end(); ++it)
      if (it->second.address() == dm.source) {
        rooms.erase(it);
        return;
      }
  });
  return {
    [self](join_atom, const std::string& room_id, const caf::actor& shard, std::uint64_t conn,
           const std::string& user_id) {
      auto& room = room_for(self, room_id);
      return self->delegate(room, join_atom::value, room_id, shard, conn, user_id);
    },
    [self](publish_atom, room_event& ev) {
      auto it = self->state.rooms.find(ev.room_id);
      if (it != self->state.rooms.end())
        self->send(it->second, publish_atom::value, std::move(ev));
    },
    [self](signal_atom, room_signal& sig) {
      auto it = self->state.rooms.find(sig.room_id);
      if (it != self->state.rooms.end()) // no room actor: no member connected here may signal
        self->send(it->second, signal_atom::value, std::move(sig));
    },
    [self](relay_atom, const std::string& room_id, const frame_ptr& frame, const std::string& except_user) {
      auto it = self->state.rooms.find(room_id);
      if (it != self->state.rooms.end())
        self->send(it->second, relay_atom::value, room_id, frame, except_user);
    },
    [self](catchup_atom) {
      for (auto& [id, room] : self->state.rooms)
        self->send(room, catchup_atom::value);
    },
    [self](count_atom) -> std::size_t { return self->state.rooms.size(); },
    [self](count_atom, const std::string& room_id) {
      auto rp = self->make_response_promise();
      auto it = self->state.rooms.find(room_id);
      if (it == self->state.rooms.end())
        rp.deliver(std::size_t{0});
      else
        rp.delegate(it->second, count_atom::value);
      return rp;
    },
    [self](stop_atom) {
      for (auto& [id, room] : self->state.rooms)
        self->send(room, stop_atom::value);
      self->state.rooms.clear();
      self->quit();
    },
  };
}

} // namespace

caf::actor spawn_room_directory(caf::actor_system& sys, room_deps deps, room_options opts) {
  return sys.spawn(room_directory, std::move(deps), opts);
}

} // namespace chat::actors
