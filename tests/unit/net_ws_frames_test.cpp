#define CAF_SUITE net_ws_frames

#include "caf/test/unit_test.hpp"

#include "net/ws_frames.hpp"

using namespace chat::net;

namespace {

frame_limits limits;

client_frame ok(std::string_view text) {
  auto r = parse_client_frame(text, limits);
  if (auto* err = std::get_if<frame_error>(&r))
    CAF_FAIL("unexpected error " << err->code << ": " << err->message);
  return std::get<client_frame>(r);
}

frame_error bad(std::string_view text) {
  auto r = parse_client_frame(text, limits);
  if (std::holds_alternative<client_frame>(r))
    CAF_FAIL("frame was accepted: " << std::string{text});
  return std::get<frame_error>(r);
}

} // namespace

CAF_TEST(message_frame) {
  auto f = ok(R"({"type":"message","roomId":"1:2","message":"héllo 👋 </script>","clientId":"c-1"})");
  CAF_CHECK(f.type == client_frame::kind::message);
  CAF_CHECK_EQUAL(f.room_id, "1:2");
  CAF_CHECK_EQUAL(f.text, "héllo 👋 </script>");
  CAF_CHECK_EQUAL(f.client_id, "c-1");
}

CAF_TEST(message_errors_carry_the_client_id) {
  auto e = bad(R"({"type":"message","roomId":"0","clientId":"c-9"})");
  CAF_CHECK_EQUAL(e.code, "bad_request");
  CAF_CHECK_EQUAL(e.client_id, "c-9");
  e = bad(R"({"type":"message","roomId":"0","message":"   ","clientId":"c-2"})");
  CAF_CHECK_EQUAL(e.code, "bad_request");
  CAF_CHECK_EQUAL(e.client_id, "c-2");
  e = bad(R"({"type":"message","roomId":"0","message":42})");
  CAF_CHECK_EQUAL(e.code, "bad_request");
  e = bad(R"({"type":"message","roomId":"../x","message":"hi"})");
  CAF_CHECK_EQUAL(e.code, "bad_request");
  e = bad("{\"type\":\"message\",\"roomId\":\"0\",\"message\":\"\xff\xfe\"}");
  CAF_CHECK_EQUAL(e.code, "bad_request");
}

CAF_TEST(message_length_is_counted_in_characters) {
  std::string text;
  for (int i = 0; i < 4000; ++i)
    text += "é"; // 2 bytes, 1 character
  auto f = ok(R"({"type":"message","roomId":"0","message":")" + text + R"("})");
  CAF_CHECK_EQUAL(f.text.size(), 8000u);
  auto e = bad(R"({"type":"message","roomId":"0","clientId":"x","message":")" + text + R"(e"})");
  CAF_CHECK_EQUAL(e.code, "too_long");
  CAF_CHECK_EQUAL(e.client_id, "x");
}

CAF_TEST(typing_join_ping) {
  auto f = ok(R"({"type":"typing","roomId":"0","typing":true})");
  CAF_CHECK(f.type == client_frame::kind::typing);
  CAF_CHECK(f.typing);
  CAF_CHECK_EQUAL(bad(R"({"type":"typing","roomId":"0","typing":"yes"})").code, "bad_request");
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
  CAF_CHECK_EQUAL(bad(R"({"type":"resume","rooms":{"0":-1}})").code, "bad_request");
  CAF_CHECK_EQUAL(bad(R"({"type":"resume","rooms":{"0":"5"}})").code, "bad_request");
  CAF_CHECK_EQUAL(bad(R"({"type":"resume","rooms":[1]})").code, "bad_request");
}

CAF_TEST(malformed_and_unknown) {
  CAF_CHECK_EQUAL(bad("not json").code, "bad_json");
  CAF_CHECK_EQUAL(bad("[1,2]").code, "bad_json");
  CAF_CHECK_EQUAL(bad(R"({"roomId":"0"})").code, "bad_request");
  auto e = bad(R"({"type":"dance","clientId":"c-3"})");
  CAF_CHECK_EQUAL(e.code, "unknown_type");
  CAF_CHECK_EQUAL(e.client_id, "c-3");
}
