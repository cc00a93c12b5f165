#define CAF_SUITE actors_assistant
// The assistant actor (issue #21) on CAF's deterministic coordinator, with a scripted backend, a
// storage double whose calls the test answers, and a recorder of what it publishes.
#include "caf/test/unit_test.hpp"
#include "caf_test_dsl.hpp"

#include <caf/all.hpp>

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "actors/assistant_actor.hpp"
#include "actors/assistant_ports.hpp"
#include "actors/atoms.hpp"
#include "ai/backend.hpp"

using namespace chat::actors;
using chat::storage::errc;
namespace storage = chat::storage;
namespace ai = chat::ai;

namespace {

/// One reply as the backend saw it; the test plays the backend through it.
struct fake_call : ai::call {
  ai::request req;
  ai::stream_handler handler;
  int cancels = 0;
  void cancel() override { ++cancels; }
  void text(std::string_view piece) { handler.on_text(piece); }
  void end(ai::outcome how = ai::outcome::ok) { handler.on_end(how, "test"); }
};

struct fake_backend : ai::backend {
  std::vector<std::shared_ptr<fake_call>> calls;
  std::shared_ptr<ai::call> start(ai::request req, ai::stream_handler h) override {
    auto c = std::make_shared<fake_call>();
    c->req = std::move(req);
    c->handler = std::move(h);
    calls.push_back(c);
    return c;
  }
  std::string_view name() const noexcept override { return "fake"; }
};

/// Records every call with its callback: the test answers them (a Redis that answers on demand).
struct fake_store : assistant_store {
  std::deque<std::pair<std::string, storage::callback<storage::user>>> bots;
  std::vector<std::pair<storage::ai_start_request, storage::callback<storage::ai_started>>> starts;
  std::vector<std::pair<storage::ai_append_request, storage::callback<bool>>> appends;
  std::vector<std::pair<storage::ai_finish_request, storage::callback<storage::written_event>>> finishes;
  std::vector<storage::callback<std::vector<storage::ai_swept>>> sweeps;
  std::vector<storage::callback<std::vector<storage::stored_message>>> reads;
  std::vector<std::vector<std::string>> user_reads;
  std::vector<storage::callback<std::vector<storage::user_view>>> user_dones;

  void ensure_bot(std::string name, storage::callback<storage::user> done) override {
    bots.emplace_back(std::move(name), std::move(done));
  }
  void start(storage::ai_start_request req, storage::callback<storage::ai_started> done) override {
    starts.emplace_back(std::move(req), std::move(done));
  }
  void append(storage::ai_append_request req, storage::callback<bool> done) override {
    appends.emplace_back(std::move(req), std::move(done));
  }
  void finish(storage::ai_finish_request req, storage::callback<storage::written_event> done) override {
    finishes.emplace_back(std::move(req), std::move(done));
  }
  void sweep(std::int64_t, storage::callback<std::vector<storage::ai_swept>> done) override {
    sweeps.push_back(std::move(done));
  }
  void recent(std::string, std::int64_t, std::int64_t, storage::callback<std::vector<storage::stored_message>> done) override {
    reads.push_back(std::move(done));
  }
  void users(std::vector<std::string> ids, storage::callback<std::vector<storage::user_view>> done) override {
    user_reads.push_back(std::move(ids));
    user_dones.push_back(std::move(done));
  }
};

struct fake_output : assistant_output {
  struct positioned {
    std::string room;
    std::int64_t position;
    std::string frame;
  };
  std::vector<positioned> published;
  std::vector<std::string> relayed;
  std::vector<std::pair<std::string, std::string>> notified; // user, data
  void publish(const std::string& room, std::int64_t position, std::int64_t, frame_ptr frame) override {
    published.push_back({room, position, *frame});
  }
  void relay(const std::string&, frame_ptr frame) override { relayed.push_back(*frame); }
  void notify(const std::string& user, std::string, std::string data) override {
    notified.emplace_back(user, std::move(data));
  }
};

struct fixture : test_coordinator_fixture<> {
  std::shared_ptr<fake_backend> backend = std::make_shared<fake_backend>();
  std::shared_ptr<fake_store> store = std::make_shared<fake_store>();
  std::shared_ptr<fake_output> out = std::make_shared<fake_output>();
  assistant_options opts;
  std::unique_ptr<assistant> bot;

  fixture() {
    opts.server_id = "node-a";
    opts.max_concurrent = 2;
  }

  ~fixture() override {
    if (bot) {
      bot->stop();
      sched.run();
    }
  }

  /// Spawns the assistant and creates its bot user (id 7).
  void start_assistant() {
    bot = std::make_unique<assistant>(sys, backend, store, out, opts);
    sched.run();
    CAF_REQUIRE_EQUAL(store->bots.size(), 1u);
    store->bots.front().second(errc::ok, storage::user{"7", "Assistant", "bot"});
    sched.run();
    CAF_REQUIRE_EQUAL(bot->bot_id(), "7");
  }

  /// A trigger in `room` by `user`, its start answered with placeholder `id`, the context read
  /// answered: the backend call.
  std::shared_ptr<fake_call> ask(const std::string& room, std::int64_t id, const std::string& user = "3") {
    bot->triggered(user, room, id - 1, "@Assistant hi");
    sched.run();
    auto& [req, done] = store->starts.back();
    CAF_CHECK_EQUAL(req.room_id, room);
    CAF_CHECK_EQUAL(req.owner, "node-a");
    done(errc::ok, storage::ai_started{id, id - 1, placeholder(room, id), 0});
    sched.run();
    store->reads.back()(errc::ok, {storage::stored_message{id - 1, R"({"id":)" + std::to_string(id - 1) +
                                                                     R"(,"roomId":")" + room + R"(","from":")" + user +
                                                                     R"(","date":1,"message":"@Assistant hi"})"}});
    sched.run();
    store->user_dones.back()(errc::ok, {storage::user_view{user, "Joe", true, false, {}}});
    sched.run();
    CAF_REQUIRE(!backend->calls.empty());
    return backend->calls.back();
  }

  static std::string placeholder(const std::string& room, std::int64_t id) {
    return R"({"id":)" + std::to_string(id) + R"(,"roomId":")" + room + R"(","from":"7","date":1,"message":"","streaming":true})";
  }

  /// Lets the flush timer fire once.
  void tick() {
    advance_time(opts.flush_interval);
    sched.run();
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(assistant_tests, fixture)

CAF_TEST(nothing triggers before the bot user exists) {
  bot = std::make_unique<assistant>(sys, backend, store, out, opts);
  sched.run();
  CAF_CHECK(!bot->is_trigger("3:7", "hi"));
  bot->triggered("3", "0", 1, "@Assistant hi");
  sched.run();
  CAF_CHECK(store->starts.empty());
  store->bots.front().second(errc::unavailable, storage::user{});
  sched.run();
  advance_time(opts.retry_interval); // Redis down: asked again later
  sched.run();
  CAF_REQUIRE_EQUAL(store->bots.size(), 2u);
  store->bots.back().second(errc::ok, storage::user{"7", "Assistant", "bot"});
  sched.run();
  CAF_CHECK(bot->is_trigger("3:7", "hi"));
}

CAF_TEST(a reply streams as coalesced deltas and is written once) {
  start_assistant();
  auto call = ask("3:7", 100);
  // The placeholder went out as a positioned message before anything else.
  CAF_REQUIRE_EQUAL(out->published.size(), 1u);
  CAF_CHECK_EQUAL(out->published[0].position, 100);
  CAF_CHECK(out->published[0].frame.find(R"("streaming":true)") != std::string::npos);
  // Context: the system prompt, then the question.
  CAF_REQUIRE_EQUAL(call->req.turns.size(), 2u);
  CAF_CHECK_EQUAL(call->req.turns[1].content, "@Assistant hi");
  CAF_CHECK_EQUAL(call->req.username, "Joe");
  // Three pieces within one flush interval: one append, one delta.
  call->text("Hel");
  call->text("lo");
  call->text(" wor");
  sched.run();
  CAF_CHECK(store->appends.empty());
  tick();
  CAF_REQUIRE_EQUAL(store->appends.size(), 1u);
  CAF_CHECK_EQUAL(store->appends[0].first.text, "Hello wor");
  CAF_CHECK_EQUAL(store->appends[0].first.delta_data, R"({"roomId":"3:7","id":100,"offset":0,"text":"Hello wor"})");
  // The next piece waits for the append in flight.
  call->text("ld");
  sched.run();
  tick();
  CAF_CHECK_EQUAL(store->appends.size(), 1u);
  store->appends[0].second(errc::ok, true);
  sched.run();
  CAF_REQUIRE_EQUAL(out->relayed.size(), 1u);
  CAF_CHECK_EQUAL(out->relayed[0],
                  R"({"type":"message.delta","data":{"roomId":"3:7","id":100,"offset":0,"text":"Hello wor"}})");
  tick();
  CAF_REQUIRE_EQUAL(store->appends.size(), 2u);
  CAF_CHECK_EQUAL(store->appends[1].first.delta_data, R"({"roomId":"3:7","id":100,"offset":9,"text":"ld"})");
  // The end while an append is in flight: the final write waits for it, then goes once.
  call->text("!");
  call->end();
  sched.run();
  CAF_CHECK(store->finishes.empty());
  store->appends[1].second(errc::ok, true);
  sched.run();
  CAF_REQUIRE_EQUAL(store->finishes.size(), 1u);
  auto& fin = store->finishes[0].first;
  CAF_CHECK_EQUAL(fin.text, "!");
  CAF_CHECK(!fin.stopped);
  CAF_CHECK_EQUAL(fin.error, "");
  store->finishes[0].second(errc::ok, storage::written_event{130, 120, "{}", R"({"type":"message.updated","data":{}})", {}, {}, 0});
  sched.run();
  CAF_REQUIRE_EQUAL(out->published.size(), 2u);
  CAF_CHECK_EQUAL(out->published[1].position, 130);
  tick();
  tick();
  CAF_CHECK_EQUAL(store->finishes.size(), 1u);
  CAF_CHECK_EQUAL(store->appends.size(), 2u);
  // The room is free again.
  ask("3:7", 200);
  CAF_CHECK_EQUAL(store->starts.size(), 2u);
}

CAF_TEST(busy while a reply is in flight in the room or the node is full) {
  start_assistant();
  ask("0", 100);
  bot->triggered("4", "0", 150, "@Assistant me too");
  sched.run();
  CAF_CHECK_EQUAL(store->starts.size(), 1u);
  CAF_REQUIRE_EQUAL(out->notified.size(), 1u);
  CAF_CHECK_EQUAL(out->notified[0].first, "4");
  CAF_CHECK(out->notified[0].second.find(R"("code":"busy")") != std::string::npos);
  CAF_CHECK(out->notified[0].second.find(R"("id":150)") != std::string::npos);
  ask("12", 300); // the second of max_concurrent = 2
  bot->triggered("5", "13", 400, "@Assistant?");
  sched.run();
  CAF_CHECK_EQUAL(store->starts.size(), 2u);
  CAF_REQUIRE_EQUAL(out->notified.size(), 2u);
  CAF_CHECK(out->notified[1].second.find(R"("code":"busy")") != std::string::npos);
  bot->triggered("5", "14", 500, "@Assistant?");
  sched.run(); // still full: busy at once, storage is not asked
  CAF_CHECK_EQUAL(out->notified.size(), 3u);
}

CAF_TEST(storage refusals answer the trigger) {
  start_assistant();
  bot->triggered("3", "0", 10, "@Assistant hi");
  sched.run();
  store->starts.back().second(errc::conflict, storage::ai_started{});
  sched.run();
  bot->triggered("3", "0", 11, "@Assistant hi");
  sched.run();
  storage::ai_started limited;
  limited.retry_after = 1200;
  store->starts.back().second(errc::rate_limited, limited);
  sched.run();
  CAF_REQUIRE_EQUAL(out->notified.size(), 2u);
  CAF_CHECK(out->notified[0].second.find(R"("code":"busy")") != std::string::npos);
  CAF_CHECK(out->notified[1].second.find(R"("code":"rate_limited")") != std::string::npos);
  CAF_CHECK(out->notified[1].second.find(R"("retryAfter":1200)") != std::string::npos);
  CAF_CHECK(backend->calls.empty());
  CAF_CHECK(out->published.empty());
}

CAF_TEST(a stop here cancels the backend call and writes nothing more) {
  start_assistant();
  auto call = ask("3:7", 100);
  call->text("partial");
  sched.run();
  bot->stopped("3:7", 100); // the stop script wrote the end already
  sched.run();
  CAF_CHECK_EQUAL(call->cancels, 1);
  call->end(ai::outcome::stopped);
  sched.run();
  tick();
  CAF_CHECK(store->finishes.empty());
  CAF_CHECK(store->appends.empty());
}

CAF_TEST(a stop on another node is noticed at the next append) {
  start_assistant();
  auto call = ask("0", 100);
  call->text("partial");
  tick();
  CAF_REQUIRE_EQUAL(store->appends.size(), 1u);
  store->appends[0].second(errc::not_found, false); // the stream is gone: stopped or swept elsewhere
  sched.run();
  CAF_CHECK_EQUAL(call->cancels, 1);
  CAF_CHECK(out->relayed.empty());
  call->end(ai::outcome::stopped);
  sched.run();
  tick();
  CAF_CHECK(store->finishes.empty());
}

CAF_TEST(a backend error keeps its code and the text so far) {
  start_assistant();
  auto call = ask("0", 100);
  call->text("half an ans");
  call->text("wer");
  call->end(ai::outcome::upstream);
  sched.run();
  CAF_REQUIRE_EQUAL(store->finishes.size(), 1u);
  CAF_CHECK_EQUAL(store->finishes[0].first.text, "half an answer");
  CAF_CHECK_EQUAL(store->finishes[0].first.error, "upstream");
  CAF_CHECK(!store->finishes[0].first.stopped);
}

CAF_TEST(a silent reply renews its lease and an unfinished character waits) {
  start_assistant();
  auto call = ask("0", 100);
  call->text("caf\xC3"); // "café" split inside the é
  tick();
  CAF_REQUIRE_EQUAL(store->appends.size(), 1u);
  CAF_CHECK_EQUAL(store->appends[0].first.text, "caf");
  store->appends[0].second(errc::ok, true);
  call->text("\xA9");
  tick();
  CAF_REQUIRE_EQUAL(store->appends.size(), 2u);
  CAF_CHECK_EQUAL(store->appends[1].first.text, "\xC3\xA9");
  CAF_CHECK_EQUAL(store->appends[1].first.delta_data, R"({"roomId":"0","id":100,"offset":3,"text":"é"})");
  store->appends[1].second(errc::ok, true);
  sched.run();
  // Nothing new: no append until the renewal is due, then one with no text.
  for (int i = 0; i < 5; ++i)
    tick();
  CAF_CHECK_EQUAL(store->appends.size(), 2u);
  advance_time(opts.renew_interval);
  sched.run();
  tick();
  CAF_REQUIRE_EQUAL(store->appends.size(), 3u);
  CAF_CHECK_EQUAL(store->appends[2].first.text, "");
  CAF_CHECK(store->appends[2].first.lease == opts.lease);
}

CAF_TEST(orphans are swept on a timer and published here) {
  start_assistant();
  CAF_REQUIRE_EQUAL(store->sweeps.size(), 1u); // at start
  std::vector<storage::ai_swept> swept;
  swept.push_back({"0", storage::written_event{900, 899, "{}", R"({"type":"message.updated","data":{"error":"interrupted"}})", {}, {}, 0}});
  store->sweeps[0](errc::ok, std::move(swept));
  sched.run();
  CAF_REQUIRE_EQUAL(out->published.size(), 1u);
  CAF_CHECK_EQUAL(out->published[0].position, 900);
  advance_time(opts.sweep_interval);
  sched.run();
  CAF_CHECK_EQUAL(store->sweeps.size(), 2u);
}

CAF_TEST(a reply that never ends is cancelled at its deadline and a long one is cut) {
  opts.reply_deadline = std::chrono::milliseconds{500};
  opts.renew_interval = std::chrono::milliseconds{10000}; // no renewal in flight at the deadline
  opts.max_reply_bytes = 10;
  start_assistant();
  auto slow = ask("0", 100);
  auto chatty = ask("12", 200);
  chatty->text("0123456789ABC");
  sched.run();
  CAF_CHECK_EQUAL(chatty->cancels, 1);
  tick();
  for (int i = 0; i < 10 && store->finishes.size() < 2; ++i)
    tick();
  CAF_CHECK_EQUAL(slow->cancels, 1);
  CAF_REQUIRE_EQUAL(store->finishes.size(), 2u);
  for (auto& f : store->finishes)
    CAF_CHECK_EQUAL(f.first.error, f.first.room_id == "0" ? "timeout" : "too_long");
}

CAF_TEST(stopping the actor finalizes its replies as interrupted) {
  start_assistant();
  auto call = ask("0", 100);
  bot->stop();
  sched.run();
  CAF_CHECK_EQUAL(call->cancels, 1);
  CAF_REQUIRE_EQUAL(store->finishes.size(), 1u);
  CAF_CHECK_EQUAL(store->finishes[0].first.error, "interrupted");
  bot.reset();
}

CAF_TEST_FIXTURE_SCOPE_END()
