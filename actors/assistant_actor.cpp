#include "actors/assistant_actor.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>
#include <vector>

#include <caf/all.hpp>

#include "actors/assistant_context.hpp"
#include "actors/assistant_ports.hpp"
#include "actors/assistant_state.hpp"
#include "actors/assistant_text.hpp"
#include "actors/atoms.hpp"
#include "ai/backend.hpp"
#include "common/event_json.hpp"
#include "metrics/ai_metrics.hpp"
#include "metrics/log.hpp"
#include "storage/chat_store.hpp"

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<chat::actors::context_message>)

namespace chat::actors {
namespace {

using namespace assistant_detail;
using storage::errc;

void ensure_bot(assistant_actor_t* self) {
  auto me = caf::actor_cast<caf::actor>(self);
  self->state.deps.store->ensure_bot(self->state.opts.name, [me](errc e, storage::user u) {
    caf::anon_send(me, ai_bot_atom::value, e, std::move(u.id), std::move(u.username));
  });
}

void refuse(assistant_actor_t* self, const std::string& user_id, const std::string& room_id, std::int64_t trigger_id,
            const char* code, const char* message, std::int64_t retry_after = 0) {
  if (auto* m = self->state.deps.metrics)
    m->refused(code).Increment();
  self->state.deps.output->notify(user_id, "error", trigger_error_json(code, message, room_id, trigger_id, retry_after));
}

void on_trigger(assistant_actor_t* self, std::string& user_id, std::string& room_id, std::int64_t trigger_id,
                std::string& text) {
  auto& st = self->state;
  if (!st.bot_ready)
    return;
  if (st.rooms.count(room_id) != 0)
    return refuse(self, user_id, room_id, trigger_id, "busy", "the assistant is already replying in this room");
  if (st.replies.size() >= st.opts.max_concurrent)
    return refuse(self, user_id, room_id, trigger_id, "busy", "the assistant is busy; try again in a moment");
  auto key = ++st.next_key;
  reply r;
  r.key = key;
  r.room_id = room_id;
  r.user_id = user_id;
  r.trigger_id = trigger_id;
  r.text = std::move(text);
  r.started = r.last_write = self->clock().now();
  st.rooms[room_id] = key;
  st.replies.emplace(key, std::move(r));
  count_in_flight(self);
  storage::ai_start_request req;
  req.room_id = room_id;
  req.user_id = user_id;
  req.bot_id = st.deps.trigger->bot_id();
  req.owner = st.opts.server_id;
  req.lease = st.opts.lease;
  req.per_hour = st.opts.requests_per_hour;
  auto me = caf::actor_cast<caf::actor>(self);
  st.deps.store->start(std::move(req), [me, key](errc e, storage::ai_started s) {
    caf::anon_send(me, ai_start_atom::value, key, e, std::move(s));
  });
}

void on_started(assistant_actor_t* self, std::uint64_t key, errc e, storage::ai_started& s) {
  auto* r = find(self, key);
  if (r == nullptr)
    return;
  auto& st = self->state;
  if (e != errc::ok) {
    if (e == errc::conflict)
      refuse(self, r->user_id, r->room_id, r->trigger_id, "busy", "the assistant is already replying in this room");
    else if (e == errc::rate_limited)
      refuse(self, r->user_id, r->room_id, r->trigger_id, "rate_limited", "too many questions to the assistant; try later",
             s.retry_after);
    else if (e != errc::forbidden && e != errc::not_found)
      refuse(self, r->user_id, r->room_id, r->trigger_id, "unavailable", "the assistant cannot reply right now");
    return drop(self, key);
  }
  r->id = s.id;
  st.deps.output->publish(r->room_id, s.id, s.prev, make_message_frame(s.json));
  auto me = caf::actor_cast<caf::actor>(self);
  st.deps.store->recent(r->room_id, s.id, static_cast<std::int64_t>(st.opts.context_messages),
                        [me, key](errc e2, std::vector<storage::stored_message> rows) {
                          caf::anon_send(me, ai_ctx_atom::value, key, e2, std::move(rows));
                        });
  arm_tick(self);
}

void on_rows(assistant_actor_t* self, std::uint64_t key, std::vector<storage::stored_message>& rows) {
  auto* r = find(self, key);
  if (r == nullptr)
    return;
  auto& st = self->state;
  auto messages = std::make_shared<std::vector<context_message>>(context_messages(rows, st.opts.context_messages));
  std::set<std::string> ids{r->user_id};
  for (auto& m : *messages)
    if (m.from != st.deps.trigger->bot_id())
      ids.insert(m.from);
  auto me = caf::actor_cast<caf::actor>(self);
  st.deps.store->users({ids.begin(), ids.end()}, [me, key, messages](errc, std::vector<storage::user_view> users) {
    caf::anon_send(me, ai_names_atom::value, key, std::move(*messages), std::move(users));
  });
}

void on_context(assistant_actor_t* self, std::uint64_t key, std::vector<context_message>& messages,
                std::vector<storage::user_view>& users) {
  auto* r = find(self, key);
  if (r == nullptr || r->ended)
    return;
  auto& st = self->state;
  std::map<std::string, std::string> names;
  for (auto& u : users)
    names.emplace(u.id, u.username);
  context_params p{st.opts.system_prompt, st.deps.trigger->bot_id(), st.deps.trigger->name(), r->room_id, r->user_id,
                   r->text};
  auto me = caf::actor_cast<caf::actor>(self);
  ai::stream_handler h;
  h.on_text = [me, key](std::string_view piece) { caf::anon_send(me, ai_text_atom::value, key, std::string{piece}); };
  h.on_end = [me, key](ai::outcome how, std::string_view detail) {
    caf::anon_send(me, ai_end_atom::value, key, how, std::string{detail});
  };
  r->call = st.deps.backend->start(build_request(p, messages, names), std::move(h));
}

caf::behavior assistant_actor(assistant_actor_t* self, assistant_deps deps, assistant_options opts) {
  self->state.deps = std::move(deps);
  self->state.opts = std::move(opts);
  ensure_bot(self);
  self->send(self, ai_sweep_atom::value);
  return {
    [self](ai_bot_atom, errc e, std::string& id, std::string& name) {
      if (e == errc::ok) {
        self->state.deps.trigger->set_bot(id, name);
        self->state.bot_ready = true;
        log::info("assistant_ready", {{"bot", id}, {"name", name}});
        return;
      }
      if (e == errc::conflict) {
        // A person has the name: the node stays unready (its /readyz says 503) until the user is
        // renamed or --ai-name changes; asked again now and then, not in a tight loop.
        log::error("assistant_bot_user_failed", {{"name", self->state.opts.name}, {"error", storage::to_string(e)},
                                                 {"hint", "a user with this name exists: rename it or set --ai-name"}});
        self->delayed_send(self, self->state.opts.retry_interval * 15, ai_bot_atom::value);
        return;
      }
      log::error("assistant_bot_user_failed", {{"name", self->state.opts.name}, {"error", storage::to_string(e)}});
      if (e != errc::invalid)
        self->delayed_send(self, self->state.opts.retry_interval, ai_bot_atom::value);
    },
    [self](ai_bot_atom) { ensure_bot(self); },
    [self](ai_trig_atom, std::string& user, std::string& room, std::int64_t id, std::string& text) {
      on_trigger(self, user, room, id, text);
    },
    [self](ai_start_atom, std::uint64_t key, errc e, storage::ai_started& s) { on_started(self, key, e, s); },
    [self](ai_ctx_atom, std::uint64_t key, errc, std::vector<storage::stored_message>& rows) {
      on_rows(self, key, rows); // a failed read: no context but the trigger itself
    },
    [self](ai_names_atom, std::uint64_t key, std::vector<context_message>& messages, std::vector<storage::user_view>& users) {
      on_context(self, key, messages, users);
    },
    [self](ai_text_atom, std::uint64_t key, std::string& piece) { on_text(self, key, piece); },
    [self](ai_end_atom, std::uint64_t key, ai::outcome how, const std::string& detail) { on_end(self, key, how, detail); },
    [self](ai_wrote_atom, std::uint64_t key, errc e, std::string& text) { on_wrote(self, key, e, text); },
    [self](ai_done_atom, std::uint64_t key, errc e, storage::written_event& w) { on_done(self, key, e, w); },
    [self](ai_tick_atom) { on_tick(self); },
    [self](ai_sweep_atom) { sweep(self); },
    [self](ai_swept_atom, errc e, std::vector<storage::ai_swept>& swept) { on_swept(self, e, swept); },
    [self](ai_stop_atom, const std::string& room, std::int64_t id) {
      auto it = self->state.rooms.find(room);
      if (it == self->state.rooms.end())
        return;
      auto* r = find(self, it->second);
      if (r == nullptr || r->id != id)
        return;
      if (r->call)
        r->call->cancel();
      if (!r->ended)
        r->stopped = true;
      account(self, *r);
      drop(self, it->second); // the stop wrote its end
    },
    [self](stop_atom) { shut_down(self); },
  };
}

} // namespace

caf::actor spawn_assistant(caf::actor_system& sys, assistant_deps deps, assistant_options opts) {
  return sys.spawn(assistant_actor, std::move(deps), std::move(opts));
}

assistant::assistant(caf::actor_system& sys, std::shared_ptr<ai::backend> backend,
                     std::shared_ptr<assistant_store> store, std::shared_ptr<assistant_output> output,
                     assistant_options opts, metrics::ai_metrics* metrics)
  : trigger_(std::make_shared<assistant_trigger>(opts.name)) {
  actor_ = spawn_assistant(
    sys, assistant_deps{std::move(backend), std::move(store), std::move(output), trigger_, metrics}, std::move(opts));
}

assistant::~assistant() = default;

void assistant::triggered(const std::string& user_id, const std::string& room_id, std::int64_t message_id,
                          std::string text) {
  caf::anon_send(actor_, ai_trig_atom::value, user_id, room_id, message_id, std::move(text));
}

void assistant::stopped(const std::string& room_id, std::int64_t id) {
  caf::anon_send(actor_, ai_stop_atom::value, room_id, id);
}

void assistant::stop() {
  caf::anon_send(actor_, stop_atom::value);
}

} // namespace chat::actors
