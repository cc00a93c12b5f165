#pragma once
// Internal to the assistant actor (assistant_actor.cpp: triggers, start, context; assistant_stream.cpp:
// deltas, the final write, the sweep): its state and the functions the two files share.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <caf/all.hpp>

#include "actors/assistant_actor.hpp"
#include "ai/backend.hpp"
#include "metrics/ai_metrics.hpp"
#include "storage/chat_store.hpp"

// Results of storage calls and backend callbacks travel to the actor as messages (local only).
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chat::storage::errc)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chat::storage::ai_started)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chat::storage::written_event)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<chat::storage::stored_message>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<chat::storage::user_view>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<chat::storage::ai_swept>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chat::ai::outcome)

namespace chat::actors::assistant_detail {

using storage::errc;
using clock_type = caf::actor_clock::time_point;

/// One reply this node runs, from its trigger to its final write.
struct reply {
  std::uint64_t key = 0;       ///< identifies it in callbacks (a room's later reply has another)
  std::string room_id;
  std::string user_id;         ///< who triggered it
  std::int64_t trigger_id = 0; ///< the triggering message
  std::string text;            ///< the triggering text
  std::int64_t id = 0;         ///< the reply's message id (0 while starting)
  std::shared_ptr<ai::call> call;
  std::string pending;         ///< backend text not appended yet
  std::string in_flight;       ///< the delta frame of the append in flight ("" none)
  bool writing = false;        ///< an append or the finish is in flight
  std::int64_t offset = 0;     ///< code points appended (what deltas carried)
  std::size_t bytes = 0;       ///< bytes of the reply so far
  bool ended = false;          ///< the backend ended (or was given up)
  bool stopped = false;
  std::string error;           ///< the error code kept on the message
  clock_type started{};
  clock_type last_write{};
  bool first_text = false;     ///< its first text arrived (time to first token observed)
  bool counted = false;        ///< its end is in the metrics
};

struct assistant_state {
  assistant_deps deps;
  assistant_options opts;
  bool bot_ready = false;
  std::uint64_t next_key = 0;
  std::unordered_map<std::uint64_t, reply> replies; ///< by key
  std::map<std::string, std::uint64_t> rooms;       ///< room id → key of its reply here
  bool tick_armed = false;

  static inline const char* name = "chat.assistant";
};

using assistant_actor_t = caf::stateful_actor<assistant_state>;

/// The reply of `key`, or null (it ended).
inline reply* find(assistant_actor_t* self, std::uint64_t key) {
  auto it = self->state.replies.find(key);
  return it == self->state.replies.end() ? nullptr : &it->second;
}

/// The in-flight gauge follows the replies this node runs.
inline void count_in_flight(assistant_actor_t* self) {
  if (auto* m = self->state.deps.metrics)
    m->in_flight().Set(static_cast<double>(self->state.replies.size()));
}

/// Forgets a reply (its room takes a new one).
inline void drop(assistant_actor_t* self, std::uint64_t key) {
  auto& st = self->state;
  auto it = st.replies.find(key);
  if (it == st.replies.end())
    return;
  auto room = st.rooms.find(it->second.room_id);
  if (room != st.rooms.end() && room->second == key)
    st.rooms.erase(room);
  st.replies.erase(it);
  count_in_flight(self);
}

/// Records a started reply's end in the metrics, once: outcome and duration.
void account(assistant_actor_t* self, reply& r);
/// Arms the flush timer while replies run.
void arm_tick(assistant_actor_t* self);
/// Gives a reply up: its backend call is cancelled, its end is written with `error` unless set.
void give_up(reply& r, const char* error);
/// A piece of backend text.
void on_text(assistant_actor_t* self, std::uint64_t key, std::string& piece);
/// The backend ended the reply.
void on_end(assistant_actor_t* self, std::uint64_t key, ai::outcome how, const std::string& detail);
/// An append was answered.
void on_wrote(assistant_actor_t* self, std::uint64_t key, storage::errc e, std::string& text);
/// The final write was answered.
void on_done(assistant_actor_t* self, std::uint64_t key, storage::errc e, storage::written_event& w);
/// The flush timer: one append (or the final write) per reply.
void on_tick(assistant_actor_t* self);
/// Asks storage for orphaned replies, and re-arms the sweep timer.
void sweep(assistant_actor_t* self);
/// The sweep's answer.
void on_swept(assistant_actor_t* self, storage::errc e, std::vector<storage::ai_swept>& swept);
/// Cancels and finalizes every reply (interrupted), then quits.
void shut_down(assistant_actor_t* self);

} // namespace chat::actors::assistant_detail
