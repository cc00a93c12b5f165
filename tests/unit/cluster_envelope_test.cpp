#define CAF_SUITE cluster_envelope

#include "caf/test/unit_test.hpp"

#include "cluster/envelope.hpp"

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
  CAF_CHECK_EQUAL(client_frame(e->type, e->data),
                  R"({"type":"user.connected","data":{"id":"3","username":"Mary","online":true}})");
}

CAF_TEST(user_event_round_trip) {
  auto text = user_event_envelope("n1", "show.room", "1:2", {"1", "2"}, R"({"id":"1:2","names":["a","b"]})", 0);
  auto e = parse_envelope(text);
  CAF_REQUIRE(e.has_value());
  CAF_CHECK_EQUAL(e->type, "show.room");
  CAF_CHECK_EQUAL(e->room_id, "1:2");
  CAF_CHECK(e->to == (std::vector<std::string>{"1", "2"}));
  CAF_CHECK_EQUAL(e->after, 0);
  auto without = parse_envelope(R"({"type":"x","data":{}})");
  CAF_REQUIRE(without.has_value());
  CAF_CHECK_EQUAL(without->after, -1);
  CAF_CHECK_EQUAL(e->data, R"({"id":"1:2","names":["a","b"]})");
}

CAF_TEST(garbage_is_refused) {
  CAF_CHECK(!parse_envelope("nope").has_value());
  CAF_CHECK(!parse_envelope("[]").has_value());
  CAF_CHECK(!parse_envelope(R"({"type":"message"})").has_value());
  CAF_CHECK(!parse_envelope(R"({"type":5,"data":{}})").has_value());
}
