#define CAF_SUITE storage_token
#include "caf/test/unit_test.hpp"

#include <set>

#include "storage/lua_scripts.hpp"
#include "storage/session_token.hpp"

using namespace chat::storage;

CAF_TEST(sha256 known vectors) {
  CAF_CHECK_EQUAL(hash_session_token("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CAF_CHECK_EQUAL(hash_session_token(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

CAF_TEST(tokens are 64 hex characters and distinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) {
    auto t = new_session_token();
    CAF_CHECK_EQUAL(t.size(), 64u);
    CAF_CHECK(is_well_formed_token(t));
    seen.insert(t);
  }
  CAF_CHECK_EQUAL(seen.size(), 50u);
  CAF_CHECK(is_well_formed_token(hash_session_token("x")));
}

CAF_TEST(malformed tokens are rejected) {
  CAF_CHECK(!is_well_formed_token(""));
  CAF_CHECK(!is_well_formed_token(std::string(63, 'a')));
  CAF_CHECK(!is_well_formed_token(std::string(65, 'a')));
  CAF_CHECK(!is_well_formed_token(std::string(63, 'a') + "g"));
  CAF_CHECK(!is_well_formed_token(std::string(63, 'a') + " "));
}

CAF_TEST(script sha1 matches what redis computes) {
  CAF_CHECK_EQUAL(sha1_hex("abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
  CAF_CHECK_EQUAL(scripts::send_message.sha1, sha1_hex(scripts::send_message.body));
  CAF_CHECK_EQUAL(scripts::send_message.name, "send_message");
}
