#define CAF_SUITE net_socketio_codec

#include "caf/test/unit_test.hpp"

#include "net/engineio_codec.hpp"
#include "net/socketio_codec.hpp"
#include "net/socketio_dialect.hpp"

using namespace chat::net;
using namespace std::chrono_literals;

namespace {

sio::packet ok(std::string_view text) {
  auto r = sio::parse_packet(text);
  if (auto* err = std::get_if<sio::packet_error>(&r))
    CAF_FAIL("unexpected error for " << std::string{text} << ": " << err->message);
  return std::get<sio::packet>(r);
}

bool refused(std::string_view text) {
  auto r = sio::parse_packet(text);
  if (auto* err = std::get_if<sio::packet_error>(&r))
    return !err->message.empty();
  return false;
}

std::string chat_frame(std::string_view text) {
  auto f = sio::to_chat_frame(ok(text));
  CAF_REQUIRE(f.has_value());
  return *f;
}

} // namespace

CAF_TEST(engineio packets decode by their type digit) {
  auto p = eio::parse_packet("4hello");
  CAF_REQUIRE(p.has_value());
  CAF_CHECK(p->type == eio::packet_type::message);
  CAF_CHECK_EQUAL(p->data, "hello");
  p = eio::parse_packet("2probe");
  CAF_REQUIRE(p.has_value());
  CAF_CHECK(p->type == eio::packet_type::ping);
  CAF_CHECK_EQUAL(p->data, "probe");
  CAF_CHECK(eio::parse_packet("3")->type == eio::packet_type::pong);
  CAF_CHECK(eio::parse_packet("6")->type == eio::packet_type::noop);
  eio::packet_error e{};
  CAF_CHECK(!eio::parse_packet("", &e));
  CAF_CHECK(e == eio::packet_error::empty);
  CAF_CHECK(!eio::parse_packet("7", &e));
  CAF_CHECK(e == eio::packet_error::unknown_type);
  CAF_CHECK(!eio::parse_packet("x", &e));
  CAF_CHECK(!eio::parse_packet("bAQID", &e));
  CAF_CHECK(e == eio::packet_error::binary);
}

CAF_TEST(engineio open packet and payloads) {
  CAF_CHECK_EQUAL(eio::open_packet("abc", false, 25000ms, 20000ms, 1000000),
                  R"(0{"sid":"abc","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000})");
  CAF_CHECK_EQUAL(eio::open_packet("s", true, 10ms, 20ms, 5),
                  R"(0{"sid":"s","upgrades":["websocket"],"pingInterval":10,"pingTimeout":20,"maxPayload":5})");
  CAF_CHECK_EQUAL(eio::encode_packet(eio::packet_type::pong, "probe"), "3probe");
  auto parts = eio::split_payload("40\x1e" "42[\"a\"]\x1e" "3");
  CAF_REQUIRE_EQUAL(parts.size(), 3u);
  CAF_CHECK_EQUAL(parts[0], "40");
  CAF_CHECK_EQUAL(parts[1], "42[\"a\"]");
  CAF_CHECK_EQUAL(parts[2], "3");
  CAF_CHECK(eio::split_payload("").empty());
  CAF_CHECK_EQUAL(eio::split_payload("a\x1e\x1e", 2).size(), 2u);
  CAF_CHECK_EQUAL(eio::join_payload({"2", "40", ""}), std::string{"2\x1e" "40\x1e"});
  CAF_CHECK_EQUAL(eio::join_payload({}), "");
}

CAF_TEST(socketio connect and disconnect) {
  auto p = ok("0");
  CAF_CHECK(p.type == sio::packet_type::connect);
  CAF_CHECK_EQUAL(p.nsp, "/");
  CAF_CHECK(p.data.empty());
  p = ok(R"(0{"token":"x"})");
  CAF_CHECK_EQUAL(p.data, R"({"token":"x"})");
  p = ok("0/admin,");
  CAF_CHECK_EQUAL(p.nsp, "/admin");
  p = ok("0/admin");
  CAF_CHECK_EQUAL(p.nsp, "/admin");
  CAF_CHECK(ok("1").type == sio::packet_type::disconnect);
  CAF_CHECK(refused("1{}"));
  CAF_CHECK(refused("0[]"));
  CAF_CHECK(refused("0{"));
  CAF_CHECK(refused("012"));
}

CAF_TEST(socketio events and acks) {
  auto p = ok(R"(2["message",{"roomId":"0","message":"hi"}])");
  CAF_CHECK(p.type == sio::packet_type::event);
  CAF_CHECK_EQUAL(p.event, "message");
  CAF_REQUIRE_EQUAL(p.args.size(), 1u);
  CAF_CHECK_EQUAL(p.args[0], R"({"roomId":"0","message":"hi"})");
  CAF_CHECK_EQUAL(p.ack_id, -1);
  p = ok(R"(212["room.join", "0"])");
  CAF_CHECK_EQUAL(p.ack_id, 12);
  CAF_CHECK_EQUAL(p.args[0], R"("0")");
  p = ok(R"(2/chat,3["x"])");
  CAF_CHECK_EQUAL(p.nsp, "/chat");
  CAF_CHECK_EQUAL(p.ack_id, 3);
  CAF_CHECK(p.args.empty());
  p = ok(R"(37[1,"a"])");
  CAF_CHECK(p.type == sio::packet_type::ack);
  CAF_CHECK_EQUAL(p.ack_id, 7);
  CAF_CHECK_EQUAL(p.args.size(), 2u);
  CAF_CHECK(refused("2"));
  CAF_CHECK(refused("2["));
  CAF_CHECK(refused("2[]"));
  CAF_CHECK(refused("2{}"));
  CAF_CHECK(refused(R"(2[null])"));
  CAF_CHECK(refused(R"(2["connect"])"));
  CAF_CHECK(refused(R"(2["a"] x)"));
  CAF_CHECK(refused("garbage"));
  CAF_CHECK(refused(""));
  CAF_CHECK(refused("3[]")); // an ACK needs its id
  CAF_CHECK(refused(R"(51-["a",{"_placeholder":true,"num":0}])"));
  CAF_CHECK(refused("61-[]"));
  CAF_CHECK(refused("29999999999999999[\"a\"]"));
  CAF_CHECK(refused(R"(2["a",1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17])"));
}

CAF_TEST(socketio encoders) {
  CAF_CHECK_EQUAL(sio::encode_connect("abc"), R"(0{"sid":"abc"})");
  CAF_CHECK_EQUAL(sio::encode_connect_error("unauthorized"), R"(4{"message":"unauthorized"})");
  CAF_CHECK_EQUAL(sio::encode_connect_error("Invalid \"ns\"", "/x"), R"(4/x,{"message":"Invalid \"ns\""})");
  CAF_CHECK_EQUAL(sio::encode_event("message", R"({"a":1})"), R"(2["message",{"a":1}])");
  CAF_CHECK_EQUAL(sio::encode_ack(4, {"1", "\"x\""}), R"(34[1,"x"])");
}

CAF_TEST(event frames split around their data) {
  std::string_view type, data;
  CAF_REQUIRE(sio::split_event_frame(R"({"type":"message","data":{"id":1}})", type, data));
  CAF_CHECK_EQUAL(type, "message");
  CAF_CHECK_EQUAL(data, R"({"id":1})");
  CAF_REQUIRE(sio::split_event_frame(R"({"type":"a\"b","data":[]})", type, data));
  CAF_CHECK_EQUAL(type, R"(a\"b)");
  CAF_CHECK_EQUAL(data, "[]");
  CAF_CHECK(!sio::split_event_frame(R"({"data":{},"type":"x"})", type, data));
  CAF_CHECK(!sio::split_event_frame(R"({"type":"x","data":})", type, data));
  CAF_CHECK(!sio::split_event_frame(R"({"type":"x"})", type, data));
  CAF_CHECK(!sio::split_event_frame("", type, data));
  CAF_CHECK(!sio::split_event_frame(R"({"type":"x)", type, data));
}

CAF_TEST(tutorial events map onto chat frames) {
  CAF_CHECK_EQUAL(chat_frame(R"(2["message",{"roomId":"0","message":"hi","from":"1","date":5}])"),
                  R"({"type":"message","roomId":"0","message":"hi"})");
  CAF_CHECK_EQUAL(chat_frame(R"(2["message",{"message":"hi","clientId":"c","roomId":"1:2"}])"),
                  R"({"type":"message","roomId":"1:2","message":"hi","clientId":"c"})");
  CAF_CHECK_EQUAL(chat_frame(R"(2["message","text"])"), R"({"type":"message"})");
  CAF_CHECK_EQUAL(chat_frame(R"(2["message"])"), R"({"type":"message"})");
  CAF_CHECK_EQUAL(chat_frame(R"(2["room.join","0"])"), R"({"type":"room.join","roomId":"0"})");
  CAF_CHECK_EQUAL(chat_frame(R"(2["room.join",{"x":1}])"), R"({"type":"room.join","roomId":{"x":1}})");
  CAF_CHECK(!sio::to_chat_frame(ok(R"(2["typing",{}])")));
  CAF_CHECK(!sio::to_chat_frame(ok("0")));
}

CAF_TEST(client packets become the same steps on every transport) {
  using k = sio::client_step::kind;
  auto sid = [] { return std::string{"S1"}; };
  auto step = [&](std::string_view text, bool connected, bool ended = false) {
    return sio::interpret_client_packet(text, connected, ended, sid);
  };
  auto connect = step("0", false);
  CAF_CHECK(connect.what == k::connect);
  CAF_CHECK_EQUAL(connect.text, "40{\"sid\":\"S1\"}");
  CAF_CHECK(connect.error == nullptr);
  CAF_CHECK(step("0", true).what == k::ignore); // connected already: nothing, nothing counted
  CAF_CHECK(step("0", true).error == nullptr);
  auto refused = step("0", false, true);
  CAF_CHECK(refused.what == k::reply);
  CAF_CHECK_EQUAL(std::string{refused.error}, "sio_unauthorized");
  auto other_nsp = step("0/admin,", false);
  CAF_CHECK(other_nsp.what == k::reply);
  CAF_CHECK(other_nsp.text.rfind("44/admin,", 0) == 0);
  CAF_CHECK_EQUAL(std::string{step("2/admin,[\"x\"]", true).error}, "sio_bad_namespace");
  auto chat = step("2[\"room.join\",\"7\"]", true);
  CAF_CHECK(chat.what == k::chat_frame);
  CAF_CHECK_EQUAL(chat.text, "{\"type\":\"room.join\",\"roomId\":\"7\"}");
  CAF_CHECK_EQUAL(std::string{step("2[\"room.join\",\"7\"]", false).error}, "sio_not_connected");
  CAF_CHECK_EQUAL(std::string{step("2[\"dance\"]", true).error}, "sio_unknown_event");
  CAF_CHECK_EQUAL(std::string{step("31[]", true).error}, "sio_unexpected_packet");
  CAF_CHECK(step("1", true).what == k::disconnect);
  auto bad = step("9", true);
  CAF_CHECK_EQUAL(static_cast<int>(bad.what), static_cast<int>(k::fail));
  CAF_CHECK(!bad.text.empty());
  CAF_CHECK_EQUAL(std::string{bad.error}, "sio_bad_packet");
}
