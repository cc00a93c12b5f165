#pragma once
/// The assistant (issue #21): a bot user whose replies stream into rooms. One assistant actor per
/// node owns the replies this node runs: it starts them (storage's placeholder message and the
/// room's lock), asks the backend (ai/backend.hpp) with the room's recent messages, coalesces the
/// backend's text into `message.delta` events (at most one append per `flush_interval` per reply),
/// renews the reply's lease, writes the final message once, and sweeps replies whose owner died.
/// Backend callbacks come from backend threads; they only send the actor messages. The actor never
/// blocks. docs/architecture.md §2c.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <caf/actor.hpp>
#include <caf/atom.hpp>
#include <caf/fwd.hpp>

#include "actors/assistant_trigger.hpp"

namespace chat::ai {
class backend;
}

namespace chat::metrics {
class ai_metrics;
}

namespace chat::actors {

class assistant_store;
class assistant_output;

/// Tunables of the assistant.
struct assistant_options {
  std::string name = "Assistant";   ///< the bot user's name (`--ai-name`)
  std::string system_prompt;        ///< `--ai-system-prompt` (`{name}`, `{room}`); empty: the default
  std::size_t context_messages = 20; ///< `--ai-context-messages`
  std::size_t max_concurrent = 8;    ///< replies this node runs at once (`--ai-max-concurrent`); beyond: busy
  std::int64_t requests_per_hour = 30; ///< replies one user may start per hour, cluster-wide (0: no limit)
  std::string server_id;             ///< this node (the owner of its replies)
  std::chrono::milliseconds flush_interval{50};  ///< deltas per reply: at most one per interval
  std::chrono::milliseconds renew_interval{500};  ///< a silent reply renews its lease (and sees a stop elsewhere) this often
  std::chrono::milliseconds lease{6000};          ///< a lease not renewed for this long is swept
  std::chrono::milliseconds sweep_interval{2000}; ///< how often this node looks for orphaned replies
  std::chrono::milliseconds retry_interval{2000}; ///< creating the bot user again after a failure
  std::chrono::milliseconds reply_deadline{150000}; ///< a backend that never ends is cancelled (error timeout)
  std::size_t max_reply_bytes = 60000; ///< a longer reply is cut (error too_long)
};

// Atoms of the assistant actor (at most 10 characters).
using ai_bot_atom = caf::atom_constant<caf::atom("ai_bot")>;       ///< storage → actor: the bot user
using ai_trig_atom = caf::atom_constant<caf::atom("ai_trig")>;     ///< chat_service → actor: a trigger
using ai_start_atom = caf::atom_constant<caf::atom("ai_start")>;   ///< storage → actor: reply started
using ai_ctx_atom = caf::atom_constant<caf::atom("ai_ctx")>;       ///< storage → actor: the room's messages
using ai_names_atom = caf::atom_constant<caf::atom("ai_names")>;   ///< storage → actor: their authors' names
using ai_text_atom = caf::atom_constant<caf::atom("ai_text")>;     ///< backend → actor: a piece of text
using ai_end_atom = caf::atom_constant<caf::atom("ai_end")>;       ///< backend → actor: the reply ended
using ai_wrote_atom = caf::atom_constant<caf::atom("ai_wrote")>;   ///< storage → actor: append done
using ai_done_atom = caf::atom_constant<caf::atom("ai_done")>;     ///< storage → actor: finish done
using ai_tick_atom = caf::atom_constant<caf::atom("ai_tick")>;     ///< actor → itself: flush deltas
using ai_sweep_atom = caf::atom_constant<caf::atom("ai_sweep")>;   ///< actor → itself: sweep orphans
using ai_swept_atom = caf::atom_constant<caf::atom("ai_swept")>;   ///< storage → actor: sweep done
using ai_stop_atom = caf::atom_constant<caf::atom("ai_stop")>;     ///< chat_service → actor: a stop ended a reply

/// What the actor needs.
struct assistant_deps {
  std::shared_ptr<ai::backend> backend;
  std::shared_ptr<assistant_store> store;
  std::shared_ptr<assistant_output> output;
  std::shared_ptr<assistant_trigger> trigger; ///< the actor sets the bot user into it
  metrics::ai_metrics* metrics = nullptr;     ///< null: no metrics (tests)
};

/// Spawns the assistant actor: it creates (or finds) the bot user at once, then sweeps orphans on its timer.
caf::actor spawn_assistant(caf::actor_system& sys, assistant_deps deps, assistant_options opts);

/// The node's assistant as chat_service sees it (null when no backend is configured).
class assistant {
public:
  /// Spawns the actor. `backend` must not be null.
  assistant(caf::actor_system& sys, std::shared_ptr<ai::backend> backend, std::shared_ptr<assistant_store> store,
            std::shared_ptr<assistant_output> output, assistant_options opts,
            metrics::ai_metrics* metrics = nullptr);
  ~assistant();

  assistant(const assistant&) = delete;
  assistant& operator=(const assistant&) = delete;

  /// True when a message of `text` in `room_id` starts a reply (any thread; cheap).
  bool is_trigger(std::string_view room_id, std::string_view text) const noexcept {
    return trigger_->matches(room_id, text);
  }

  /// True once the bot user exists (the node reports ready only then: before, triggers are ignored).
  bool ready() const noexcept { return trigger_->ready(); }

  /// The bot user's id ("" until it exists).
  const std::string& bot_id() const noexcept { return trigger_->bot_id(); }

  /// Message `message_id` of `user_id` in `room_id` was stored and triggers a reply.
  void triggered(const std::string& user_id, const std::string& room_id, std::int64_t message_id, std::string text);

  /// A stop finalized reply `id` of `room_id`: its backend call is cancelled if this node runs it.
  void stopped(const std::string& room_id, std::int64_t id);

  /// Stops the actor: the replies it runs are cancelled and finalized (`"error":"interrupted"`).
  void stop();

  /// The actor (tests).
  const caf::actor& handle() const noexcept { return actor_; }

private:
  std::shared_ptr<assistant_trigger> trigger_;
  caf::actor actor_;
};

} // namespace chat::actors
