#define CAF_SUITE storage_mentions
#include "caf/test/unit_test.hpp"

#include <string>

#include "storage/mentions.hpp"
#include "storage/message_json.hpp"

using namespace chat::storage;

CAF_TEST(text without an at sign names nobody) {
  CAF_CHECK_EQUAL(mention_candidates(""), "");
  CAF_CHECK_EQUAL(mention_candidates("hello there, how are you?"), "");
}

CAF_TEST(names are lower-cased and distinct in order of first appearance) {
  CAF_CHECK_EQUAL(mention_candidates("@Bob hi @alice and @BOB"), "bob alice");
  CAF_CHECK_EQUAL(mention_candidates("(@pablo.r) @x-y_z, @Here"), "pablo.r x-y_z here");
  CAF_CHECK_EQUAL(mention_candidates("line\n@ann\t@ben"), "ann ben");
}

CAF_TEST(an at sign inside a word or an address mentions nobody) {
  CAF_CHECK_EQUAL(mention_candidates("mail me at joe@example.com"), "");
  CAF_CHECK_EQUAL(mention_candidates("a+@bob @@carl x@"), "");
  CAF_CHECK_EQUAL(mention_candidates("@ @a @"), ""); // empty and one-character names
}

CAF_TEST(trailing dots and dashes end a sentence and not a name) {
  CAF_CHECK_EQUAL(mention_candidates("thanks @bob."), "bob");
  CAF_CHECK_EQUAL(mention_candidates("@bob... and @ann-"), "bob ann");
  CAF_CHECK_EQUAL(mention_candidates("@j.r.r.tolkien!"), "j.r.r.tolkien");
}

CAF_TEST(names longer than any username are skipped whole and never cut) {
  std::string long_name(33, 'a');
  CAF_CHECK_EQUAL(mention_candidates("@" + long_name + " @ok"), "ok");
  CAF_CHECK_EQUAL(mention_candidates("@" + std::string(32, 'b')), std::string(32, 'b'));
}

CAF_TEST(at most max_mention_names distinct names are passed on) {
  std::string text;
  for (int i = 0; i < 30; ++i)
    text += "@user" + std::to_string(i) + " @user0 ";
  auto names = mention_candidates(text);
  std::size_t count = 1;
  for (char c : names)
    count += c == ' ';
  CAF_CHECK_EQUAL(count, max_mention_names);
  CAF_CHECK(names.rfind("user0 user1 ", 0) == 0);
  CAF_CHECK(names.find("user20") == std::string::npos);
}

CAF_TEST(history keeps well formed mentions and drops malformed ones) {
  auto kept = normalise_message(
    R"({"id":5,"roomId":"0","from":"1","date":1,"message":"@b hi","mentions":["2","30"]})", 5, "0");
  CAF_REQUIRE(kept);
  CAF_CHECK_EQUAL(kept->json, R"({"id":5,"roomId":"0","from":"1","date":1,"message":"@b hi","mentions":["2","30"]})");
  auto edited = normalise_message(
    R"({"id":5,"roomId":"0","from":"1","date":1,"message":"@b","mentions":["2"],"edited":9})", 5, "0");
  CAF_REQUIRE(edited);
  CAF_CHECK_EQUAL(edited->json, R"({"id":5,"roomId":"0","from":"1","date":1,"message":"@b","mentions":["2"],"edited":9})");
  for (const char* bad : {R"("2")", R"([2])", R"(["x"])", R"([])", R"({"a":"2"})", R"(["2",null])"}) {
    auto row = std::string{R"({"id":5,"roomId":"0","from":"1","date":1,"message":"m","mentions":)"} + bad + "}";
    auto msg = normalise_message(row, 5, "0");
    CAF_REQUIRE(msg);
    CAF_CHECK_EQUAL(msg->json, R"({"id":5,"roomId":"0","from":"1","date":1,"message":"m"})");
  }
}
