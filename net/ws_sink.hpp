#pragma once
/// The client_sink of a WebSocket connection: what its session (on a session shard) writes to.
/// Private to the net library.

#include <functional>
#include <memory>
#include <string>

#include "actors/client_sink.hpp"
#include "net/live_common.hpp"
#include "net/ws_session.hpp"

namespace chat::net {

/// The session's view of a WebSocket connection (a client_sink; thread-safe).
class ws_sink : public actors::client_sink {
public:
  ws_sink(std::weak_ptr<ws_session> session, bool batch) : session_(std::move(session)), batch_(batch) {}

  actors::push_result push_message(const std::string&, std::int64_t, const actors::frame_ptr& frame) override {
    return push(frame, false);
  }

  actors::push_result push_event(const actors::frame_ptr& frame) override { return push(frame, true); }

  void push_events(const actors::frame_batch& batch) override {
    if (batch_) // the client splits on "\n": the whole batch is one queue slot and one write
      push(batch.joined, true);
    else
      client_sink::push_events(batch);
  }

  std::size_t replay_room() const override {
    auto s = session_.lock();
    return s ? s->replay_room() : 0;
  }

  void wake_on_room(std::size_t want, std::function<void()> wake) override {
    if (auto s = session_.lock())
      s->wake_on_room(want, std::move(wake));
  }

  void close(actors::close_reason reason) override {
    if (auto s = session_.lock())
      s->close_with(ws_close_code(reason), std::string{close_reason_text(reason)});
  }

private:
  actors::push_result push(const actors::frame_ptr& frame, bool droppable) {
    auto s = session_.lock();
    if (!s)
      return actors::push_result::dropped; // connection gone; the actor is ending too
    auto r = s->admit(droppable); // a slot in the connection's outbound_queue
    if (r == actors::push_result::queued)
      s->enqueue(frame, !droppable);
    return r;
  }

  std::weak_ptr<ws_session> session_;
  bool batch_ = false;
};

} // namespace chat::net
