#include "actors/assistant_ports.hpp"

#include <chrono>

#include "actors/realtime.hpp"

namespace chat::actors {

namespace {

class store_port : public assistant_store {
public:
  explicit store_port(storage::chat_store& store) : store_(store) {}

  void ensure_bot(std::string name, storage::callback<storage::user> done) override {
    store_.ensure_ai_bot(std::move(name), std::move(done));
  }
  void start(storage::ai_start_request req, storage::callback<storage::ai_started> done) override {
    store_.ai_start(std::move(req), std::move(done));
  }
  void append(storage::ai_append_request req, storage::callback<bool> done) override {
    store_.ai_append(std::move(req), std::move(done));
  }
  void finish(storage::ai_finish_request req, storage::callback<storage::written_event> done) override {
    store_.ai_finish(std::move(req), std::move(done));
  }
  void sweep(std::int64_t max, storage::callback<std::vector<storage::ai_swept>> done) override {
    store_.ai_sweep(max, std::move(done));
  }
  void recent(std::string room_id, std::int64_t before, std::int64_t limit,
              storage::callback<std::vector<storage::stored_message>> done) override {
    store_.messages_before(std::move(room_id), before, limit, std::move(done));
  }
  void users(std::vector<std::string> ids, storage::callback<std::vector<storage::user_view>> done) override {
    store_.get_users(std::move(ids), std::move(done));
  }

private:
  storage::chat_store& store_;
};

class output_port : public assistant_output {
public:
  explicit output_port(realtime& rt) : rt_(rt) {}

  void publish(const std::string& room_id, std::int64_t position, std::int64_t prev, frame_ptr frame) override {
    auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
    rt_.publish(room_id, position, prev, now, std::move(frame));
  }
  void relay(const std::string& room_id, frame_ptr frame) override {
    rt_.relay_signal(room_id, std::move(frame), std::string{});
  }
  void notify(const std::string& user_id, std::string type, std::string data) override {
    rt_.user_event_for(user_event{{user_id}, std::move(type), std::string{}, std::move(data), -1, user_action::deliver});
  }

private:
  realtime& rt_;
};

} // namespace

std::shared_ptr<assistant_store> make_assistant_store(storage::chat_store& store) {
  return std::make_shared<store_port>(store);
}

std::shared_ptr<assistant_output> make_assistant_output(realtime& rt) {
  return std::make_shared<output_port>(rt);
}

} // namespace chat::actors
