// The assistant actor's streaming side: backend text into coalesced deltas (one append per reply
// per flush interval), lease renewals, the final write, and the orphan sweep.
#include <algorithm>
#include <chrono>

#include "actors/assistant_ports.hpp"
#include "actors/assistant_state.hpp"
#include "actors/assistant_text.hpp"
#include "actors/atoms.hpp"
#include "common/event_json.hpp"
#include "metrics/log.hpp"

namespace chat::actors::assistant_detail {

using storage::errc;

/// Writes the reply's end (the text not appended yet, stopped / error): once.
void write_end(assistant_actor_t* self, reply& r);

namespace {

double seconds_since(assistant_actor_t* self, clock_type t) {
  return std::chrono::duration<double>(self->clock().now() - t).count();
}

} // namespace

void account(assistant_actor_t* self, reply& r) {
  auto* m = self->state.deps.metrics;
  if (m == nullptr || r.counted || r.id == 0)
    return;
  r.counted = true;
  auto backend = self->state.deps.backend->name();
  std::string_view outcome = r.stopped ? std::string_view{"stopped"} : r.error.empty() ? std::string_view{"ok"}
                                                                                       : std::string_view{r.error};
  m->replies(backend, outcome).Increment();
  m->reply_duration(backend).Observe(seconds_since(self, r.started));
}

void arm_tick(assistant_actor_t* self) {
  if (self->state.tick_armed || self->state.replies.empty())
    return;
  self->state.tick_armed = true;
  self->delayed_send(self, self->state.opts.flush_interval, ai_tick_atom::value);
}

/// Gives the reply up (cancels the backend call); its end is written with `error` unless set already.
void give_up(reply& r, const char* error) {
  if (!r.ended && r.error.empty())
    r.error = error;
  r.ended = true;
  if (r.call)
    r.call->cancel();
}

void on_text(assistant_actor_t* self, std::uint64_t key, std::string& piece) {
  auto* r = find(self, key);
  if (r == nullptr || r->ended)
    return;
  r->bytes += piece.size();
  if (r->bytes > self->state.opts.max_reply_bytes)
    return give_up(*r, "too_long");
  if (!r->first_text && !piece.empty()) {
    r->first_text = true;
    if (auto* m = self->state.deps.metrics)
      m->time_to_first_token(self->state.deps.backend->name()).Observe(seconds_since(self, r->started));
  }
  r->pending += piece;
}

void on_end(assistant_actor_t* self, std::uint64_t key, ai::outcome how, const std::string& detail) {
  auto* r = find(self, key);
  if (r == nullptr)
    return;
  if (!r->ended) {
    r->ended = true;
    if (how == ai::outcome::stopped)
      r->stopped = true;
    else if (how != ai::outcome::ok)
      r->error = std::string{ai::to_string(how)};
    if (how != ai::outcome::ok)
      log::info("assistant_reply_failed", {{"room", r->room_id}, {"outcome", ai::to_string(how)}, {"detail", detail}});
  }
  if (!r->writing && r->id > 0)
    write_end(self, *r);
}

void write_end(assistant_actor_t* self, reply& r) {
  auto& st = self->state;
  storage::ai_finish_request req;
  req.room_id = r.room_id;
  req.id = r.id;
  req.owner = st.opts.server_id;
  req.text = valid_utf8(r.pending);
  req.stopped = r.stopped;
  req.error = r.error;
  r.pending.clear();
  r.writing = true;
  account(self, r);
  auto me = caf::actor_cast<caf::actor>(self);
  st.deps.store->finish(std::move(req), [me, key = r.key](errc e, storage::written_event w) {
    caf::anon_send(me, ai_done_atom::value, key, e, std::move(w));
  });
}

/// One append of a reply: its complete text so far (a delta), or a lease renewal when it is due.
void flush(assistant_actor_t* self, reply& r, clock_type now) {
  auto& st = self->state;
  auto n = complete_utf8_prefix(r.pending);
  bool renew = now - r.last_write >= st.opts.renew_interval;
  if (n == 0 && !renew)
    return;
  storage::ai_append_request req;
  req.room_id = r.room_id;
  req.id = r.id;
  req.owner = st.opts.server_id;
  req.lease = st.opts.lease;
  if (n > 0) {
    req.text = valid_utf8(std::string_view{r.pending}.substr(0, n));
    r.pending.erase(0, n);
    req.delta_data = delta_data_json(r.room_id, r.id, r.offset, req.text);
    r.in_flight = event_json("message.delta", req.delta_data);
  }
  r.writing = true;
  r.last_write = now;
  auto me = caf::actor_cast<caf::actor>(self);
  auto text = req.text;
  st.deps.store->append(std::move(req), [me, key = r.key, text = std::move(text)](errc e, bool) {
    caf::anon_send(me, ai_wrote_atom::value, key, e, text);
  });
}

void on_wrote(assistant_actor_t* self, std::uint64_t key, errc e, std::string& text) {
  auto* r = find(self, key);
  if (r == nullptr)
    return;
  r->writing = false;
  auto frame = std::move(r->in_flight);
  r->in_flight.clear();
  if (e == errc::not_found) { // a stop or the sweep ended it (or this node lost its lease)
    if (r->call)
      r->call->cancel();
    if (!r->ended)
      r->stopped = true;
    account(self, *r);
    return drop(self, key);
  }
  if (e != errc::ok) { // not written: the text goes out with the next append
    r->pending.insert(0, text);
  } else if (!frame.empty()) {
    r->offset += code_points(text);
    self->state.deps.output->relay(r->room_id, make_frame(std::move(frame)));
    if (auto* m = self->state.deps.metrics)
      m->deltas().Increment();
  }
  if (r->ended)
    write_end(self, *r);
}

void on_done(assistant_actor_t* self, std::uint64_t key, errc e, storage::written_event& w) {
  auto* r = find(self, key);
  if (r == nullptr)
    return;
  if (e == errc::ok)
    self->state.deps.output->publish(r->room_id, w.seq, w.prev, make_frame(std::move(w.frame)));
  else if (e != errc::not_found)
    log::warn("assistant_finish_failed", {{"room", r->room_id}, {"error", storage::to_string(e)}});
  // Not written (Redis down): the lease runs out and a sweep finalizes it as interrupted.
  drop(self, key);
}

void on_tick(assistant_actor_t* self) {
  auto& st = self->state;
  st.tick_armed = false;
  auto now = self->clock().now();
  for (auto& [key, r] : st.replies) {
    if (r.id == 0)
      continue;
    if (!r.ended && now - r.started >= st.opts.reply_deadline)
      give_up(r, "timeout"); // its end is written once the write in flight (if any) is answered
    if (r.writing)
      continue;
    if (r.ended)
      write_end(self, r);
    else
      flush(self, r, now);
  }
  arm_tick(self);
}

void on_swept(assistant_actor_t* self, errc e, std::vector<storage::ai_swept>& swept) {
  if (e != errc::ok)
    return;
  for (auto& s : swept) {
    log::info("assistant_reply_swept", {{"room", s.room_id}, {"seq", s.event.seq}});
    if (auto* m = self->state.deps.metrics)
      m->swept().Increment();
    self->state.deps.output->publish(s.room_id, s.event.seq, s.event.prev, make_frame(std::move(s.event.frame)));
  }
}

void sweep(assistant_actor_t* self) {
  auto me = caf::actor_cast<caf::actor>(self);
  self->state.deps.store->sweep(10, [me](errc e, std::vector<storage::ai_swept> swept) {
    caf::anon_send(me, ai_swept_atom::value, e, std::move(swept));
  });
  self->delayed_send(self, self->state.opts.sweep_interval, ai_sweep_atom::value);
}

void shut_down(assistant_actor_t* self) {
  for (auto& [key, r] : self->state.replies) {
    if (r.id == 0)
      continue;
    give_up(r, "interrupted");
    if (!r.writing)
      write_end(self, r); // its answer comes to a closed mailbox: nothing left to do here
  }
  self->quit();
}

} // namespace chat::actors::assistant_detail
