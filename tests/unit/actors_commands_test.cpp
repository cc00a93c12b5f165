#define CAF_SUITE actors_commands

#include "caf/test/unit_test.hpp"

#include <chrono>
#include <string>

#include "actors/chat_service.hpp"
#include "actors/command_rules.hpp"
#include "actors/frame.hpp"
#include "actors/send_rate_limiter.hpp"
#include "common/error.hpp"
#include "storage/chat_store.hpp"

using namespace chat;
using namespace chat::actors;

namespace {

command_limits limits;

std::string code_of(std::error_code ec) {
  return std::string{info(ec).code};
}

} // namespace

CAF_TEST(the_text_rule_counts_code_points) {
  std::string why;
  std::string text;
  for (int i = 0; i < 4000; ++i)
    text += "é"; // 2 bytes, 1 character
  CAF_CHECK(!check_text(text, limits, why));
  auto ec = check_text(text + "e", limits, why);
  CAF_CHECK_EQUAL(code_of(ec), "too_long");
  CAF_CHECK_EQUAL(why, "message is longer than 4000 characters");
  CAF_CHECK(!check_text("héllo 👋 </script>", limits, why));
}

CAF_TEST(the_text_rule_refuses_blank_and_broken_utf8) {
  std::string why;
  CAF_CHECK_EQUAL(code_of(check_text("", limits, why)), "bad_request");
  CAF_CHECK_EQUAL(code_of(check_text("  \t\n", limits, why)), "bad_request");
  CAF_CHECK_EQUAL(code_of(check_text("\xe2\x80\x8b", limits, why)), "bad_request"); // zero-width space
  CAF_CHECK_EQUAL(code_of(check_text("\xff\xfe", limits, why)), "bad_request");
  CAF_CHECK_EQUAL(why, "message is not valid UTF-8");
  CAF_CHECK_EQUAL(code_of(check_text("\xed\xa0\x80", limits, why)), "bad_request"); // lone surrogate
}

CAF_TEST(client_ids_are_counted_in_code_points_on_every_transport) {
  std::string why;
  std::string id(64, 'x');
  CAF_CHECK(!check_client_id(id, limits, why));
  CAF_CHECK_EQUAL(code_of(check_client_id(id + "x", limits, why)), "bad_request");
  std::string wide;
  for (int i = 0; i < 64; ++i)
    wide += "é"; // 128 bytes, 64 characters: allowed (bytes were counted on WebSocket before)
  CAF_CHECK(!check_client_id(wide, limits, why));
  CAF_CHECK(!check_client_id("", limits, why));
  CAF_CHECK_EQUAL(code_of(check_client_id("\xc0\xaf", limits, why)), "bad_request");
}

CAF_TEST(room_ids_of_a_wrong_shape_are_unknown_rooms) {
  std::string why;
  CAF_CHECK(!check_room_id("1:2", why));
  CAF_CHECK_EQUAL(code_of(check_room_id("../x", why)), "not_found");
  CAF_CHECK_EQUAL(code_of(check_room_id("", why)), "not_found");
}

CAF_TEST(one_table_for_every_error) {
  CAF_CHECK_EQUAL(info(error::forbidden).http_status, 403u);
  CAF_CHECK_EQUAL(info(error::too_long).http_status, 400u);
  CAF_CHECK_EQUAL(info(error::overloaded).http_status, 503u);
  CAF_CHECK_EQUAL(info(error::rate_limited).code, "rate_limited");
  std::error_code ec = error::not_found;
  CAF_CHECK_EQUAL(ec.category().name(), std::string{"chat"});
  CAF_CHECK_EQUAL(ec.message(), "not found");
  CAF_CHECK(to_error(ec) == error::not_found);
  CAF_CHECK(to_error(std::make_error_code(std::errc::io_error)) == error::internal);
  CAF_CHECK(to_error(std::error_code{}) == error::ok);
}

CAF_TEST(store_outcomes_map_onto_the_table) {
  CAF_CHECK(!from_store(storage::errc::ok));
  CAF_CHECK_EQUAL(code_of(from_store(storage::errc::invalid)), "bad_request");
  CAF_CHECK_EQUAL(code_of(from_store(storage::errc::unavailable)), "unavailable");
  CAF_CHECK_EQUAL(code_of(from_store(storage::errc::overloaded)), "overloaded");
  CAF_CHECK_EQUAL(code_of(from_store(storage::errc::forbidden)), "forbidden");
  CAF_CHECK_EQUAL(code_of(from_store(storage::errc::not_found)), "not_found");
  CAF_CHECK_EQUAL(code_of(from_store(storage::errc::conflict)), "conflict");
  CAF_CHECK_EQUAL(code_of(from_store(storage::errc::internal)), "internal");
}

CAF_TEST(token_bucket_allows_a_burst_then_refills) {
  send_rate_limiter limiter{5, std::chrono::seconds{10}};
  auto t0 = send_rate_limiter::clock::now();
  for (int i = 0; i < 5; ++i)
    CAF_CHECK(limiter.allow("u1", t0));
  CAF_CHECK(!limiter.allow("u1", t0));
  CAF_CHECK(limiter.allow("u2", t0)); // per user
  CAF_CHECK(!limiter.allow("u1", t0 + std::chrono::milliseconds{1000}));
  CAF_CHECK(limiter.allow("u1", t0 + std::chrono::milliseconds{2100})); // 1 token per 2 s
  CAF_CHECK_EQUAL(limiter.retry_after_seconds(), 2u);
}

CAF_TEST(user_actions_round_trip_and_older_envelopes_keep_their_meaning) {
  for (auto a : {user_action::deliver, user_action::follow, user_action::unfollow, user_action::disconnect})
    CAF_CHECK(parse_user_action(to_string(a), "any") == a);
  // Envelopes of nodes that sent no action: what their type meant.
  CAF_CHECK(parse_user_action("", "room.left") == user_action::unfollow);
  CAF_CHECK(parse_user_action("", "user.kick") == user_action::disconnect);
  CAF_CHECK(parse_user_action("", "show.room") == user_action::follow);
  CAF_CHECK(parse_user_action("", "room.joined") == user_action::follow);
  CAF_CHECK(parse_user_action("", "something.new") == user_action::deliver);
  CAF_CHECK(parse_user_action("unfollow", "room.joined") == user_action::unfollow); // the action wins
}

CAF_TEST(typing_is_a_lease_signal) {
  auto on = typing_signal("7", "3", true, limits);
  CAF_CHECK_EQUAL(on.kind, "typing");
  CAF_CHECK_EQUAL(on.data, R"({"roomId":"7","userId":"3","typing":true})");
  CAF_CHECK_EQUAL(on.end_data, R"({"roomId":"7","userId":"3","typing":false})");
  CAF_CHECK(!on.end);
  CAF_CHECK(on.ttl == limits.typing_ttl);
  auto off = typing_signal("7", "3", false, limits);
  CAF_CHECK(off.end);
}
