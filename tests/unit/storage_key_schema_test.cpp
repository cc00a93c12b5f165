#define CAF_SUITE storage_key_schema
#include "caf/test/unit_test.hpp"

#include "storage/key_schema.hpp"

using namespace chat::storage;

CAF_TEST(dm id is min colon max by numeric comparison) {
  CAF_CHECK_EQUAL(dm_room_id("10", "9").value_or("-"), "9:10");
  CAF_CHECK_EQUAL(dm_room_id("9", "10").value_or("-"), "9:10");
  CAF_CHECK_EQUAL(dm_room_id("2", "1").value_or("-"), "1:2");
  CAF_CHECK_EQUAL(dm_room_id("100", "99").value_or("-"), "99:100");
  CAF_CHECK(!dm_room_id("3", "3"));
  CAF_CHECK(!dm_room_id("x", "3"));
  CAF_CHECK(!dm_room_id("", "3"));
  CAF_CHECK(!dm_room_id("03", "4"));
  CAF_CHECK(!dm_room_id("-1", "4"));
}

CAF_TEST(dm ids parse only when canonical) {
  std::string a;
  std::string b;
  CAF_REQUIRE(parse_dm_room_id("9:10", a, b));
  CAF_CHECK_EQUAL(a, "9");
  CAF_CHECK_EQUAL(b, "10");
  CAF_CHECK(!parse_dm_room_id("10:9", a, b));
  CAF_CHECK(!parse_dm_room_id("3:3", a, b));
  CAF_CHECK(!parse_dm_room_id("1:2:3", a, b));
  CAF_CHECK(!parse_dm_room_id(":2", a, b));
  CAF_CHECK(!parse_dm_room_id("12", a, b));
}

CAF_TEST(room ids are classified) {
  CAF_CHECK(classify_room_id("0") == room_kind::general);
  CAF_CHECK(classify_room_id("1:2") == room_kind::direct);
  CAF_CHECK(classify_room_id("7") == room_kind::channel);
  CAF_CHECK(!classify_room_id("2:1"));
  CAF_CHECK(!classify_room_id(""));
  CAF_CHECK(!classify_room_id("00"));
  CAF_CHECK(!classify_room_id("bot_room"));
  CAF_CHECK(!classify_room_id("1:x"));
  CAF_CHECK(!classify_room_id("1234567890123456789"));
}

CAF_TEST(user ids) {
  CAF_CHECK(is_valid_user_id("1"));
  CAF_CHECK(is_valid_user_id("123456789012345678"));
  CAF_CHECK(!is_valid_user_id("0"));
  CAF_CHECK(!is_valid_user_id("01"));
  CAF_CHECK(!is_valid_user_id("1234567890123456789"));
  CAF_CHECK(!is_valid_user_id("1a"));
  CAF_CHECK(!is_valid_user_id(""));
}

CAF_TEST(usernames for new users) {
  CAF_CHECK(is_valid_new_username("Pablo"));
  CAF_CHECK(is_valid_new_username("jo"));
  CAF_CHECK(is_valid_new_username("a.b-c_d9"));
  CAF_CHECK(is_valid_new_username(std::string(32, 'x')));
  CAF_CHECK(!is_valid_new_username("j"));
  CAF_CHECK(!is_valid_new_username(std::string(33, 'x')));
  CAF_CHECK(!is_valid_new_username("has space"));
  CAF_CHECK(!is_valid_new_username("mail@example.com"));
  CAF_CHECK(!is_valid_new_username("ümlaut"));
  CAF_CHECK(!is_valid_new_username("a:b"));
  CAF_CHECK(!is_valid_new_username(""));
}

CAF_TEST(channel names) {
  CAF_CHECK(is_valid_channel_name("Rangers"));
  CAF_CHECK(is_valid_channel_name("Ski patrol 🎿"));
  CAF_CHECK(is_valid_channel_name("x"));
  CAF_CHECK(!is_valid_channel_name(""));
  CAF_CHECK(!is_valid_channel_name(" lead"));
  CAF_CHECK(!is_valid_channel_name("trail "));
  CAF_CHECK(!is_valid_channel_name("tab\there"));
  CAF_CHECK(is_valid_channel_name(std::string(64, 'x')));
  CAF_CHECK(!is_valid_channel_name(std::string(65, 'x')));
  std::string accented;
  for (int i = 0; i < 64; ++i)
    accented += "é"; // 64 characters, 128 bytes
  CAF_CHECK(is_valid_channel_name(accented));
  CAF_CHECK(!is_valid_channel_name(accented + "e"));
}

CAF_TEST(lower casing is ascii only) {
  CAF_CHECK_EQUAL(to_lower_ascii("PaBLo_9"), "pablo_9");
  CAF_CHECK_EQUAL(to_lower_ascii("ÄB"), "Äb");
}

CAF_TEST(key names follow the tutorial schema) {
  CAF_CHECK_EQUAL(keys::user("4"), "user:4");
  CAF_CHECK_EQUAL(keys::user_rooms("4"), "user:4:rooms");
  CAF_CHECK_EQUAL(keys::room("1:2"), "room:1:2");
  CAF_CHECK_EQUAL(keys::room_last_id("0"), "chat:room:0:last_id");
  CAF_CHECK_EQUAL(keys::room_events("0"), "chat:room:0:events");
  CAF_CHECK_EQUAL(keys::room_events("1:2"), "chat:room:1:2:events");
  CAF_CHECK_EQUAL(keys::room_deleted("5"), "chat:room:5:deleted");
  CAF_CHECK_EQUAL(keys::room_deleted("1:2"), "chat:room:1:2:deleted");
  CAF_CHECK_EQUAL(keys::session("ab"), "chat:session:ab");
  CAF_CHECK_EQUAL(keys::rate_limit("login:x"), "chat:ratelimit:login:x");
  CAF_CHECK_EQUAL(keys::room_channel("5"), "chat:room:5");
}
