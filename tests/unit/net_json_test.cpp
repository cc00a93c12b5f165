#define CAF_SUITE net_json
#include "caf/test/unit_test.hpp"

#include <string>

#include "net/json.hpp"
#include "net/json_views.hpp"
#include "common/text.hpp"

using namespace chat::net;
using namespace chat;

CAF_TEST(string escaping) {
  CAF_CHECK_EQUAL(json_string("a\"b\\c"), "\"a\\\"b\\\\c\"");
  CAF_CHECK_EQUAL(json_string("\n\t\x01"), "\"\\n\\t\\u0001\"");
  CAF_CHECK_EQUAL(json_string("h\xC3\xA9"), "\"h\xC3\xA9\"");
  CAF_CHECK_EQUAL(json_string("</script>"), "\"</script>\"");
}

CAF_TEST(error body) {
  CAF_CHECK_EQUAL(error_body("bad_json", "say \"hi\""),
                  "{\"error\":\"bad_json\",\"message\":\"say \\\"hi\\\"\"}");
}

CAF_TEST(object parsing) {
  json_object o;
  CAF_REQUIRE(o.parse(R"({"username":"Pablo","n":7,"f":1.5,"x":null,"b":true,"a":[1],"u":"\u00e9"})"));
  std::string s;
  CAF_CHECK(o.get_string("username", s) == json_object::lookup::ok);
  CAF_CHECK_EQUAL(s, "Pablo");
  CAF_CHECK(o.get_string("n", s) == json_object::lookup::wrong_type);
  CAF_CHECK(o.get_string("x", s) == json_object::lookup::missing);
  CAF_CHECK(o.get_string("nope", s) == json_object::lookup::missing);
  CAF_CHECK(o.get_string("a", s) == json_object::lookup::wrong_type);
  CAF_CHECK(o.get_string("u", s) == json_object::lookup::ok);
  CAF_CHECK_EQUAL(s, "\xC3\xA9");
  CAF_CHECK(o.get_id("n", s) == json_object::lookup::ok);
  CAF_CHECK_EQUAL(s, "7");
  CAF_CHECK(o.get_id("username", s) == json_object::lookup::ok);
  CAF_CHECK(o.get_id("f", s) == json_object::lookup::wrong_type);
  CAF_CHECK(o.get_id("b", s) == json_object::lookup::wrong_type);
}

CAF_TEST(invalid bodies) {
  json_object o;
  CAF_CHECK(!o.parse(""));
  CAF_CHECK(!o.parse("{"));
  CAF_CHECK(!o.parse("[1,2]"));
  CAF_CHECK(!o.parse("\"str\""));
  CAF_CHECK(!o.parse("null"));
  CAF_CHECK(!o.parse("{\"a\":1} trailing"));
  CAF_CHECK(o.parse("{}"));
  CAF_CHECK(o.find("a") == nullptr);
  CAF_CHECK(o.parse(std::string{"{\"a\":\"x\\u0000y\"}"}));
  CAF_CHECK_EQUAL(o.find("a")->text.size(), 3u);
}

CAF_TEST(views) {
  chat::storage::user u{"3", "Mary \"M\"", "user"};
  CAF_CHECK_EQUAL(user_json(u), R"({"id":"3","username":"Mary \"M\"","role":"user"})");
  std::vector<chat::storage::user_view> users{{"1", "Pablo", false, false, {}}, {"2", "Joe", true, false, {}}};
  CAF_CHECK_EQUAL(users_by_id_json(users),
                  R"({"1":{"id":"1","username":"Pablo","online":false},"2":{"id":"2","username":"Joe","online":true}})");
  CAF_CHECK_EQUAL(users_by_id_json({}), "{}");
  std::vector<chat::storage::user_view> rows{{"1", "Pablo", false, false, "admin"}, {"2", "J\"o", true, false, "user"},
                                             {"3", "Bot", true, true, "user"}, {"4", "Old", false, false, ""}};
  CAF_CHECK_EQUAL(user_rows_json(rows),
                  R"([{"id":"1","username":"Pablo","online":false,"role":"admin"},)"
                  R"({"id":"2","username":"J\"o","online":true,"role":"user"},)"
                  R"({"id":"3","username":"Bot","online":true,"role":"bot"},)"
                  R"({"id":"4","username":"Old","online":false,"role":"user"}])");
  CAF_CHECK_EQUAL(user_rows_json({}), "[]");
  chat::storage::room_summary dm{"1:2", chat::storage::room_kind::direct, {"Pablo", "Joe"}, 90, 80, 3, 1, 85, false};
  CAF_CHECK_EQUAL(room_json(dm), R"({"id":"1:2","names":["Pablo","Joe"]})");
  CAF_CHECK_EQUAL(rooms_json({dm}),
                  R"([{"id":"1:2","names":["Pablo","Joe"],"lastRead":80,"unread":3,"mentions":1,"peerRead":85,"muted":false}])");
  chat::storage::room_summary ch{"7", chat::storage::room_kind::channel, {"ops"}, 90, 80, 3, 1, 0, true};
  CAF_CHECK_EQUAL(rooms_json({ch}), R"([{"id":"7","names":["ops"],"lastRead":80,"unread":3,"mentions":1,"muted":true}])");
  chat::storage::channel_info c{"7", "ops", 3, true};
  CAF_CHECK_EQUAL(channel_json(c), R"({"id":"7","name":"ops","members":3,"joined":true})");
  std::vector<chat::storage::stored_message> msgs{{2, R"({"id":2})"}, {1, R"({"id":1})"}};
  CAF_CHECK_EQUAL(messages_json(msgs), R"([{"id":2},{"id":1}])");
  CAF_CHECK_EQUAL(messages_json({}), "[]");
  CAF_CHECK_EQUAL(with_client_id(R"({"id":1})", "c-1").value_or("-"), R"({"id":1,"clientId":"c-1"})");
  CAF_CHECK_EQUAL(with_client_id("{}", "c").value_or("-"), R"({"clientId":"c"})");
  CAF_CHECK(!with_client_id("[1]", "c"));
}

CAF_TEST(utf8 and text rules) {
  CAF_CHECK_EQUAL(utf8_length("abc").value_or(99), 3u);
  CAF_CHECK_EQUAL(utf8_length("h\xC3\xA9\xF0\x9F\x98\x80").value_or(99), 3u);
  CAF_CHECK(!utf8_length("\xC3"));           // truncated
  CAF_CHECK(!utf8_length("\xC0\xAF"));       // overlong
  CAF_CHECK(!utf8_length("\xED\xA0\x80"));   // surrogate
  CAF_CHECK(!utf8_length("\xF4\x90\x80\x80")); // above U+10FFFF
  CAF_CHECK(!utf8_length("\xFF"));
  CAF_CHECK(is_blank(""));
  CAF_CHECK(is_blank(" \t\r\n"));
  CAF_CHECK(is_blank("\xC2\xA0\xE2\x80\x8B\xE3\x80\x80")); // NBSP, ZWSP, ideographic space
  CAF_CHECK(!is_blank(" a "));
  CAF_CHECK(is_valid_username("Pablo_1.x-y"));
  CAF_CHECK(!is_valid_username("a"));
  CAF_CHECK(!is_valid_username("bad name"));
  CAF_CHECK(!is_valid_username(std::string(33, 'a')));
  CAF_CHECK_EQUAL(parse_int64("42").value_or(-1), 42);
  CAF_CHECK_EQUAL(parse_int64("-7").value_or(0), -7);
  CAF_CHECK(!parse_int64(""));
  CAF_CHECK(!parse_int64("1x"));
  CAF_CHECK(!parse_int64(" 1"));
  CAF_CHECK(!parse_int64("9223372036854775808"));
  CAF_CHECK_EQUAL(parse_int64("9223372036854775807").value_or(0), INT64_MAX);
  CAF_CHECK(is_room_id("0"));
  CAF_CHECK(is_room_id("1:2"));
  CAF_CHECK(!is_room_id("a"));
  CAF_CHECK(!is_room_id(""));
  CAF_CHECK_EQUAL(std::string{trim_ascii("  x y \n")}, "x y");
  CAF_CHECK(iequals("AbC", "aBc"));
}

// Found by tests/fuzz/fuzz_text (against std::from_chars): the smallest int64 was refused although
// it does not overflow (tests/fuzz/corpus/fuzz_text/crash_int64_min).
CAF_TEST(parse_int64 range ends) {
  CAF_CHECK_EQUAL(parse_int64("-9223372036854775808").value_or(0), INT64_MIN);
  CAF_CHECK_EQUAL(parse_int64("-9223372036854775807").value_or(0), -INT64_MAX);
  CAF_CHECK(!parse_int64("-9223372036854775809"));
  CAF_CHECK(!parse_int64("-9999999999999999999"));
  CAF_CHECK(!parse_int64("-10000000000000000000")); // 20 digits
  CAF_CHECK_EQUAL(parse_int64("-0").value_or(1), 0);
  CAF_CHECK(!parse_int64("-"));
  CAF_CHECK(!parse_int64("--1"));
}
