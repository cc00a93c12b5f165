#define CAF_SUITE common_emoji
#include "caf/test/unit_test.hpp"

#include <string>

#include "common/emoji.hpp"

using chat::is_reaction_emoji;
using chat::is_short_name;
using chat::is_single_emoji;

CAF_TEST(single pictographs with and without a variation selector) {
  CAF_CHECK(is_single_emoji("\xF0\x9F\x91\x8D"));         // 👍 U+1F44D
  CAF_CHECK(is_single_emoji("\xF0\x9F\x98\x82"));         // 😂
  CAF_CHECK(is_single_emoji("\xE2\x9D\xA4"));             // ❤ U+2764 (text default)
  CAF_CHECK(is_single_emoji("\xE2\x9D\xA4\xEF\xB8\x8F")); // ❤️ with U+FE0F
  CAF_CHECK(is_single_emoji("\xE2\x9C\x85"));             // ✅
  CAF_CHECK(is_single_emoji("\xF0\x9F\xA5\xB3"));         // 🥳 U+1F973
}

CAF_TEST(skin tones zwj sequences keycaps flags and tag sequences) {
  CAF_CHECK(is_single_emoji("\xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD")); // 👍🏽
  // 👩‍💻: woman ZWJ laptop
  CAF_CHECK(is_single_emoji("\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x92\xBB"));
  // 👨‍👩‍👧‍👦: a family of four
  CAF_CHECK(is_single_emoji("\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7\xE2\x80\x8D"
                            "\xF0\x9F\x91\xA6"));
  // 🏳️‍🌈: white flag, VS16, ZWJ, rainbow
  CAF_CHECK(is_single_emoji("\xF0\x9F\x8F\xB3\xEF\xB8\x8F\xE2\x80\x8D\xF0\x9F\x8C\x88"));
  CAF_CHECK(is_single_emoji("1\xEF\xB8\x8F\xE2\x83\xA3")); // 1️⃣
  CAF_CHECK(is_single_emoji("#\xE2\x83\xA3"));             // #⃣
  CAF_CHECK(is_single_emoji("\xF0\x9F\x87\xAB\xF0\x9F\x87\xB7")); // 🇫🇷
  // 🏴󠁧󠁢󠁳󠁣󠁴󠁿: black flag, tags "gbsct", cancel tag
  CAF_CHECK(is_single_emoji("\xF0\x9F\x8F\xB4\xF3\xA0\x81\xA7\xF3\xA0\x81\xA2\xF3\xA0\x81\xB3\xF3\xA0\x81\xA3"
                            "\xF3\xA0\x81\xB4\xF3\xA0\x81\xBF"));
}

CAF_TEST(letters digits whitespace controls and text are refused) {
  CAF_CHECK(!is_single_emoji(""));
  CAF_CHECK(!is_single_emoji("a"));
  CAF_CHECK(!is_single_emoji("1"));
  CAF_CHECK(!is_single_emoji(" "));
  CAF_CHECK(!is_single_emoji("\n"));
  CAF_CHECK(!is_single_emoji(std::string(1, '\0')));
  CAF_CHECK(!is_single_emoji("\xC3\xA9"));                     // é
  CAF_CHECK(!is_single_emoji("\xE4\xB8\xAD"));                 // 中
  CAF_CHECK(!is_single_emoji("\xF0\x9F\x91\x8D "));            // 👍 and a space
  CAF_CHECK(!is_single_emoji(" \xF0\x9F\x91\x8D"));
  CAF_CHECK(!is_single_emoji("\xF0\x9F\x91\x8D\xF0\x9F\x91\x8D")); // two emoji, no joiner
  CAF_CHECK(!is_single_emoji("\xF0\x9F\x91\x8Dx"));
}

CAF_TEST(combining pieces alone or misplaced are refused) {
  CAF_CHECK(!is_single_emoji("\xF0\x9F\x8F\xBD"));                 // a skin tone alone
  CAF_CHECK(!is_single_emoji("\xE2\x80\x8D"));                     // a ZWJ alone
  CAF_CHECK(!is_single_emoji("\xEF\xB8\x8F"));                     // a variation selector alone
  CAF_CHECK(!is_single_emoji("\xF0\x9F\x91\xA9\xE2\x80\x8D"));     // a trailing ZWJ
  CAF_CHECK(!is_single_emoji("\xF0\x9F\x91\xA9\xE2\x80\x8D\xE2\x80\x8D\xF0\x9F\x92\xBB")); // doubled ZWJ
  CAF_CHECK(!is_single_emoji("\xF0\x9F\x87\xAB"));                 // one regional indicator
  CAF_CHECK(!is_single_emoji("\xF0\x9F\x87\xAB\xF0\x9F\x87\xB7\xF0\x9F\x87\xAB")); // three
  CAF_CHECK(!is_single_emoji("\xE2\x83\xA3"));                     // a keycap mark alone
  CAF_CHECK(!is_single_emoji("12\xE2\x83\xA3"));
  CAF_CHECK(!is_single_emoji("\xF0\x9F\x8F\xB4\xF3\xA0\x81\xA7"));  // a tag sequence without its end
}

CAF_TEST(invalid utf8 and overlong input are refused) {
  CAF_CHECK(!is_single_emoji("\xF0\x9F\x91"));          // truncated
  CAF_CHECK(!is_single_emoji("\xC0\xAF"));              // overlong
  CAF_CHECK(!is_single_emoji("\xED\xA0\xBD"));          // a surrogate
  CAF_CHECK(!is_single_emoji("\xF4\x90\x80\x80"));      // over U+10FFFF
  CAF_CHECK(!is_single_emoji("\xFF"));
  std::string chain = "\xF0\x9F\x91\xA9";
  for (int i = 0; i < 20; ++i)
    chain += "\xE2\x80\x8D\xF0\x9F\x91\xA9"; // 144 bytes of joined emoji
  CAF_CHECK(!is_single_emoji(chain));
}

CAF_TEST(short names) {
  CAF_CHECK(is_short_name(":thumbsup:"));
  CAF_CHECK(is_short_name(":+1:"));
  CAF_CHECK(is_short_name(":-1:"));
  CAF_CHECK(is_short_name(":party_parrot:"));
  CAF_CHECK(is_short_name(":" + std::string(30, 'a') + ":")); // 32 bytes
  CAF_CHECK(!is_short_name(":" + std::string(31, 'a') + ":")); // 33 bytes
  CAF_CHECK(!is_short_name("::"));
  CAF_CHECK(!is_short_name(":Thumbsup:"));
  CAF_CHECK(!is_short_name(":thumbs up:"));
  CAF_CHECK(!is_short_name("thumbsup"));
  CAF_CHECK(!is_short_name(":thumbsup"));
  CAF_CHECK(!is_short_name(":a:b:"));
  CAF_CHECK(is_reaction_emoji(":ok:"));
  CAF_CHECK(is_reaction_emoji("\xF0\x9F\x91\x8D"));
  CAF_CHECK(!is_reaction_emoji("ok"));
  CAF_CHECK(!is_reaction_emoji(""));
}
