#pragma once
// Test doubles for the boundaries of the actors: the socket sink, storage reads and the presence
// backend. They only record; the actors under test are real and run on CAF's test coordinator.

#include <algorithm>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "actors/client_sink.hpp"
#include "actors/history_source.hpp"
#include "actors/presence_actor.hpp"
#include "actors/room_actor.hpp"

namespace chat::test {

/// Records what a session actor writes; refuses messages beyond `capacity` (a slow client).
class fake_sink : public actors::client_sink {
public:
  explicit fake_sink(std::size_t capacity = 1000000) : capacity_(capacity) {}

  actors::push_result push_message(const std::string& room_id, std::int64_t id,
                                   const actors::frame_ptr& frame) override {
    if (messages.size() >= capacity_)
      return actors::push_result::full;
    messages.push_back({room_id, id, frame});
    max_unread = std::max(max_unread, ++unread);
    return actors::push_result::queued;
  }

  // Replay pacing: with a `budget`, replay_room() is what the client has not read() yet below it.
  std::size_t replay_room() const override {
    if (!budget)
      return client_sink::replay_room();
    return unread >= *budget ? 0 : *budget - unread;
  }

  void wake_on_room(std::size_t want, std::function<void()> wake) override {
    if (!budget) {
      wake();
      return;
    }
    ++waits;
    want_ = std::min(want, *budget);
    waker_ = std::move(wake);
    wake_if_room();
  }

  /// The client reads `n` messages: room for the replay again (and the waiting session is woken).
  void read(std::size_t n) {
    unread -= std::min(n, unread);
    wake_if_room();
  }

  actors::push_result push_event(const actors::frame_ptr& frame) override {
    events.push_back(*frame);
    return actors::push_result::queued;
  }

  void push_events(const actors::frame_batch& batch) override {
    ++batches;
    client_sink::push_events(batch);
  }

  void close(actors::close_reason reason) override { closed = reason; }

  /// Ids delivered for one room, in delivery order.
  std::vector<std::int64_t> ids(const std::string& room_id = "0") const {
    std::vector<std::int64_t> out;
    for (auto& m : messages)
      if (m.room_id == room_id)
        out.push_back(m.id);
    return out;
  }

  struct delivered {
    std::string room_id;
    std::int64_t id;
    actors::frame_ptr frame;
  };
  std::vector<delivered> messages;
  std::vector<std::string> events;
  std::size_t batches = 0; ///< push_events calls (coalesced broadcasts)
  std::optional<actors::close_reason> closed;
  std::optional<std::size_t> budget; ///< replay budget (none: unbounded, no pacing)
  std::size_t unread = 0;            ///< messages pushed and not read() yet
  std::size_t max_unread = 0;
  std::size_t waits = 0;             ///< wake_on_room() calls

private:
  void wake_if_room() {
    if (waker_ && replay_room() >= want_) {
      auto wake = std::move(waker_);
      waker_ = nullptr;
      wake();
    }
  }

  std::size_t capacity_;
  std::size_t want_ = 0;
  std::function<void()> waker_;
};

/// An in-memory event store (message frames). In deferred mode, reads wait until complete_all().
class fake_history : public actors::history_source {
public:
  void add(const std::string& room_id, std::int64_t id) {
    rows_[room_id].push_back({id, *actors::make_message_frame(message_json(room_id, id)), {}});
  }

  static std::string message_json(const std::string& room_id, std::int64_t id) {
    return R"({"id":)" + std::to_string(id) + R"(,"roomId":")" + room_id + R"(","message":"m)" +
           std::to_string(id) + R"("})";
  }

  /// The room's horizon (issue #26): a read from below it starts with the `reload` row at it, as
  /// chat_store::events_after answers, and goes on after it.
  void set_horizon(const std::string& room_id, std::int64_t h) { horizons_[room_id] = h; }

  void events_after(const std::string& room_id, std::int64_t after, std::int64_t limit,
                    std::function<void(bool, std::vector<actors::history_entry>)> done) override {
    ++reads;
    auto job = [this, room_id, after, limit, done = std::move(done)]() mutable {
      if (unavailable) {
        done(false, {});
        return;
      }
      std::vector<actors::history_entry> out;
      if (auto h = horizons_[room_id]; after < h && limit > 0) {
        out.push_back({h, R"({"type":"reload","data":{"roomId":")" + room_id + R"(","horizon":)" + std::to_string(h) + "}}", {}});
        after = h;
      }
      for (auto& row : rows_[room_id])
        if (row.id > after && static_cast<std::int64_t>(out.size()) < limit)
          out.push_back(row);
      done(true, std::move(out));
    };
    if (deferred || deferred_reads)
      pending_.push_back(std::move(job));
    else
      job();
  }

  void head(const std::string& room_id,
            std::function<void(bool, std::int64_t)> done) override {
    auto job = [this, room_id, done = std::move(done)] {
      auto& rows = rows_[room_id];
      done(!unavailable, rows.empty() ? 0 : rows.back().id);
    };
    if (deferred)
      pending_.push_back(std::move(job));
    else
      job();
  }

  /// Answers every read that is waiting.
  void complete_all() {
    auto jobs = std::move(pending_);
    pending_.clear();
    for (auto& job : jobs)
      job();
  }

  bool deferred = false;       ///< every read waits for complete_all()
  bool deferred_reads = false; ///< only events_after() waits (head() answers at once)
  bool unavailable = false;
  int reads = 0;

private:
  std::map<std::string, std::vector<actors::history_entry>> rows_;
  std::map<std::string, std::int64_t> horizons_;
  std::deque<std::function<void()>> pending_;
};

/// Records which rooms are active; confirms subscriptions at once unless `deferred`.
class fake_interest : public actors::room_interest {
public:
  void room_active(const std::string& room_id, std::function<void()> subscribed) override {
    log.push_back("active:" + room_id);
    if (deferred)
      pending_.push_back(std::move(subscribed));
    else
      subscribed();
  }
  void room_idle(const std::string& room_id) override { log.push_back("idle:" + room_id); }
  void room_signal(const std::string& room_id, const std::string& kind, const std::string& user_id,
                   const std::string&) override {
    log.push_back("signal:" + room_id + ":" + kind + ":" + user_id);
  }

  /// Confirms every pending subscription.
  void confirm_all() {
    auto p = std::move(pending_);
    pending_.clear();
    for (auto& f : p)
      f();
  }

  bool deferred = false;
  std::vector<std::string> log;

private:
  std::vector<std::function<void()>> pending_;
};

/// Records presence transitions; answers snapshot lookups from `known` (user id → online), at
/// once or, when `deferred`, at complete_lookups().
class fake_presence_backend : public actors::presence_backend {
public:
  void user_online(const std::string& user_id) override { log.push_back("online:" + user_id); }
  void user_offline(const std::string& user_id) override { log.push_back("offline:" + user_id); }

  void lookup(std::vector<std::string> user_ids,
              std::function<void(bool, std::vector<actors::presence_row>)> done) override {
    lookups.push_back(user_ids);
    auto job = [this, user_ids, done = std::move(done)] {
      if (unavailable) {
        done(false, {});
        return;
      }
      std::vector<actors::presence_row> rows;
      for (auto& id : user_ids)
        if (auto it = known.find(id); it != known.end())
          rows.push_back(actors::presence_row{id, "user" + id, it->second});
      done(true, std::move(rows));
    };
    if (deferred)
      pending_.push_back(std::move(job));
    else
      job();
  }

  /// Answers every lookup that waits.
  void complete_lookups() {
    auto jobs = std::move(pending_);
    pending_.clear();
    for (auto& job : jobs)
      job();
  }

  std::vector<std::string> log;
  std::map<std::string, bool> known;              ///< users the lookup knows, and whether online
  std::vector<std::vector<std::string>> lookups;  ///< the ids of every lookup, in order
  bool deferred = false;
  bool unavailable = false;

private:
  std::vector<std::function<void()>> pending_;
};

} // namespace chat::test
