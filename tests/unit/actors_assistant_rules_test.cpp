#define CAF_SUITE actors_assistant_rules
// The assistant's pure rules (issue #21): what triggers a reply, the backend's context, the text
// of deltas (UTF-8 held back, offsets in code points), and the reply marks history keeps.
#include "caf/test/unit_test.hpp"

#include <map>
#include <string>
#include <vector>

#include "actors/assistant_context.hpp"
#include "actors/assistant_text.hpp"
#include "actors/assistant_trigger.hpp"
#include "storage/message_json.hpp"

using namespace chat::actors;
using chat::storage::stored_message;

CAF_TEST(mentions are case insensitive and need a word boundary) {
  CAF_CHECK(mentions("@Assistant what is 2+2?", "Assistant"));
  CAF_CHECK(mentions("hey @assistant, help", "Assistant"));
  CAF_CHECK(mentions("ask @ASSISTANT.", "Assistant"));
  CAF_CHECK(mentions("(@assistant)", "Assistant"));
  CAF_CHECK(mentions("x @Assistant", "Assistant"));
  CAF_CHECK(!mentions("Assistant, help", "Assistant"));         // no '@'
  CAF_CHECK(!mentions("@Assistants are many", "Assistant"));    // a longer name
  CAF_CHECK(!mentions("@Assistant_2 hi", "Assistant"));
  CAF_CHECK(!mentions("@Assistant.bot hi", "Assistant"));       // someone named Assistant.bot
  CAF_CHECK(!mentions("mail me at joe@Assistant", "Assistant")); // inside a word
  CAF_CHECK(!mentions("@Assist", "Assistant"));
  CAF_CHECK(mentions("@x @Assistant", "Assistant")); // a later '@'
  CAF_CHECK(!mentions("", "Assistant"));
}

CAF_TEST(dms of the bot and mentions trigger once the bot is known) {
  assistant_trigger t{"Assistant"};
  CAF_CHECK(!t.matches("3:7", "hello"));
  CAF_CHECK(!t.matches("0", "@Assistant hi")); // no bot user yet
  t.set_bot("7", "Assistant");
  t.set_bot("8", "Other"); // once
  CAF_CHECK_EQUAL(t.bot_id(), "7");
  CAF_CHECK(t.matches("3:7", "hello"));
  CAF_CHECK(t.matches("7:12", "hello"));
  CAF_CHECK(!t.matches("3:17", "hello"));
  CAF_CHECK(!t.matches("17:70", "hello"));
  CAF_CHECK(t.matches("0", "@assistant hi"));
  CAF_CHECK(t.matches("12", "so, @Assistant?"));
  CAF_CHECK(!t.matches("12", "no mention"));
  CAF_CHECK(dm_of("1:2", "2"));
  CAF_CHECK(!dm_of("12", "12"));
}

namespace {

stored_message row(std::int64_t id, const std::string& from, const std::string& text, std::string extra = {}) {
  return stored_message{id, R"({"id":)" + std::to_string(id) + R"(,"roomId":"12","from":")" + from +
                              R"(","date":1,"message":")" + text + "\"" + extra + "}"};
}

} // namespace

CAF_TEST(context is the last messages of the room oldest first without deleted or streaming ones) {
  // History reads newest first.
  std::vector<stored_message> rows{
    row(9, "3", "@Assistant and now?"),
    row(8, "7", "partial", R"(,"streaming":true)"),
    stored_message{7, R"({"id":7,"roomId":"12","from":"4","date":1,"deleted":true})"},
    row(6, "7", "It is 4.", R"(,"streaming":false)"),
    row(5, "4", "what is 2+2?"),
    row(4, "4", "older"),
  };
  auto messages = context_messages(rows, 3);
  CAF_REQUIRE_EQUAL(messages.size(), 3u);
  CAF_CHECK_EQUAL(messages[0].text, "what is 2+2?");
  CAF_CHECK_EQUAL(messages[1].from, "7");
  CAF_CHECK_EQUAL(messages[2].text, "@Assistant and now?");

  context_params p{"", "7", "Assistant", "12", "3", "@Assistant and now?"};
  auto req = build_request(p, messages, {{"3", "Joe"}, {"4", "Mary"}});
  CAF_CHECK_EQUAL(req.room_id, "12");
  CAF_CHECK_EQUAL(req.user_id, "3");
  CAF_CHECK_EQUAL(req.username, "Joe");
  CAF_REQUIRE_EQUAL(req.turns.size(), 4u);
  CAF_CHECK(req.turns[0].who == chat::ai::turn::role::system);
  CAF_CHECK(req.turns[0].content.find("You are Assistant") != std::string::npos);
  CAF_CHECK(req.turns[0].content.find("a channel") != std::string::npos);
  CAF_CHECK(req.turns[1].who == chat::ai::turn::role::user);
  CAF_CHECK_EQUAL(req.turns[1].content, "Mary: what is 2+2?"); // channels: prefixed with the author
  CAF_CHECK(req.turns[2].who == chat::ai::turn::role::assistant);
  CAF_CHECK_EQUAL(req.turns[2].content, "It is 4.");
  CAF_CHECK_EQUAL(req.turns[3].content, "Joe: @Assistant and now?");
}

CAF_TEST(in a dm turns are not prefixed and the prompt names the partner) {
  std::vector<stored_message> rows{row(2, "3", "hi"), row(1, "5", "unknown author")};
  context_params p{"Bot {name} in {room}.", "7", "Helper", "3:7", "3", "hi"};
  auto req = build_request(p, context_messages(rows, 20), {{"3", "Joe"}});
  CAF_REQUIRE_EQUAL(req.turns.size(), 3u);
  CAF_CHECK_EQUAL(req.turns[0].content, "Bot Helper in a direct message with Joe.");
  CAF_CHECK_EQUAL(req.turns[1].content, "unknown author");
  CAF_CHECK_EQUAL(req.turns[2].content, "hi");
  p.room_id = "0";
  auto general = build_request(p, context_messages(rows, 20), {{"3", "Joe"}});
  CAF_CHECK_EQUAL(general.turns[0].content, "Bot Helper in the General channel.");
  CAF_CHECK_EQUAL(general.turns[1].content, "user 5: unknown author");
}

CAF_TEST(deltas hold back an unfinished utf8 character and count code points) {
  const std::string euro = "\xE2\x82\xAC"; // €
  CAF_CHECK_EQUAL(complete_utf8_prefix("abc"), 3u);
  CAF_CHECK_EQUAL(complete_utf8_prefix("ab" + euro.substr(0, 2)), 2u);
  CAF_CHECK_EQUAL(complete_utf8_prefix("ab" + euro), 5u);
  CAF_CHECK_EQUAL(complete_utf8_prefix(std::string{"\xF0\x9F\x91"}), 0u);
  CAF_CHECK_EQUAL(code_points("a" + euro + "b"), 3);
  CAF_CHECK_EQUAL(valid_utf8("a\xFF" "b"), "a\xEF\xBF\xBD" "b");
  CAF_CHECK_EQUAL(valid_utf8("ok " + euro), "ok " + euro);
  CAF_CHECK_EQUAL(delta_data_json("1:2", 5, 3, "a\"b"), R"({"roomId":"1:2","id":5,"offset":3,"text":"a\"b"})");
  CAF_CHECK_EQUAL(trigger_error_json("busy", "wait", "0", 9, 12),
                  R"({"code":"busy","message":"wait","roomId":"0","id":9,"retryAfter":12})");
}

CAF_TEST(history keeps the marks of a reply) {
  using chat::storage::normalise_message;
  auto streaming = normalise_message(R"({"id":5,"roomId":"0","from":"7","date":1,"message":"so far","streaming":true})", 5, "0");
  CAF_REQUIRE(streaming);
  CAF_CHECK_EQUAL(streaming->json, R"({"id":5,"roomId":"0","from":"7","date":1,"message":"so far","streaming":true})");
  auto stopped = normalise_message(
    R"({"id":5,"roomId":"0","from":"7","date":1,"message":"x","streaming":false,"stopped":true})", 5, "0");
  CAF_REQUIRE(stopped);
  CAF_CHECK_EQUAL(stopped->json, R"({"id":5,"roomId":"0","from":"7","date":1,"message":"x","streaming":false,"stopped":true})");
  auto failed = normalise_message(
    R"({"id":5,"roomId":"0","from":"7","date":1,"message":"x","streaming":false,"error":"upstream"})", 5, "0");
  CAF_REQUIRE(failed);
  CAF_CHECK_EQUAL(failed->json, R"({"id":5,"roomId":"0","from":"7","date":1,"message":"x","streaming":false,"error":"upstream"})");
  auto plain = normalise_message(R"({"id":5,"roomId":"0","from":"3","date":1,"message":"hi"})", 5, "0");
  CAF_REQUIRE(plain);
  CAF_CHECK_EQUAL(plain->json, R"({"id":5,"roomId":"0","from":"3","date":1,"message":"hi"})");
  CAF_CHECK(!normalise_message(R"({"id":5,"message":"x","streaming":"yes"})", 5, "0"));
}
