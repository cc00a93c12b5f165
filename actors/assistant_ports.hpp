#pragma once
/// The assistant actor's boundaries (issue #21): what it asks storage (assistant_store) and where
/// its events go (assistant_output). Production implementations wrap chat_store and realtime
/// (assistant_ports.cpp); unit tests drive the actor through fakes. Callbacks of assistant_store may
/// run on any thread: the actor's only send it a message.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "actors/frame.hpp"
#include "storage/chat_store.hpp"

namespace chat::actors {

class realtime;

/// Storage as the assistant uses it (the chat_store methods of storage/ai_replies.hpp and two reads).
class assistant_store {
public:
  virtual ~assistant_store() = default;
  /// chat_store::ensure_ai_bot.
  virtual void ensure_bot(std::string name, storage::callback<storage::user> done) = 0;
  /// chat_store::ai_start.
  virtual void start(storage::ai_start_request req, storage::callback<storage::ai_started> done) = 0;
  /// chat_store::ai_append.
  virtual void append(storage::ai_append_request req, storage::callback<bool> done) = 0;
  /// chat_store::ai_finish.
  virtual void finish(storage::ai_finish_request req, storage::callback<storage::written_event> done) = 0;
  /// chat_store::ai_sweep.
  virtual void sweep(std::int64_t max, storage::callback<std::vector<storage::ai_swept>> done) = 0;
  /// The newest `limit` messages of the room before position `before`, newest first (history).
  virtual void recent(std::string room_id, std::int64_t before, std::int64_t limit,
                      storage::callback<std::vector<storage::stored_message>> done) = 0;
  /// Users by id (their names for the context).
  virtual void users(std::vector<std::string> ids, storage::callback<std::vector<storage::user_view>> done) = 0;
};

/// Where the assistant's events go.
class assistant_output {
public:
  virtual ~assistant_output() = default;
  /// A positioned room event this node wrote (the placeholder message, the final message.updated,
  /// a swept reply): to the room's local members, in chain order (realtime::publish).
  virtual void publish(const std::string& room_id, std::int64_t position, std::int64_t prev, frame_ptr frame) = 0;
  /// An ephemeral frame of the room (message.delta) to every local member (its Redis script
  /// published it to the other nodes already).
  virtual void relay(const std::string& room_id, frame_ptr frame) = 0;
  /// An event `{"type":type,"data":data}` for every connection of a user on every node (the
  /// `error` busy / rate_limited answer to a trigger).
  virtual void notify(const std::string& user_id, std::string type, std::string data) = 0;
};

/// assistant_store on the chat store.
std::shared_ptr<assistant_store> make_assistant_store(storage::chat_store& store);

/// assistant_output on the actor layer.
std::shared_ptr<assistant_output> make_assistant_output(realtime& rt);

} // namespace chat::actors
