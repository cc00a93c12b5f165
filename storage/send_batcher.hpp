#pragma once
/// Batching of chat message writes. At most `max_in_flight` send_message script calls are in flight
/// on the command connection; messages that arrive meanwhile wait here and leave together in the
/// next call (at most kMaxBatch messages, kMaxBatchBytes of text). While Redis keeps up, a message
/// goes out alone and at once; when Redis falls behind, each call carries more messages and Redis
/// spends less per message (docs/benchmarks.md, session 7). Messages leave in arrival order, never
/// reordered, and only new messages wait: no other command is held back. Thread-safe.
///
/// With `min_replicas` ≥ 1 (--redis-min-replicas-acked) a call's messages are settled only after
/// `WAIT min_replicas timeout` on the same connection confirms that their writes reached that many
/// replicas: one WAIT per call (batch), not per message. A shortfall settles every message the call
/// stored with errc::not_replicated (it is stored and published, but a failover may lose it).
#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "storage/chat_store.hpp"
#include "storage/redis_reply.hpp"

namespace chat::storage {

class script_runner;
class search_feed;

/// One chat message on its way to the send_message script.
struct outgoing_message {
  std::string room_id;
  std::string from_user_id;
  std::string text_json; ///< the text as a JSON string, escaped once
  std::string mentions;  ///< mention_candidates() of the text ("" for most messages)
  std::string files;     ///< file_list() of its attachments ("" for most messages)
  std::string location;  ///< its location JSON ("" for most messages)
  callback<sent_message> done;
  std::chrono::steady_clock::time_point queued{}; ///< set by add()
};

class send_batcher : public std::enable_shared_from_this<send_batcher> {
public:
  static constexpr std::size_t kMaxBatch = 64;             ///< messages per script call
  static constexpr std::size_t kMaxBatchBytes = 256 * 1024; ///< text bytes per script call
  static constexpr std::size_t kMaxWaiting = 8192;          ///< messages waiting, then add() refuses

  /// How the batcher sends.
  struct options {
    std::string server_id;          ///< stamped into every envelope
    std::size_t max_in_flight = 2;  ///< script calls in flight (≥ 1)
    bool tutorial_pubsub = false;   ///< the script also publishes the tutorial's `MESSAGES` envelopes
    unsigned min_replicas = 0;      ///< WAIT for this many replicas before settling (0: no WAIT)
    std::chrono::milliseconds replica_timeout{500}; ///< WAIT's timeout
  };

  /// The rooms of every batch Redis answered are marked in `feed` (search indexing; may be null).
  send_batcher(std::shared_ptr<script_runner> scripts, options opts, std::shared_ptr<search_feed> feed = nullptr);

  send_batcher(const send_batcher&) = delete;
  send_batcher& operator=(const send_batcher&) = delete;

  /// Sends `m` now, or queues it behind the calls in flight (moving from `m` in both cases). False
  /// (and `m` untouched) when kMaxWaiting messages already wait. `m.done` runs once, on the Redis
  /// strand.
  bool add(outgoing_message& m);

  /// How long the oldest waiting message has waited as of `now` (zero when none waits). Lock-free:
  /// admission asks this for every message.
  std::chrono::steady_clock::duration oldest_wait(std::chrono::steady_clock::time_point now) const noexcept;

  /// The server id as a JSON string literal: every envelope this node publishes starts with
  /// `{"serverId":` and it (room event scripts stamp it too).
  const std::string& server_id_json() const noexcept { return server_id_json_; }

private:
  void send(outgoing_message* batch, std::size_t n); ///< moves from the n messages
  void on_reply(std::vector<callback<sent_message>>& dones, redis_reply& r, const std::vector<std::string>& rooms);
  /// WAITs for the replicas, then settles (on_reply); `r` is the script's answer.
  void await_replicas(std::vector<callback<sent_message>> dones, redis_reply r, std::vector<std::string> rooms);
  void send_next(); ///< this call's slot goes to the messages that waited, or is freed
  std::vector<outgoing_message> take_batch(); ///< the next batch off waiting_ (mutex_ held)

  std::shared_ptr<script_runner> scripts_;
  std::string server_id_json_;
  std::size_t max_in_flight_;
  bool tutorial_pubsub_ = false;
  unsigned min_replicas_ = 0;
  std::string replica_timeout_ms_; ///< WAIT's timeout argument
  mutable std::mutex mutex_;
  std::shared_ptr<search_feed> feed_;     ///< (null: no search indexing)
  std::vector<outgoing_message> waiting_; ///< from waiting_head_ on, in arrival order (mutex_)
  std::size_t waiting_head_ = 0;          ///< (mutex_)
  std::size_t in_flight_ = 0;             ///< script calls sent and not answered (mutex_)
  /// When waiting_[waiting_head_] was queued, 0 while none waits (written under mutex_).
  std::atomic<std::chrono::steady_clock::rep> oldest_queued_{0};
};

} // namespace chat::storage
