#define CAF_SUITE storage_message_json
#include "caf/test/unit_test.hpp"

#include <rapidjson/document.h>

#include "storage/message_json.hpp"

using namespace chat::storage;

CAF_TEST(json fragments escape once and keep slashes and unicode) {
  CAF_CHECK_EQUAL(json_string("hi"), "\"hi\"");
  CAF_CHECK_EQUAL(json_string("say \"hi\""), "\"say \\\"hi\\\"\"");
  CAF_CHECK_EQUAL(json_string("a\\b"), "\"a\\\\b\"");
  CAF_CHECK_EQUAL(json_string("</script>"), "\"</script>\"");
  CAF_CHECK_EQUAL(json_string("line\nnext\t"), "\"line\\nnext\\t\"");
  CAF_CHECK_EQUAL(json_string("😀 ü"), "\"😀 ü\"");
  CAF_CHECK_EQUAL(json_string(std::string_view{"a\0b", 3}), "\"a\\u0000b\"");
  CAF_CHECK_EQUAL(json_string("\x01"), "\"\\u0001\"");
  CAF_CHECK_EQUAL(json_string("\x1f\x7f\b\f\r"), "\"\\u001f\\u007f\\b\\f\\r\"");
  std::string prefix = "[1,";
  append_json_string(prefix, "x");
  CAF_CHECK_EQUAL(prefix, "[1,\"x\"");
}

CAF_TEST(every byte below 0x80 survives a round trip through a JSON parser) {
  std::string all;
  for (int c = 0; c < 0x80; ++c)
    all.push_back(static_cast<char>(c));
  all += "tail \xc3\xbc";
  auto text = json_string(all);
  rapidjson::Document d;
  d.Parse(text.c_str(), text.size());
  CAF_REQUIRE(!d.HasParseError() && d.IsString());
  CAF_CHECK(std::string(d.GetString(), d.GetStringLength()) == all);
}

CAF_TEST(built message json has the fixed field order) {
  auto json = build_message_json(1700000000123, "1:2", "7", 1700000000, "hi \"you\" </script>");
  CAF_CHECK_EQUAL(json, R"({"id":1700000000123,"roomId":"1:2","from":"7","date":1700000000,"message":"hi \"you\" </script>"})");
  rapidjson::Document d;
  d.Parse(json.c_str(), json.size());
  CAF_REQUIRE(!d.HasParseError() && d.IsObject());
  CAF_CHECK_EQUAL(std::string(d["message"].GetString()), "hi \"you\" </script>");
}

CAF_TEST(tutorial row is normalised) {
  auto m = normalise_message(R"({"from":3,"date":1615480369.52,"message":"Hello!","roomId":"0"})", 1615480369, "0");
  CAF_REQUIRE(m.has_value());
  CAF_CHECK_EQUAL(m->id, 1615480369);
  CAF_CHECK_EQUAL(m->json, R"({"id":1615480369,"roomId":"0","from":"3","date":1615480369,"message":"Hello!"})");
}

CAF_TEST(client authored tutorial row with html escapes and unicode) {
  auto m = normalise_message(
    R"({"roomId":"1:2","message":"it&#x27;s \"q\" <\/script> \u00fc 😀","from":"2","date":1615480370})", 1615480370.0,
    "1:2");
  CAF_REQUIRE(m.has_value());
  CAF_CHECK_EQUAL(m->json,
                  R"({"id":1615480370,"roomId":"1:2","from":"2","date":1615480370,"message":"it&#x27;s \"q\" </script> ü 😀"})");
}

CAF_TEST(our rows keep their id and unknown fields are dropped) {
  std::string ours = build_message_json(1700000000123, "0", "1", 1700000000, "x");
  auto m = normalise_message(ours, 1700000000123.0, "0");
  CAF_REQUIRE(m.has_value());
  CAF_CHECK_EQUAL(m->id, 1700000000123);
  CAF_CHECK_EQUAL(m->json, ours);
  auto extra = normalise_message(R"({"id":5,"message":"m","user":{"email":"a@b"},"from":1})", 5, "9");
  CAF_REQUIRE(extra.has_value());
  CAF_CHECK_EQUAL(extra->json, R"({"id":5,"roomId":"9","from":"1","date":5,"message":"m"})");
}

CAF_TEST(missing date comes from the score) {
  auto ms = normalise_message(R"({"message":"m"})", 1700000000999.0, "0");
  CAF_REQUIRE(ms.has_value());
  CAF_CHECK_EQUAL(ms->json, R"({"id":1700000000999,"roomId":"0","from":"","date":1700000000,"message":"m"})");
  auto ms_date = normalise_message(R"({"message":"m","date":1700000000999})", 1700000000999.0, "0");
  CAF_REQUIRE(ms_date.has_value());
  CAF_CHECK(ms_date->json.find("\"date\":1700000000,") != std::string::npos);
}

CAF_TEST(unreadable rows are rejected) {
  CAF_CHECK(!normalise_message("not json", 1, "0"));
  CAF_CHECK(!normalise_message("[1,2]", 1, "0"));
  CAF_CHECK(!normalise_message(R"({"message":5})", 1, "0"));
  CAF_CHECK(!normalise_message(R"({"from":{"id":1},"message":"m"})", 1, "0"));
  CAF_CHECK(!normalise_message(R"({"id":"abc","message":"m"})", 1, "0"));
  CAF_CHECK(!normalise_message(R"({"message":"m")", 1, "0"));
}

CAF_TEST(scores parse as redis prints them) {
  double v = 0;
  CAF_CHECK(parse_score("1700000000123", v) && v == 1700000000123.0);
  CAF_CHECK(parse_score("1615480369.5", v) && v == 1615480369.5);
  CAF_CHECK(parse_score("1.5e9", v) && v == 1.5e9);
  CAF_CHECK(!parse_score("", v));
  CAF_CHECK(!parse_score("12x", v));
  CAF_CHECK(!parse_score("inf", v));
  CAF_CHECK(!parse_score("nan", v));
}
