#define CAF_SUITE cluster_envelope

#include "caf/test/unit_test.hpp"

#include "cluster/envelope.hpp"
#include "common/event_json.hpp"
#include "storage/json_doc.hpp"
#include "storage/message_json.hpp"

using namespace chat::cluster;

CAF_TEST(room_message_envelope_as_the_send_script_writes_it) {
  auto e = parse_envelope(
    R"({"serverId":"node-a","type":"message","ts":1764103286123,"prev":1764103286000,)"
    R"("data":{"id":1764103286123,"roomId":"1:2","from":"3","date":1764103286,"message":"hi \"x\" </b>"}})");
  CAF_REQUIRE(e.has_value());
  CAF_CHECK_EQUAL(e->server_id, "node-a");
  CAF_CHECK_EQUAL(e->type, "message");
  CAF_CHECK_EQUAL(e->ts_ms, 1764103286123);
  CAF_CHECK_EQUAL(e->prev, 1764103286000);
  CAF_CHECK_EQUAL(e->message_id, 1764103286123);
  CAF_CHECK_EQUAL(e->room_id, "1:2");
  CAF_CHECK_EQUAL(e->data, R"({"id":1764103286123,"roomId":"1:2","from":"3","date":1764103286,"message":"hi \"x\" </b>"})");
}

CAF_TEST(tutorial_envelopes_with_numeric_server_ids) {
  auto e = parse_envelope(R"({"serverId":12345.5,"type":"user.connected","data":{"id":"3","username":"Mary","online":true}})");
  CAF_REQUIRE(e.has_value());
  CAF_CHECK_EQUAL(e->server_id, "12345.5");
  CAF_CHECK_EQUAL(e->user_id, "3"); // the user of a presence event (presence.watch routes by it)
  CAF_CHECK_EQUAL(chat::event_json(e->type, e->data),
                  R"({"type":"user.connected","data":{"id":"3","username":"Mary","online":true}})");
  auto numeric = parse_envelope(R"({"serverId":1,"type":"user.disconnected","data":{"id":42,"online":false}})");
  CAF_REQUIRE(numeric.has_value());
  CAF_CHECK_EQUAL(numeric->user_id, "42");
  auto none = parse_envelope(R"({"serverId":1,"type":"user.connected","data":{"online":true}})");
  CAF_REQUIRE(none.has_value());
  CAF_CHECK_EQUAL(none->user_id, "");
}

CAF_TEST(user_event_round_trip) {
  auto text = user_event_envelope("n1", "show.room", "follow", "1:2", {"1", "2"}, R"({"id":"1:2","names":["a","b"]})", 0);
  auto e = parse_envelope(text);
  CAF_REQUIRE(e.has_value());
  CAF_CHECK_EQUAL(e->type, "show.room");
  CAF_CHECK_EQUAL(e->room_id, "1:2");
  CAF_CHECK(e->to == (std::vector<std::string>{"1", "2"}));
  CAF_CHECK_EQUAL(e->after, 0);
  CAF_CHECK_EQUAL(e->action, "follow");
  auto without = parse_envelope(R"({"type":"x","data":{}})");
  CAF_REQUIRE(without.has_value());
  CAF_CHECK_EQUAL(without->after, -1);
  CAF_CHECK_EQUAL(without->action, "");
  CAF_CHECK_EQUAL(e->data, R"({"id":"1:2","names":["a","b"]})");
}

CAF_TEST(garbage_is_refused) {
  CAF_CHECK(!parse_envelope("nope").has_value());
  CAF_CHECK(!parse_envelope("[]").has_value());
  CAF_CHECK(!parse_envelope(R"({"type":"message"})").has_value());
  CAF_CHECK(!parse_envelope(R"({"type":5,"data":{}})").has_value());
}

CAF_TEST(session_end_round_trip) {
  // The end of a session names it by the token's hash; `to` is empty, so a node of an earlier
  // version (which delivers user events to `to` only) ignores it.
  const std::string hash(64, 'a');
  auto e = parse_envelope(session_end_envelope("n1", hash, ""));
  CAF_REQUIRE(e.has_value());
  CAF_CHECK_EQUAL(e->server_id, "n1");
  CAF_CHECK_EQUAL(e->type, "session.ended");
  CAF_CHECK_EQUAL(e->action, "end_session");
  CAF_CHECK_EQUAL(e->session_id, hash);
  CAF_CHECK_EQUAL(e->ended_user_id, "");
  CAF_CHECK(e->to.empty());
  CAF_CHECK_EQUAL(e->data, "{}");
  auto all = parse_envelope(session_end_envelope("n1", "", "42")); // every session of user 42
  CAF_REQUIRE(all.has_value());
  CAF_CHECK_EQUAL(all->session_id, "");
  CAF_CHECK_EQUAL(all->ended_user_id, "42");
  auto other = parse_envelope(user_event_envelope("n1", "room.joined", "follow", "7", {"3"}, "{}", 5));
  CAF_REQUIRE(other.has_value());
  CAF_CHECK_EQUAL(other->session_id, "");
  CAF_CHECK_EQUAL(other->ended_user_id, "");
}

CAF_TEST(own_envelopes_are_known_by_their_first_bytes) {
  // The bridge skips a payload that starts with its prefix without parsing it: every envelope a
  // node writes must start with it, and no other node's may.
  auto prefix = own_envelope_prefix("node-1");
  CAF_CHECK_EQUAL(prefix, R"({"serverId":"node-1",)");
  // The send_message script writes '{"serverId":' .. json_string(server id) .. ',"type":…'.
  CAF_CHECK_EQUAL(prefix, R"({"serverId":)" + chat::storage::json_string("node-1") + ",");
  auto starts = [&](const std::string& text) { return text.compare(0, prefix.size(), prefix) == 0; };
  CAF_CHECK(starts(signal_envelope("node-1", "typing", "3", "{}")));
  CAF_CHECK(starts(user_event_envelope("node-1", "room.joined", "follow", "7", {"3"}, "{}", 5)));
  CAF_CHECK(starts(session_end_envelope("node-1", std::string(64, 'a'), "")));
  CAF_CHECK(!starts(signal_envelope("node-10", "typing", "3", "{}")));
  CAF_CHECK(!starts(signal_envelope("node-", "typing", "3", "{}")));
  CAF_CHECK(!starts(R"({"serverId":"node-1"})")); // not an envelope we wrote: parsed as usual
}

CAF_TEST(room_events_of_any_kind_carry_their_position) {
  auto e = parse_envelope(R"({"serverId":"n1","type":"message.deleted","ts":5,"prev":10,"seq":12,"data":{"id":9,"roomId":"7","seq":12}})");
  CAF_REQUIRE(e.has_value());
  CAF_CHECK_EQUAL(e->seq, 12);
  CAF_CHECK_EQUAL(e->prev, 10);
  CAF_CHECK_EQUAL(chat::event_json(e->type, e->data), R"({"type":"message.deleted","data":{"id":9,"roomId":"7","seq":12}})");
  auto s = parse_envelope(signal_envelope("n1", "typing", "3", R"({"roomId":"7","userId":"3","typing":true})"));
  CAF_REQUIRE(s.has_value());
  CAF_CHECK_EQUAL(s->type, "typing");
  CAF_CHECK_EQUAL(s->except_user, "3");
  CAF_CHECK_EQUAL(s->data, R"({"roomId":"7","userId":"3","typing":true})");
}

CAF_TEST(parsing_nested_and_large_documents) {
  // The parser's thread buffers: a document parsed while another is alive gets its own, and one
  // larger than them spills to the heap; both parse like any other.
  std::string big(40'000, 'x');
  auto text = R"({"serverId":"n2","type":"message","ts":1,"prev":0,"data":{"id":2,"roomId":"7","message":")"
              + big + R"("}})";
  auto e = parse_envelope(text);
  CAF_REQUIRE(e.has_value());
  CAF_CHECK_EQUAL(e->message_id, 2);
  CAF_CHECK(e->data == R"({"id":2,"roomId":"7","message":")" + big + R"("})");
  chat::storage::json_doc outer;
  CAF_REQUIRE(!outer.parse(R"({"a":[1,2,3]})").HasParseError());
  auto inner = parse_envelope(R"({"serverId":"n2","type":"typing","except":"3","data":{"roomId":"7","userId":"3","typing":true}})");
  CAF_REQUIRE(inner.has_value());
  CAF_CHECK_EQUAL(inner->except_user, "3");
  CAF_CHECK_EQUAL(inner->seq, 0); // a signal: no position
  CAF_CHECK_EQUAL((*outer)["a"].Size(), 3u); // the outer document is intact
  std::string nested_data(100, '['); // deeper than the writer's nesting buffer when written back
  nested_data += std::string(100, ']');
  auto with_deep_data = parse_envelope(R"({"serverId":"n2","type":"show.room","data":)" + nested_data + "}");
  CAF_REQUIRE(with_deep_data.has_value());
  CAF_CHECK_EQUAL(with_deep_data->data, nested_data);
  std::string deep(1'000, '['); // deeper than the stack buffer holds
  deep += std::string(1'000, ']');
  chat::storage::json_doc nested;
  CAF_CHECK(!nested.parse(deep).HasParseError());
}

CAF_TEST(tutorial_message_envelope_room_and_date) {
  // As a tutorial server publishes a message (seed-protocol.md §2.2): no ts (chatnodes stamp one).
  auto e = parse_envelope(
    R"({"serverId":123.25,"type":"message","data":{"roomId":"0","message":"hi","from":3,"date":1764103286}})");
  CAF_REQUIRE(e.has_value());
  CAF_CHECK_EQUAL(e->ts_ms, 0);
  CAF_CHECK_EQUAL(e->room_id, "0");
  CAF_CHECK_EQUAL(e->date, 1764103286);
  CAF_CHECK_EQUAL(e->message_id, 0);
  auto fractional = parse_envelope(R"({"serverId":1,"type":"message","data":{"roomId":"1:2","date":1615480400.75}})");
  CAF_REQUIRE(fractional.has_value());
  CAF_CHECK_EQUAL(fractional->date, 1615480400); // floored, as the score
  auto dateless = parse_envelope(R"({"serverId":1,"type":"message","data":{"roomId":"0","date":"soon"}})");
  CAF_REQUIRE(dateless.has_value());
  CAF_CHECK_EQUAL(dateless->date, 0);
}

CAF_TEST(tutorial_show_room_data_flattens_names) {
  CAF_CHECK_EQUAL(tutorial_show_room_data(R"({"id":"1:2","names":[["Pablo"],["Joe"]]})").value_or("?"),
                  R"({"id":"1:2","names":["Pablo","Joe"]})");
  CAF_CHECK_EQUAL(tutorial_show_room_data(R"({"id":"3:10","names":["Mary","Alex"]})").value_or("?"),
                  R"({"id":"3:10","names":["Mary","Alex"]})");
  CAF_CHECK(!tutorial_show_room_data(R"({"id":"0","names":[["General"],["x"]]})"));   // not a DM
  CAF_CHECK(!tutorial_show_room_data(R"({"id":"2:1","names":[["a"],["b"]]})"));       // not canonical
  CAF_CHECK(!tutorial_show_room_data(R"({"id":"1:2","names":[["a"]]})"));             // one name
  CAF_CHECK(!tutorial_show_room_data(R"({"id":"1:2","names":[[null],["b"]]})"));      // HGET of nobody
  CAF_CHECK(!tutorial_show_room_data(R"({"id":"1:2","names":[["a","b"],["c"]]})"));
  CAF_CHECK(!tutorial_show_room_data("[]"));
  CAF_CHECK(!tutorial_show_room_data("not json"));
}
