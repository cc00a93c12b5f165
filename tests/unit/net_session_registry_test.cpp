#define CAF_SUITE net_session_registry

#include "caf/test/unit_test.hpp"

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "net/session_registry.hpp"
#include "net/session_revocation.hpp"

// The registry of live connections by session (net/session_registry.hpp): the end of a session tells
// exactly its connections, here and only once registered; other sessions of the same user stay; a
// connection that registers right after its session ended is ended at once; a user's end (a ban)
// tells all of the user's sessions; gone connections are not told and leave nothing behind. And the
// expiry check's decision (ended_sessions): a missing key or another user ends a session, an answer
// of the wrong size ends nothing.

using namespace chat::net;
using namespace std::chrono_literals;

namespace {

struct conn : revocable {
  int ended = 0;
  void end_session() override { ++ended; }
};

const std::string s1(64, '1');
const std::string s2(64, '2');
const std::string s3(64, '3');

} // namespace

CAF_TEST(ending_a_session_tells_its_connections_only) {
  session_registry reg;
  auto a = std::make_shared<conn>(), b = std::make_shared<conn>(), other = std::make_shared<conn>(),
       stranger = std::make_shared<conn>();
  reg.add(s1, "7", a);
  reg.add(s1, "7", b);           // the same session on two connections (WS and SSE)
  reg.add(s2, "7", other);       // the same user's other session
  reg.add(s3, "8", stranger);
  CAF_CHECK_EQUAL(reg.size(), 4u);
  CAF_CHECK_EQUAL(reg.end_session(s1), 2u);
  CAF_CHECK_EQUAL(a->ended, 1);
  CAF_CHECK_EQUAL(b->ended, 1);
  CAF_CHECK_EQUAL(other->ended, 0);
  CAF_CHECK_EQUAL(stranger->ended, 0);
  CAF_CHECK(reg.ended_recently(s1));
  CAF_CHECK(!reg.ended_recently(s2));
}

CAF_TEST(a_connection_registering_after_its_session_ended_is_ended_at_once) {
  session_registry reg{1h};
  // Ended before any connection of it was here (another node's logout raced with the handshake).
  CAF_CHECK_EQUAL(reg.end_session(s1), 0u);
  auto late = std::make_shared<conn>();
  reg.add(s1, "7", late);
  CAF_CHECK_EQUAL(late->ended, 1);
  auto fresh = std::make_shared<conn>();
  reg.add(s2, "7", fresh);
  CAF_CHECK_EQUAL(fresh->ended, 0);
}

CAF_TEST(ended_sessions_are_forgotten_after_the_remember_time_and_beyond_the_bound) {
  session_registry reg{0s};
  reg.end_session(s1);
  CAF_CHECK(!reg.ended_recently(s1));
  auto c = std::make_shared<conn>();
  reg.add(s1, "7", c);
  CAF_CHECK_EQUAL(c->ended, 0);

  session_registry small{1h, 2};
  small.end_session(s1);
  small.end_session(s2);
  small.end_session(s3); // the oldest (s1) is forgotten
  CAF_CHECK(!small.ended_recently(s1));
  CAF_CHECK(small.ended_recently(s2));
  CAF_CHECK(small.ended_recently(s3));
  small.end_session(s2); // renewed: now the newest
  small.end_session(s1);
  CAF_CHECK(small.ended_recently(s2));
  CAF_CHECK(small.ended_recently(s1));
  CAF_CHECK(!small.ended_recently(s3));
}

CAF_TEST(ending_a_user_tells_every_session_of_the_user) {
  session_registry reg;
  auto a = std::make_shared<conn>(), b = std::make_shared<conn>(), c = std::make_shared<conn>();
  reg.add(s1, "7", a);
  reg.add(s2, "7", b);
  reg.add(s3, "8", c);
  CAF_CHECK_EQUAL(reg.end_user("7"), 2u);
  CAF_CHECK_EQUAL(a->ended, 1);
  CAF_CHECK_EQUAL(b->ended, 1);
  CAF_CHECK_EQUAL(c->ended, 0);
  CAF_CHECK(reg.ended_recently(s1) && reg.ended_recently(s2));
}

CAF_TEST(removed_and_destroyed_connections_are_not_told) {
  session_registry reg;
  auto kept = std::make_shared<conn>();
  auto removed = std::make_shared<conn>();
  reg.add(s1, "7", kept);
  auto ticket = reg.add(s1, "7", removed);
  {
    auto gone = std::make_shared<conn>();
    reg.add(s1, "7", gone);
  } // destroyed without remove(): its weak pointer expired
  reg.remove(*session_key::parse(s1), ticket);
  reg.remove(*session_key::parse(s1), 999999); // unknown ticket: ignored
  reg.remove(*session_key::parse(s2), ticket); // unknown session: ignored
  CAF_CHECK_EQUAL(reg.end_session(s1), 1u);
  CAF_CHECK_EQUAL(kept->ended, 1);
  CAF_CHECK_EQUAL(removed->ended, 0);
}

CAF_TEST(session_ids_are_kept_as_32_bytes_and_listed_as_lowercase_hex) {
  const std::string id = "00ff10a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2";
  auto key = session_key::parse(id);
  CAF_REQUIRE(key.has_value());
  CAF_CHECK_EQUAL(static_cast<int>(key->bytes[0]), 0x00);
  CAF_CHECK_EQUAL(static_cast<int>(key->bytes[1]), 0xff);
  CAF_CHECK_EQUAL(key->hex(), id);
  CAF_CHECK(!session_key::parse(id.substr(1)).has_value());        // 63 characters
  CAF_CHECK(!session_key::parse(id.substr(1) + "g").has_value());  // not hex
  session_registry reg;
  auto a = std::make_shared<conn>();
  reg.add(id, "7", a);
  CAF_CHECK_EQUAL(reg.end_session("not a session id"), 0u); // a malformed envelope ends nothing
  CAF_CHECK_EQUAL(reg.end_session(std::string(64, 'z')), 0u);
  CAF_CHECK_EQUAL(a->ended, 0);
  auto live = reg.sessions();
  CAF_REQUIRE_EQUAL(live.size(), 1u);
  CAF_CHECK_EQUAL(live[0].id, id);
  CAF_CHECK_EQUAL(reg.end_session(id), 1u);
}

CAF_TEST(tickets_unregister_when_destroyed_and_sessions_lists_distinct_sessions) {
  session_registry reg;
  auto a = std::make_shared<conn>(), b = std::make_shared<conn>(), c = std::make_shared<conn>();
  {
    session_ticket ta{reg, s1, "7", a};
    session_ticket tb{reg, s1, "7", b};
    session_ticket tc{reg, s2, "9", c};
    CAF_CHECK_EQUAL(reg.size(), 3u);
    auto live = reg.sessions();
    CAF_REQUIRE_EQUAL(live.size(), 2u);
    std::sort(live.begin(), live.end(), [](auto& x, auto& y) { return x.id < y.id; });
    CAF_CHECK_EQUAL(live[0].id, s1);
    CAF_CHECK_EQUAL(live[0].user_id, "7");
    CAF_CHECK_EQUAL(live[1].id, s2);
    CAF_CHECK_EQUAL(live[1].user_id, "9");
    session_ticket moved = std::move(tb); // a move keeps one registration
    CAF_CHECK_EQUAL(reg.size(), 3u);
  }
  CAF_CHECK_EQUAL(reg.size(), 0u);
  CAF_CHECK(reg.sessions().empty());
}

CAF_TEST(the_expiry_check_ends_sessions_whose_key_is_gone_or_names_another_user) {
  std::vector<live_session> live{{s1, "7"}, {s2, "7"}, {s3, "8"}};
  auto gone = ended_sessions(live, {"7", "", "9"});
  CAF_CHECK(gone == (std::vector<std::string>{s2, s3}));
  CAF_CHECK(ended_sessions(live, {"7", "7", "8"}).empty());
  // An answer that does not match the question ends nothing (never end on doubt).
  CAF_CHECK(ended_sessions(live, {"", ""}).empty());
  CAF_CHECK(ended_sessions(live, {}).empty());
}

// A session keeps its first connection inline and the others in a spill list: whatever the number
// of connections (1 to 3) and the order of their removal, exactly the ones not removed stay
// registered and are told at the session's end; a removal of the same ticket again, or of one
// already gone, changes nothing; the session is listed until its last connection goes.
CAF_TEST(any_removal_order_of_a_sessions_connections_keeps_exactly_the_others) {
  for (std::size_t n = 1; n <= 3; ++n) {
    std::vector<std::size_t> order(n);
    for (std::size_t i = 0; i < n; ++i)
      order[i] = i;
    do {
      for (std::size_t k = 0; k <= n; ++k) { // the first k of `order` are removed
        session_registry reg;
        std::vector<std::shared_ptr<conn>> conns;
        std::vector<std::uint64_t> tickets;
        for (std::size_t i = 0; i < n; ++i) {
          conns.push_back(std::make_shared<conn>());
          tickets.push_back(reg.add(s1, "7", conns.back()));
        }
        auto bystander = std::make_shared<conn>();
        reg.add(s2, "7", bystander);
        const auto key = *session_key::parse(s1);
        for (std::size_t j = 0; j < k; ++j) {
          reg.remove(key, tickets[order[j]]);
          reg.remove(key, tickets[order[j]]); // again: ignored
          CAF_CHECK_EQUAL(reg.size(), n - j - 1 + 1); // (+ the bystander)
        }
        CAF_CHECK_EQUAL(reg.sessions().size(), k < n ? 2u : 1u);
        CAF_CHECK_EQUAL(reg.end_session(s1), n - k);
        for (std::size_t j = 0; j < n; ++j) {
          const bool removed = std::find(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k), j) !=
                               order.begin() + static_cast<std::ptrdiff_t>(k);
          CAF_CHECK_EQUAL(conns[j]->ended, removed ? 0 : 1);
        }
        CAF_CHECK_EQUAL(bystander->ended, 0);
      }
    } while (std::next_permutation(order.begin(), order.end()));
  }
}

// The inline place is reused: after the first connection goes, a later one registers beside the
// remaining one, and both are told; the registry's copy of the id (a ticket's key) stays valid while
// any connection of the session is registered.
CAF_TEST(a_sessions_inline_place_is_reused_after_its_connection_goes) {
  session_registry reg;
  auto a = std::make_shared<conn>(), b = std::make_shared<conn>(), c = std::make_shared<conn>();
  const session_key* key_a = nullptr;
  const session_key* key_b = nullptr;
  auto ta = reg.add(s1, "7", a, &key_a);
  reg.add(s1, "7", b, &key_b);
  CAF_CHECK_EQUAL(key_a, key_b);
  reg.remove(*key_a, ta);
  CAF_CHECK_EQUAL(key_b->hex(), s1);
  auto tc = reg.add(s1, "7", c);
  CAF_CHECK_EQUAL(reg.size(), 2u);
  CAF_CHECK_EQUAL(reg.end_session(s1), 2u);
  CAF_CHECK_EQUAL(a->ended, 0);
  CAF_CHECK_EQUAL(b->ended, 1);
  CAF_CHECK_EQUAL(c->ended, 1);
  reg.remove(*key_b, tc);
  CAF_CHECK_EQUAL(reg.size(), 1u);
}
