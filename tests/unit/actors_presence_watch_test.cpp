#define CAF_SUITE actors_presence_watch

#include "caf/test/unit_test.hpp"
#include "caf_test_dsl.hpp"

#include <algorithm>

#include <caf/all.hpp>

#include "actor_fakes.hpp"
#include "actors/atoms.hpp"
#include "actors/json_frames.hpp"
#include "actors/presence_actor.hpp"
#include "actors/presence_watch.hpp"
#include "actors/room_directory.hpp"
#include "actors/session_shard.hpp"

using namespace chat;
using namespace chat::actors;
using chat::test::fake_history;
using chat::test::fake_presence_backend;
using chat::test::fake_sink;

namespace {

/// `{"type":"user.connected"|"user.disconnected",…}` of `user`.
frame_ptr change_frame(const std::string& user, bool online) {
  return make_frame(presence_frame_json(user, "user" + user, online));
}

/// Presence events (`user.connected` / `user.disconnected`) a sink got, as "+id" / "-id".
std::vector<std::string> changes_of(const fake_sink& sink) {
  std::vector<std::string> out;
  for (auto& e : sink.events) {
    auto id_at = e.find(R"("id":")");
    if (id_at == std::string::npos || e.find(R"("type":"user.)") == std::string::npos)
      continue;
    auto id = e.substr(id_at + 6, e.find('"', id_at + 6) - id_at - 6);
    out.push_back((e.find("user.connected") != std::string::npos ? "+" : "-") + id);
  }
  return out;
}

/// The `presence` snapshot events a sink got.
std::vector<std::string> snapshots_of(const fake_sink& sink) {
  std::vector<std::string> out;
  for (auto& e : sink.events)
    if (e.rfind(R"({"type":"presence",)", 0) == 0)
      out.push_back(e);
  return out;
}

struct fixture : test_coordinator_fixture<> {
  std::shared_ptr<fake_history> history = std::make_shared<fake_history>();
  std::shared_ptr<fake_presence_backend> backend = std::make_shared<fake_presence_backend>();
  presence_options opts;
  caf::actor directory;
  caf::actor presence;
  caf::actor shards[2];
  std::uint64_t next_conn = 0;

  fixture() {
    directory = spawn_room_directory(sys, room_deps{history, nullptr, nullptr}, room_options{});
    presence = spawn_presence(sys, backend, opts, nullptr);
    for (auto& shard : shards)
      shard = spawn_session_shard(sys, session_deps{directory, presence, history, nullptr}, session_options{});
    backend->known = {{"5", true}, {"6", false}, {"7", true}};
  }

  ~fixture() override {
    caf::anon_send(directory, stop_atom::value);
    caf::anon_send(presence, stop_atom::value);
    run();
  }

  void dispatch() { sched.run(); }

  session_handle connect(const std::string& user, const std::shared_ptr<fake_sink>& sink) {
    auto id = ++next_conn;
    auto s = open_session(shards[id % 2], id, user, sink, false);
    dispatch();
    return s;
  }

  void watch(const session_handle& s, const std::shared_ptr<fake_sink>& sink, std::vector<std::string> users,
             std::string client_id = {}) {
    caf::anon_send(presence, watch_atom::value, s.id, std::shared_ptr<client_sink>{sink}, std::move(users),
                   std::move(client_id), true);
    dispatch();
  }

  void change(const std::string& user, bool online) {
    caf::anon_send(presence, presence_atom::value, user, change_frame(user, online));
  }

  /// Lets the current broadcast window end (everything collected goes out).
  void end_window() {
    dispatch();
    advance_time(opts.broadcast_window);
    dispatch();
  }
};

using strings = std::vector<std::string>;

} // namespace

CAF_TEST_FIXTURE_SCOPE(presence_watch_tests, fixture)

CAF_TEST(a_watching_connection_gets_a_snapshot_then_only_the_users_it_watches) {
  auto w = std::make_shared<fake_sink>();
  auto all = std::make_shared<fake_sink>();
  auto ws = connect("1", w);
  connect("2", all);
  watch(ws, w, {"6", "5", "5", "99"}); // duplicates ignored; 99 is unknown to storage
  CAF_CHECK_EQUAL(backend->lookups, (std::vector<strings>{{"5", "6", "99"}}));
  CAF_REQUIRE_EQUAL(w->events.size(), 1u);
  CAF_CHECK_EQUAL(w->events[0], R"({"type":"presence","data":{"users":[)"
                                R"({"id":"5","username":"user5","online":true},)"
                                R"({"id":"6","username":"user6","online":false}]}})");
  change("5", false);
  change("6", true);
  change("8", true);
  end_window();
  CAF_CHECK_EQUAL(changes_of(*w), (strings{"-5", "+6"}));
  CAF_CHECK_EQUAL(changes_of(*all), (strings{"-5", "+6", "+8"})); // never watched: everyone's
  CAF_CHECK(snapshots_of(*all).empty());
}

CAF_TEST(within_a_window_a_user_costs_one_frame_its_final_state) {
  auto all = std::make_shared<fake_sink>();
  auto w = std::make_shared<fake_sink>();
  connect("1", all);
  auto ws = connect("2", w);
  watch(ws, w, {"7"});
  change("4", true); // after a quiet spell: at once
  dispatch();
  CAF_CHECK_EQUAL(changes_of(*all), (strings{"+4"}));
  change("7", true); // connected, then disconnected, then connected: within one window
  change("9", true);
  change("7", false);
  change("9", false);
  change("7", true);
  dispatch();
  CAF_CHECK_EQUAL(changes_of(*all), (strings{"+4"})); // collected until the window ends
  end_window();
  CAF_CHECK_EQUAL(changes_of(*all), (strings{"+4", "+7", "-9"}));
  CAF_CHECK_EQUAL(all->batches, 2u); // one per window
  CAF_CHECK_EQUAL(changes_of(*w), (strings{"+7"}));
}

CAF_TEST(a_live_change_delivered_during_the_snapshot_read_is_not_overwritten_by_the_snapshot) {
  auto w = std::make_shared<fake_sink>();
  auto ws = connect("1", w);
  backend->deferred = true;
  watch(ws, w, {"5", "7"}); // storage still says both online
  change("5", false);
  end_window();
  CAF_CHECK_EQUAL(changes_of(*w), (strings{"-5"}));
  backend->complete_lookups();
  dispatch();
  // The snapshot leaves 5 out: its read may predate the change the client already has.
  CAF_CHECK_EQUAL(snapshots_of(*w),
                  (strings{R"({"type":"presence","data":{"users":[{"id":"7","username":"user7","online":true}]}})"}));
}

CAF_TEST(a_new_watch_replaces_the_set_and_reads_only_the_users_it_adds) {
  auto w = std::make_shared<fake_sink>();
  auto ws = connect("1", w);
  watch(ws, w, {"5", "6"});
  watch(ws, w, {"6", "7"});
  CAF_CHECK_EQUAL(backend->lookups, (std::vector<strings>{{"5", "6"}, {"7"}}));
  auto two = snapshots_of(*w);
  CAF_REQUIRE_EQUAL(two.size(), 2u);
  CAF_CHECK(two[1].find(R"("id":"7")") != std::string::npos);
  CAF_CHECK(two[1].find(R"("id":"6")") == std::string::npos);
  change("5", false);
  change("6", true);
  change("7", false);
  end_window();
  CAF_CHECK_EQUAL(changes_of(*w), (strings{"+6", "-7"}));
  watch(ws, w, {}); // nobody
  change("6", false);
  end_window();
  CAF_CHECK_EQUAL(changes_of(*w), (strings{"+6", "-7"}));
  auto snaps = snapshots_of(*w);
  CAF_CHECK_EQUAL(snaps.back(), R"({"type":"presence","data":{"users":[]}})");
}

CAF_TEST(a_watch_sent_before_the_shard_registered_the_session_still_holds) {
  auto w = std::make_shared<fake_sink>();
  auto id = ++next_conn;
  // The connection's watch goes straight to presence; the shard's connect comes after it.
  caf::anon_send(presence, watch_atom::value, id, std::shared_ptr<client_sink>{w}, strings{}, std::string{}, false);
  dispatch();
  CAF_CHECK(w->events.empty()); // `?presence=watch` at the start: no answer
  caf::anon_send(presence, watch_atom::value, id, std::shared_ptr<client_sink>{w}, strings{"5"}, std::string{}, true);
  open_session(shards[id % 2], id, "1", w, false);
  dispatch();
  change("5", false);
  change("8", true);
  end_window();
  CAF_CHECK_EQUAL(changes_of(*w), (strings{"-5"}));
}

CAF_TEST(storage_down_answers_the_watch_with_an_error_and_the_watch_holds) {
  auto w = std::make_shared<fake_sink>();
  auto ws = connect("1", w);
  backend->unavailable = true;
  watch(ws, w, {"5"}, "p1");
  CAF_REQUIRE_EQUAL(w->events.size(), 1u);
  CAF_CHECK_EQUAL(w->events[0], R"({"type":"error","data":{"code":"unavailable","message":)"
                                R"("presence state could not be read: send presence.watch again later","clientId":"p1"}})");
  change("5", false);
  end_window();
  CAF_CHECK_EQUAL(changes_of(*w), (strings{"-5"}));
}

CAF_TEST(a_closed_connection_gets_nothing_more) {
  auto w = std::make_shared<fake_sink>();
  auto all = std::make_shared<fake_sink>();
  auto ws = connect("1", w);
  auto as = connect("2", all);
  watch(ws, w, {"5"});
  close_session(ws);
  close_session(as);
  dispatch();
  change("5", false);
  end_window();
  CAF_CHECK(changes_of(*w).empty());
  CAF_CHECK(changes_of(*all).empty());
}

CAF_TEST(a_connect_storm_costs_each_watcher_its_few_users_and_everyone_connections_few_batches) {
  // 200 users connect at once; each connection watches 3 "DM partners" (its neighbours).
  constexpr int n = 200;
  auto all = std::make_shared<fake_sink>();
  connect("1", all); // a tutorial client (never watches): every change
  std::vector<std::shared_ptr<fake_sink>> sinks;
  for (int i = 0; i < n; ++i) {
    sinks.push_back(std::make_shared<fake_sink>());
    auto s = connect(std::to_string(1000 + i), sinks.back());
    watch(s, sinks.back(), {std::to_string(1000 + (i + 1) % n), std::to_string(1000 + (i + 2) % n),
                            std::to_string(1000 + (i + 3) % n)});
    change(std::to_string(1000 + i), true);
    if (i % 20 == 19) // the storm spans ten windows
      end_window();
  }
  end_window();
  std::size_t most = 0;
  for (auto& sink : sinks)
    most = std::max(most, sink->events.size());
  CAF_CHECK_LESS_OR_EQUAL(most, 4u); // one snapshot + at most its three partners' changes
  CAF_CHECK_EQUAL(changes_of(*all).size(), static_cast<std::size_t>(n)); // everyone, once each
  CAF_CHECK_LESS_OR_EQUAL(all->batches, 11u); // the first at once, then one per window
}

CAF_TEST_FIXTURE_SCOPE_END()

// -- the index itself, without actors ------------------------------------------------------------

CAF_TEST(presence_watch_index_keeps_no_entry_of_an_ended_connection) {
  presence_watch idx;
  auto a = std::make_shared<fake_sink>();
  auto b = std::make_shared<fake_sink>();
  idx.add_session(1, a);
  idx.add_session(2, b);
  CAF_CHECK_EQUAL(idx.everyone_count(), 2u);
  CAF_CHECK_EQUAL(idx.watch(2, b, {"5", "6"}), (strings{"5", "6"}));
  CAF_CHECK_EQUAL(idx.watch(2, b, {"6", "7", "7"}), (strings{"7"}));
  CAF_CHECK_EQUAL(idx.everyone_count(), 1u);
  CAF_CHECK_EQUAL(idx.watcher_count(), 1u);
  CAF_CHECK_EQUAL(idx.watched_users(), 2u);
  auto delivered = idx.deliver({{"6", change_frame("6", true)}, {"5", change_frame("5", true)}});
  CAF_CHECK_EQUAL(delivered, 3u); // both to the everyone-connection, 6 to the watcher
  CAF_CHECK_EQUAL(changes_of(*b), (strings{"+6"}));
  CAF_CHECK_EQUAL(a->batches, 1u);
  idx.remove_session(2);
  idx.remove_session(1);
  CAF_CHECK_EQUAL(idx.everyone_count(), 0u);
  CAF_CHECK_EQUAL(idx.watcher_count(), 0u);
  CAF_CHECK_EQUAL(idx.watched_users(), 0u);
  CAF_CHECK_EQUAL(idx.deliver({{"6", change_frame("6", false)}}), 0u);
}
