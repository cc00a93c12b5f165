#define CAF_SUITE net_ws_frames

#include "caf/test/unit_test.hpp"

#include "common/error.hpp"
#include "net/ws_frames.hpp"

using namespace chat::net;

namespace {

constexpr std::size_t max_resume_rooms = 1000;

std::string code(const frame_error& e) {
  return std::string{chat::info(e.error).code};
}

client_frame ok(std::string_view text) {
  auto r = parse_client_frame(text, max_resume_rooms);
  if (auto* err = std::get_if<frame_error>(&r))
    CAF_FAIL("unexpected error " << code(*err) << ": " << err->message);
  return std::get<client_frame>(r);
}

/// The room command a frame decodes to.
template <class Command>
Command command(std::string_view text) {
  auto f = ok(text);
  CAF_REQUIRE(f.type == client_frame::kind::command);
  auto* c = std::get_if<Command>(&f.command);
  CAF_REQUIRE(c != nullptr);
  return *c;
}

frame_error bad(std::string_view text) {
  auto r = parse_client_frame(text, max_resume_rooms);
  if (std::holds_alternative<client_frame>(r))
    CAF_FAIL("frame was accepted: " << std::string{text});
  return std::get<frame_error>(r);
}

} // namespace

CAF_TEST(message_frame) {
  auto f = command<chat::actors::send_command>(
    R"({"type":"message","roomId":"1:2","message":"héllo 👋 </script>","clientId":"c-1"})");
  CAF_CHECK_EQUAL(f.room_id, "1:2");
  CAF_CHECK_EQUAL(f.text, "héllo 👋 </script>");
  CAF_CHECK_EQUAL(f.client_id, "c-1");
}

CAF_TEST(thread_reply_frame) {
  auto f = command<chat::actors::send_command>(R"({"type":"message","roomId":"3","message":"r","parentId":1764103286000})");
  CAF_CHECK_EQUAL(f.parent_id, 1764103286000);
  CAF_CHECK_EQUAL(command<chat::actors::send_command>(R"({"type":"message","roomId":"3","message":"r"})").parent_id, 0);
  CAF_CHECK_EQUAL(command<chat::actors::send_command>(R"({"type":"message","roomId":"3","message":"r","parentId":null})").parent_id, 0);
  for (auto text : {R"({"type":"message","roomId":"3","message":"r","parentId":"5"})",
                    R"({"type":"message","roomId":"3","message":"r","parentId":0})",
                    R"({"type":"message","roomId":"3","message":"r","parentId":1.5})"})
    CAF_CHECK_EQUAL(code(bad(text)), "bad_request");
}

CAF_TEST(message_errors_carry_the_client_id) {
  auto e = bad(R"({"type":"message","roomId":"0","clientId":"c-9"})");
  CAF_CHECK_EQUAL(code(e), "bad_request");
  CAF_CHECK_EQUAL(e.client_id, "c-9");
  e = bad(R"({"type":"message","roomId":"0","message":42,"clientId":"c-2"})");
  CAF_CHECK_EQUAL(code(e), "bad_request");
  CAF_CHECK_EQUAL(e.client_id, "c-2");
  e = bad(R"({"type":"message","roomId":"../x","message":"hi","clientId":"c-3"})");
  CAF_CHECK_EQUAL(code(e), "bad_request");
  CAF_CHECK_EQUAL(e.client_id, "c-3");
  CAF_CHECK_EQUAL(code(bad(R"({"type":"message","roomId":"0","message":"hi","clientId":7})")), "bad_request");
}

CAF_TEST(text_rules_are_not_the_decoders) {
  // Blank or broken text decodes: chat_service applies the one rule set for every transport
  // (tests/unit/actors_commands_test.cpp).
  using chat::actors::send_command;
  CAF_CHECK_EQUAL(command<send_command>(R"({"type":"message","roomId":"0","message":"   "})").text, "   ");
  CAF_CHECK_EQUAL(command<send_command>("{\"type\":\"message\",\"roomId\":\"0\",\"message\":\"\xff\"}").text,
                  "\xff");
}

CAF_TEST(edit_and_delete_frames) {
  auto f = command<chat::actors::edit_command>(
    R"({"type":"message.edit","roomId":"0","id":1764103286123,"message":"fixed","clientId":"e1"})");
  CAF_CHECK_EQUAL(f.id, 1764103286123);
  CAF_CHECK_EQUAL(f.text, "fixed");
  CAF_CHECK_EQUAL(f.client_id, "e1");
  auto d = command<chat::actors::delete_command>(R"({"type":"message.delete","roomId":"1:2","id":5})");
  CAF_CHECK_EQUAL(d.room_id, "1:2");
  CAF_CHECK_EQUAL(d.id, 5);
  auto e = bad(R"({"type":"message.edit","roomId":"0","message":"x","clientId":"e2"})");
  CAF_CHECK_EQUAL(code(e), "bad_request");
  CAF_CHECK_EQUAL(e.client_id, "e2");
  CAF_CHECK_EQUAL(code(bad(R"({"type":"message.edit","roomId":"0","id":"5","message":"x"})")), "bad_request");
  CAF_CHECK_EQUAL(code(bad(R"({"type":"message.edit","roomId":"0","id":5})")), "bad_request");
  CAF_CHECK_EQUAL(code(bad(R"({"type":"message.delete","roomId":"0","id":0})")), "bad_request");
  CAF_CHECK_EQUAL(code(bad(R"({"type":"message.delete","roomId":"0","id":-3})")), "bad_request");
  CAF_CHECK_EQUAL(code(bad(R"({"type":"message.delete","id":3})")), "bad_request");
}

CAF_TEST(stop_frame) {
  auto s = command<chat::actors::stop_command>(R"({"type":"message.stop","roomId":"3:9","id":1764103286123,"clientId":"s1"})");
  CAF_CHECK_EQUAL(s.room_id, "3:9");
  CAF_CHECK_EQUAL(s.id, 1764103286123);
  CAF_CHECK_EQUAL(s.client_id, "s1");
  auto e = bad(R"({"type":"message.stop","roomId":"0","clientId":"s2"})");
  CAF_CHECK_EQUAL(code(e), "bad_request");
  CAF_CHECK_EQUAL(e.client_id, "s2");
  CAF_CHECK_EQUAL(code(bad(R"({"type":"message.stop","id":3})")), "bad_request");
}

CAF_TEST(reaction_frame) {
  auto r = command<chat::actors::reaction_command>(
    R"({"type":"reaction","roomId":"0","id":1764103286123,"emoji":"👍","on":false,"clientId":"r1"})");
  CAF_CHECK_EQUAL(r.room_id, "0");
  CAF_CHECK_EQUAL(r.id, 1764103286123);
  CAF_CHECK_EQUAL(r.emoji, "👍");
  CAF_CHECK_EQUAL(r.on, false);
  CAF_CHECK_EQUAL(r.client_id, "r1");
  CAF_CHECK_EQUAL(command<chat::actors::reaction_command>(R"({"type":"reaction","roomId":"0","id":5,"emoji":"x","on":true})").on, true);
  // the emoji rule is chat_service's; the decoder checks types only
  auto e = bad(R"({"type":"reaction","roomId":"0","id":5,"emoji":5,"on":true,"clientId":"r2"})");
  CAF_CHECK_EQUAL(code(e), "bad_request");
  CAF_CHECK_EQUAL(e.client_id, "r2");
  CAF_CHECK_EQUAL(code(bad(R"({"type":"reaction","roomId":"0","id":5,"emoji":"x"})")), "bad_request");
  CAF_CHECK_EQUAL(code(bad(R"({"type":"reaction","roomId":"0","id":5,"emoji":"x","on":"yes"})")), "bad_request");
  CAF_CHECK_EQUAL(code(bad(R"({"type":"reaction","roomId":"0","id":"5","emoji":"x","on":true})")), "bad_request");
  CAF_CHECK_EQUAL(code(bad(R"({"type":"reaction","roomId":"0","id":5,"on":true})")), "bad_request");
}

CAF_TEST(typing_join_ping) {
  auto f = ok(R"({"type":"typing","roomId":"0","typing":true})");
  CAF_CHECK(f.type == client_frame::kind::typing);
  CAF_CHECK(f.typing);
  CAF_CHECK_EQUAL(code(bad(R"({"type":"typing","roomId":"0","typing":"yes"})")), "bad_request");
  f = ok(R"({"type":"room.join","roomId":"17"})");
  CAF_CHECK(f.type == client_frame::kind::room_join);
  CAF_CHECK_EQUAL(f.room_id, "17");
  CAF_CHECK(ok(R"({"type":"ping"})").type == client_frame::kind::ping);
}

CAF_TEST(resume_frame) {
  auto f = ok(R"({"type":"resume","rooms":{"0":1764103286123,"1:2":0}})");
  CAF_CHECK(f.type == client_frame::kind::resume);
  CAF_REQUIRE_EQUAL(f.resume.size(), 2u);
  CAF_CHECK_EQUAL(f.resume[0].first, "0");
  CAF_CHECK_EQUAL(f.resume[0].second, 1764103286123);
  CAF_CHECK_EQUAL(code(bad(R"({"type":"resume","rooms":{"0":-1}})")), "bad_request");
  CAF_CHECK_EQUAL(code(bad(R"({"type":"resume","rooms":{"0":"5"}})")), "bad_request");
  CAF_CHECK_EQUAL(code(bad(R"({"type":"resume","rooms":[1]})")), "bad_request");
  CAF_CHECK_EQUAL(parse_client_frame(R"({"type":"resume","rooms":{"0":1,"1":2}})", 1).index(), 1u);
}

CAF_TEST(malformed_and_unknown) {
  CAF_CHECK_EQUAL(code(bad("not json")), "bad_json");
  CAF_CHECK_EQUAL(code(bad("[1,2]")), "bad_json");
  CAF_CHECK_EQUAL(code(bad(R"({"roomId":"0"})")), "bad_request");
  auto e = bad(R"({"type":"dance","clientId":"c-3"})");
  CAF_CHECK_EQUAL(code(e), "unknown_type");
  CAF_CHECK_EQUAL(e.client_id, "c-3");
}

CAF_TEST(presence_watch_frame) {
  auto f = ok(R"({"type":"presence.watch","users":["5","12","5"],"clientId":"p"})");
  CAF_CHECK(f.type == client_frame::kind::presence_watch);
  CAF_CHECK_EQUAL(f.users, (std::vector<std::string>{"5", "12", "5"})); // deduplicated by presence
  CAF_CHECK_EQUAL(f.client_id, "p");
  CAF_CHECK(ok(R"({"type":"presence.watch","users":[]})").users.empty()); // nobody
  auto e = bad(R"({"type":"presence.watch"})");
  CAF_CHECK_EQUAL(code(e), "bad_request");
  CAF_CHECK_EQUAL(e.message, "users must be an array of user ids");
  e = bad(R"({"type":"presence.watch","users":"5","clientId":"p"})");
  CAF_CHECK_EQUAL(code(e), "bad_request");
  CAF_CHECK_EQUAL(e.client_id, "p");
  for (auto text : {R"({"type":"presence.watch","users":[5]})", R"({"type":"presence.watch","users":["x"]})",
                    R"({"type":"presence.watch","users":[""]})", R"({"type":"presence.watch","users":[null]})"}) {
    e = bad(text);
    CAF_CHECK_EQUAL(code(e), "bad_request");
    CAF_CHECK_EQUAL(e.message, "users must hold user id strings");
  }
  std::string many = R"({"type":"presence.watch","users":[)";
  for (int i = 1; i <= 501; ++i)
    many += (i > 1 ? ",\"" : "\"") + std::to_string(i) + "\"";
  many += "]}";
  e = bad(many);
  CAF_CHECK_EQUAL(code(e), "too_long");
  CAF_CHECK_EQUAL(e.message, "presence.watch names at most 500 users");
  CAF_CHECK(std::holds_alternative<client_frame>(parse_client_frame(many, max_resume_rooms, 501)));
}

CAF_TEST(message_frame_with_attachments_and_location) {
  auto c = command<chat::actors::send_command>(
    R"({"type":"message","roomId":"0","message":"","attachments":["a","b"],)"
    R"("location":{"lat":1.5,"lon":-2,"accuracy":3,"label":"here"}})");
  CAF_CHECK_EQUAL(c.attachments.size(), 2u);
  CAF_CHECK_EQUAL(c.attachments[1], "b");
  CAF_REQUIRE(c.location.has_value());
  CAF_CHECK_EQUAL(c.location->lat, 1.5);
  CAF_CHECK_EQUAL(c.location->lon, -2.0);
  CAF_CHECK_EQUAL(*c.location->accuracy, 3.0);
  CAF_CHECK_EQUAL(*c.location->label, "here");
  auto plain = command<chat::actors::send_command>(R"({"type":"message","roomId":"0","message":"hi","location":null})");
  CAF_CHECK(plain.attachments.empty());
  CAF_CHECK(!plain.location.has_value());
}

CAF_TEST(message_frame_media_of_other_shapes_are_refused) {
  auto e = bad(R"({"type":"message","roomId":"0","message":"","attachments":"a","clientId":"k"})");
  CAF_CHECK_EQUAL(code(e), "bad_request");
  CAF_CHECK_EQUAL(e.message, "attachments must be an array of file ids");
  CAF_CHECK_EQUAL(e.client_id, "k");
  CAF_CHECK_EQUAL(bad(R"({"type":"message","roomId":"0","message":"","attachments":[1]})").message,
                  "attachments must be an array of file ids");
  CAF_CHECK_EQUAL(bad(R"({"type":"message","roomId":"0","message":"","location":[1,2]})").message,
                  "location must be an object {lat, lon, accuracy?, label?}");
  CAF_CHECK_EQUAL(bad(R"({"type":"message","roomId":"0","message":"","location":{"lat":"1","lon":2}})").message,
                  "location.lat must be a number");
  CAF_CHECK_EQUAL(bad(R"({"type":"message","roomId":"0","message":"","location":{"lat":1}})").message,
                  "location.lon must be a number");
  CAF_CHECK_EQUAL(bad(R"({"type":"message","roomId":"0","message":"","location":{"lat":1,"lon":2,"accuracy":"x"}})")
                    .message,
                  "location.accuracy must be a number");
  CAF_CHECK_EQUAL(bad(R"({"type":"message","roomId":"0","message":"","location":{"lat":1,"lon":2,"label":5}})").message,
                  "location.label must be a string");
}
