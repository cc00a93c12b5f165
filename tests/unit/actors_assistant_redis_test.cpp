#define CAF_SUITE actors_assistant_redis
// The assistant end to end below the transports: chat_service (the trigger, message.stop), the
// assistant actor on a real actor system, the Lua scripts on a private redis-server, and a backend
// the test plays. Skipped when redis-server is not installed.
#include "caf/test/unit_test.hpp"

#include <caf/all.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "actors/assistant_actor.hpp"
#include "actors/assistant_ports.hpp"
#include "actors/chat_service.hpp"
#include "actors/send_rate_limiter.hpp"
#include "ai/backend.hpp"
#include "metrics/node_metrics.hpp"
#include "redis_test_server.hpp"

using namespace chat;
using namespace chat::actors;
using namespace std::chrono_literals;
using chat::storage::errc;

namespace {

struct played_call : ai::call {
  ai::request req;
  ai::stream_handler handler;
  std::atomic<int> cancels{0};
  void cancel() override { ++cancels; }
};

struct played_backend : ai::backend {
  std::mutex mutex;
  std::vector<std::shared_ptr<played_call>> calls;
  std::shared_ptr<ai::call> start(ai::request req, ai::stream_handler h) override {
    auto c = std::make_shared<played_call>();
    c->req = std::move(req);
    c->handler = std::move(h);
    std::lock_guard lock{mutex};
    calls.push_back(c);
    return c;
  }
  std::string_view name() const noexcept override { return "played"; }
  std::shared_ptr<played_call> call(std::size_t i) {
    std::lock_guard lock{mutex};
    return i < calls.size() ? calls[i] : nullptr;
  }
};

struct recorded_output : assistant_output {
  std::mutex mutex;
  std::vector<std::string> published, relayed, notified;
  void publish(const std::string&, std::int64_t, std::int64_t, frame_ptr frame) override {
    std::lock_guard lock{mutex};
    published.push_back(*frame);
  }
  void relay(const std::string&, frame_ptr frame) override {
    std::lock_guard lock{mutex};
    relayed.push_back(*frame);
  }
  void notify(const std::string&, std::string, std::string data) override {
    std::lock_guard lock{mutex};
    notified.push_back(std::move(data));
  }
  std::size_t count(std::vector<std::string> recorded_output::*what) {
    std::lock_guard lock{mutex};
    return (this->*what).size();
  }
  std::string at(std::vector<std::string> recorded_output::*what, std::size_t i) {
    std::lock_guard lock{mutex};
    return (this->*what).at(i);
  }
};

/// Polls `done` every 10 ms for up to 10 s.
bool eventually(const std::function<bool()>& done) {
  for (int i = 0; i < 1000; ++i) {
    if (done())
      return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

bool has(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

} // namespace

CAF_TEST(a dm with the bot is answered as a streamed reply written once and a stop cancels the next) {
  chat::test::redis_fixture fx;
  if (!fx.start()) {
    CAF_MESSAGE("redis-server not available: skipped");
    return;
  }
  auto& store = *fx.store;
  caf::actor_system_config cfg;
  // The `sharing` scheduler hands actors to workers under a mutex TSan sees; `stealing` uses lock-free
  // queues of the uninstrumented libcaf_core.so (tests/tsan.supp explains).
  cfg.set("scheduler.policy", caf::atom("sharing"));
  caf::actor_system sys{cfg};
  auto backend = std::make_shared<played_backend>();
  auto out = std::make_shared<recorded_output>();
  assistant_options opts;
  opts.server_id = "node-a";
  auto bot = std::make_shared<assistant>(sys, backend, make_assistant_store(store), out, opts);
  CAF_REQUIRE(eventually([&] { return !bot->bot_id().empty(); }));
  auto joe = fx.wait<storage::user>([&](auto cb) { store.create_user("joe", "$2b$10$x", cb); });
  CAF_REQUIRE(joe.first == errc::ok);
  auto dm = fx.wait<storage::dm_result>([&](auto cb) { store.create_dm(bot->bot_id(), joe.second.id, joe.second.id, cb); });
  CAF_REQUIRE(dm.first == errc::ok);
  const auto room = dm.second.room.id;

  metrics::node_metrics metrics{"test", "0", "none"};
  send_rate_limiter limiter{50, 10000ms};
  chat_service chat{store, nullptr, limiter, metrics, command_limits{}};
  chat.set_assistant(bot);
  auto inline_post = [](std::function<void()> fn) { fn(); };
  auto send = [&](const std::string& text) {
    auto p = std::make_shared<std::promise<command_result>>();
    chat.send({joe.second.id, metrics::transport::ws}, send_command{room, text, "c"}, inline_post,
              [p](command_result r) { p->set_value(std::move(r)); });
    auto f = p->get_future();
    CAF_REQUIRE(f.wait_for(10s) == std::future_status::ready);
    return f.get();
  };

  // A question in the DM: the backend is asked with it, as joe.
  auto q = send("what is 2+2?");
  CAF_REQUIRE(!q.error);
  CAF_REQUIRE(eventually([&] { return backend->call(0) != nullptr; }));
  auto call = backend->call(0);
  CAF_CHECK_EQUAL(call->req.username, "joe");
  CAF_REQUIRE(!call->req.turns.empty());
  CAF_CHECK_EQUAL(call->req.turns.back().content, "what is 2+2?");
  CAF_REQUIRE_EQUAL(out->count(&recorded_output::published), 1u); // the placeholder
  auto placeholder = out->at(&recorded_output::published, 0);
  CAF_CHECK(has(placeholder, R"("streaming":true)"));

  // Deltas: coalesced, published, and what a reader mid-stream gets.
  call->handler.on_text("It is 4");
  CAF_REQUIRE(eventually([&] { return out->count(&recorded_output::relayed) >= 1; }));
  CAF_CHECK(has(out->at(&recorded_output::relayed, 0), R"("offset":0,"text":"It is 4")"));
  auto mid = fx.wait<std::vector<storage::stored_message>>([&](auto cb) { store.messages_before(room, std::nullopt, 1, cb); });
  CAF_REQUIRE_EQUAL(mid.second.size(), 1u);
  CAF_CHECK(has(mid.second[0].json, R"("message":"It is 4","streaming":true)"));

  // A second question meanwhile is busy.
  send("and 3+3?");
  CAF_REQUIRE(eventually([&] { return out->count(&recorded_output::notified) == 1; }));
  CAF_CHECK(has(out->at(&recorded_output::notified, 0), R"("code":"busy")"));

  // The end: the final message once, in history and as one message.updated.
  call->handler.on_text(".");
  call->handler.on_end(ai::outcome::ok, "");
  CAF_REQUIRE(eventually([&] { return out->count(&recorded_output::published) == 2; }));
  CAF_CHECK(has(out->at(&recorded_output::published, 1), R"("message":"It is 4.","streaming":false)"));
  // (newest first: the busy question, the reply)
  auto after = fx.wait<std::vector<storage::stored_message>>([&](auto cb) { store.messages_before(room, std::nullopt, 2, cb); });
  CAF_REQUIRE_EQUAL(after.second.size(), 2u);
  CAF_CHECK(has(after.second[1].json, R"("message":"It is 4.","streaming":false})"));
  auto reply_id = after.second[1].id;
  auto events = fx.wait<std::vector<storage::stored_event>>([&](auto cb) { store.events_after(room, reply_id, 100, cb); });
  std::size_t updates = 0;
  for (auto& ev : events.second)
    updates += has(ev.frame, R"("type":"message.updated")") ? 1 : 0;
  CAF_CHECK_EQUAL(updates, 1u);

  // Another question, stopped by joe: the text so far is kept, the backend call cancelled.
  send("tell me a story");
  CAF_REQUIRE(eventually([&] { return backend->call(1) != nullptr; }));
  auto story = backend->call(1);
  auto deltas = out->count(&recorded_output::relayed);
  story->handler.on_text("Once upon");
  CAF_REQUIRE(eventually([&] { return out->count(&recorded_output::relayed) > deltas; }));
  auto placeholder2 = fx.wait<std::vector<storage::stored_message>>([&](auto cb) { store.messages_before(room, std::nullopt, 1, cb); });
  auto p = std::make_shared<std::promise<command_result>>();
  chat.execute({joe.second.id, metrics::transport::ws}, stop_command{room, placeholder2.second.at(0).id, "s"}, inline_post,
               [p](command_result r) { p->set_value(std::move(r)); });
  auto stopped = p->get_future().get();
  CAF_REQUIRE(!stopped.error);
  CAF_CHECK(has(stopped.data, R"("message":"Once upon","streaming":false,"stopped":true)"));
  CAF_CHECK(eventually([&] { return story->cancels.load() == 1; }));
  story->handler.on_end(ai::outcome::stopped, "");
  std::this_thread::sleep_for(200ms);
  auto last = fx.wait<std::vector<storage::stored_message>>([&](auto cb) { store.messages_before(room, std::nullopt, 1, cb); });
  CAF_CHECK(has(last.second.at(0).json, R"("message":"Once upon","streaming":false,"stopped":true})"));

  bot->stop();
}
