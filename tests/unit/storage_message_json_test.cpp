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

CAF_TEST(edited message keeps its edit time last) {
  auto json = build_message_json(1700000000123, "0", "1", 1700000000, "new", 1764103286123);
  CAF_CHECK_EQUAL(json, R"({"id":1700000000123,"roomId":"0","from":"1","date":1700000000,"message":"new","edited":1764103286123})");
  auto m = normalise_message(json, 1700000000123.0, "0");
  CAF_REQUIRE(m.has_value());
  CAF_CHECK_EQUAL(m->json, json);
  // the tutorial field order does not matter, and a null "edited" is no edit
  auto reordered = normalise_message(R"({"edited":1764103286123,"message":"x","from":3,"id":9})", 9, "0");
  CAF_REQUIRE(reordered.has_value());
  CAF_CHECK_EQUAL(reordered->json, R"({"id":9,"roomId":"0","from":"3","date":9,"message":"x","edited":1764103286123})");
  auto null_edit = normalise_message(R"({"id":9,"message":"x","edited":null})", 9, "0");
  CAF_REQUIRE(null_edit.has_value());
  CAF_CHECK_EQUAL(null_edit->json, R"({"id":9,"roomId":"0","from":"","date":9,"message":"x"})");
  CAF_CHECK_EQUAL(build_message_json(1, "0", "1", 1, "x", 0), R"({"id":1,"roomId":"0","from":"1","date":1,"message":"x"})");
}

CAF_TEST(tombstones are served as such) {
  auto json = build_tombstone_json(1700000000123, "1:2", "2", 1700000000);
  CAF_CHECK_EQUAL(json, R"({"id":1700000000123,"roomId":"1:2","from":"2","date":1700000000,"deleted":true})");
  auto m = normalise_message(json, 1700000000123.0, "1:2");
  CAF_REQUIRE(m.has_value());
  CAF_CHECK_EQUAL(m->id, 1700000000123);
  CAF_CHECK_EQUAL(m->json, json);
  // any text or edit time a tombstone might hold is not served
  auto texty = normalise_message(R"({"id":5,"from":1,"message":"secret","edited":7,"deleted":true})", 5, "0");
  CAF_REQUIRE(texty.has_value());
  CAF_CHECK_EQUAL(texty->json, R"({"id":5,"roomId":"0","from":"1","date":5,"deleted":true})");
  auto not_deleted = normalise_message(R"({"id":5,"message":"m","deleted":false})", 5, "0");
  CAF_REQUIRE(not_deleted.has_value());
  CAF_CHECK_EQUAL(not_deleted->json, R"({"id":5,"roomId":"0","from":"","date":5,"message":"m"})");
}

CAF_TEST(unreadable rows are rejected) {
  CAF_CHECK(!normalise_message(R"({"message":"m","deleted":"yes"})", 1, "0"));
  CAF_CHECK(!normalise_message(R"({"message":"m","deleted":1})", 1, "0"));
  CAF_CHECK(!normalise_message(R"({"message":"m","edited":"soon"})", 1, "0"));
  CAF_CHECK(!normalise_message(R"({"message":"m","edited":{"at":1}})", 1, "0"));
  CAF_CHECK(!normalise_message(R"({"message":"m","edited":0})", 1, "0"));
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

CAF_TEST(reactions are kept in stored order and ill-shaped entries dropped) {
  auto m = normalise_message(
    R"({"id":7,"roomId":"0","from":"1","date":1700000000,"message":"m","edited":1700000000500,)"
    R"("reactions":{"👍":["1","2"],":tada:":["3"],"bad":[4],"empty":[],"x":"y"}})",
    7, "0");
  CAF_REQUIRE(m);
  CAF_CHECK_EQUAL(m->json, R"({"id":7,"roomId":"0","from":"1","date":1700000000,"message":"m","edited":1700000000500,)"
                           R"("reactions":{"👍":["1","2"],":tada:":["3"]}})");
  auto none = normalise_message(R"({"id":8,"from":"1","date":1,"message":"m","reactions":{"e":[]}})", 8, "0");
  CAF_REQUIRE(none);
  CAF_CHECK_EQUAL(none->json, R"({"id":8,"roomId":"0","from":"1","date":1,"message":"m"})");
}

CAF_TEST(thread fields are kept on replies parents and their tombstones) {
  auto reply = normalise_message(R"({"id":9,"roomId":"3","from":"2","date":1,"message":"r","mentions":["4"],"parentId":7})", 9, "3");
  CAF_REQUIRE(reply.has_value());
  CAF_CHECK_EQUAL(reply->json, R"({"id":9,"roomId":"3","from":"2","date":1,"message":"r","mentions":["4"],"parentId":7})");
  auto parent = normalise_message(
    R"({"id":7,"roomId":"3","from":"1","date":1,"message":"p","edited":8,"replies":2,"lastReplyAt":1700000000123,"reactions":{":eyes:":["2"]}})",
    7, "3");
  CAF_REQUIRE(parent.has_value());
  CAF_CHECK_EQUAL(parent->json,
                  R"({"id":7,"roomId":"3","from":"1","date":1,"message":"p","replies":2,"lastReplyAt":1700000000123,"edited":8,"reactions":{":eyes:":["2"]}})");
  auto tomb = normalise_message(R"({"id":7,"roomId":"3","from":"1","date":1,"replies":1,"lastReplyAt":5,"deleted":true})", 7, "3");
  CAF_REQUIRE(tomb.has_value());
  CAF_CHECK_EQUAL(tomb->json, R"({"id":7,"roomId":"3","from":"1","date":1,"replies":1,"lastReplyAt":5,"deleted":true})");
  auto moderated = normalise_message(R"({"id":9,"roomId":"3","from":"2","date":1,"moderated":true,"deleted":true})", 9, "3");
  CAF_REQUIRE(moderated.has_value());
  CAF_CHECK_EQUAL(moderated->json, R"({"id":9,"roomId":"3","from":"2","date":1,"moderated":true,"deleted":true})");
  auto reply_tomb = normalise_message(R"({"id":9,"roomId":"3","from":"2","date":1,"parentId":7,"deleted":true})", 9, "3");
  CAF_REQUIRE(reply_tomb.has_value());
  CAF_CHECK_EQUAL(reply_tomb->json, R"({"id":9,"roomId":"3","from":"2","date":1,"parentId":7,"deleted":true})");
  // ill-formed thread fields are dropped, the message is kept
  auto odd = normalise_message(R"({"id":9,"message":"m","parentId":"7","replies":-1})", 9, "3");
  CAF_REQUIRE(odd.has_value());
  CAF_CHECK_EQUAL(odd->json, R"({"id":9,"roomId":"3","from":"","date":9,"message":"m"})");
}

CAF_TEST(rows keep their attachments and location) {
  std::string raw = R"({"id":5,"roomId":"0","from":"1","date":2,"message":"","mentions":["3"],)"
                    R"("attachments":[{"id":"ab","name":"a \"b\".png","size":10,"type":"image/png","width":4,)"
                    R"("height":3,"url":"/files/ab/a%20%22b%22.png"},{"bogus":1},)"
                    R"({"id":"cd","name":"x","size":1,"type":"application/octet-stream","url":"/files/cd/x"}],)"
                    R"("location":{"lat":48.8566,"lon":2,"accuracy":5.5,"label":"Paris"},"edited":7})";
  auto m = normalise_message(raw, 5, "0");
  CAF_REQUIRE(m.has_value());
  CAF_CHECK_EQUAL(m->json,
                  R"({"id":5,"roomId":"0","from":"1","date":2,"message":"","mentions":["3"],)"
                  R"("attachments":[{"id":"ab","name":"a \"b\".png","size":10,"type":"image/png","width":4,)"
                  R"("height":3,"url":"/files/ab/a%20%22b%22.png"},)"
                  R"({"id":"cd","name":"x","size":1,"type":"application/octet-stream","url":"/files/cd/x"}],)"
                  R"("location":{"lat":48.8566,"lon":2,"accuracy":5.5,"label":"Paris"},"edited":7})");
  auto plain = normalise_message(R"({"id":5,"roomId":"0","from":"1","date":2,"message":"x","location":{"lat":1}})", 5, "0");
  CAF_REQUIRE(plain.has_value());
  CAF_CHECK_EQUAL(plain->json, R"({"id":5,"roomId":"0","from":"1","date":2,"message":"x"})");
}
