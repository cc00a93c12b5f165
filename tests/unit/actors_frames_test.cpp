#define CAF_SUITE actors_frames

#include "caf/test/unit_test.hpp"

#include "actors/frame.hpp"
#include "actors/json_frames.hpp"

using namespace chat::actors;

CAF_TEST(event_frames_are_the_documented_json) {
  auto frame = make_message_frame(R"({"id":5,"roomId":"0"})");
  CAF_CHECK_EQUAL(*frame, R"({"type":"message","data":{"id":5,"roomId":"0"}})");
  CAF_CHECK_EQUAL(presence_frame_json("3", "Mary \"M\"", true),
                  R"({"type":"user.connected","data":{"id":"3","username":"Mary \"M\"","online":true}})");
  CAF_CHECK_EQUAL(presence_frame_json("3", "Mary", false),
                  R"({"type":"user.disconnected","data":{"id":"3","username":"Mary","online":false}})");
  CAF_CHECK_EQUAL(ack_frame_json("c1", 1764103286123, "1:2"),
                  R"({"type":"ack","data":{"clientId":"c1","id":1764103286123,"roomId":"1:2"}})");
  CAF_CHECK_EQUAL(error_frame_json("too_long", "too long", ""),
                  R"({"type":"error","data":{"code":"too_long","message":"too long"}})");
  CAF_CHECK_EQUAL(error_frame_json("forbidden", "no", "c2"),
                  R"({"type":"error","data":{"code":"forbidden","message":"no","clientId":"c2"}})");
}
