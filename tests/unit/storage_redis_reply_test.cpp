#define CAF_SUITE storage_redis_reply
#include "caf/test/unit_test.hpp"

#include <hiredis/hiredis.h>

#include "storage/redis_reply.hpp"

using chat::storage::redis_reply;

CAF_TEST(null reply is an io error) {
  auto r = redis_reply::from_hiredis(nullptr);
  CAF_CHECK(r.is_io_error());
  CAF_CHECK(!r.is_error());
}

CAF_TEST(nested replies are deep copied and binary safe) {
  char bin[] = {'a', '\0', 'b'};
  char noscript[] = "NOSCRIPT No matching script";
  char status[] = "OK";
  redisReply s{};
  s.type = REDIS_REPLY_STRING;
  s.str = bin;
  s.len = 3;
  redisReply i{};
  i.type = REDIS_REPLY_INTEGER;
  i.integer = 1700000000123LL;
  redisReply n{};
  n.type = REDIS_REPLY_NIL;
  redisReply e{};
  e.type = REDIS_REPLY_ERROR;
  e.str = noscript;
  e.len = sizeof(noscript) - 1;
  redisReply st{};
  st.type = REDIS_REPLY_STATUS;
  st.str = status;
  st.len = 2;
  redisReply* items[] = {&s, &i, &n, &e, &st};
  redisReply arr{};
  arr.type = REDIS_REPLY_ARRAY;
  arr.elements = 5;
  arr.element = items;
  auto r = redis_reply::from_hiredis(&arr);
  CAF_REQUIRE(r.is_array());
  CAF_REQUIRE_EQUAL(r.elements.size(), 5u);
  CAF_CHECK_EQUAL(r.elements[0].str, std::string("a\0b", 3));
  CAF_CHECK(r.elements[0].is_string());
  CAF_CHECK_EQUAL(r.elements[1].integer, 1700000000123LL);
  CAF_CHECK(r.elements[2].is_nil());
  CAF_CHECK(r.elements[3].is_error());
  CAF_CHECK(r.elements[3].error_starts_with("NOSCRIPT"));
  CAF_CHECK(!r.elements[3].error_starts_with("ERR"));
  CAF_CHECK(r.elements[4].ok());
  CAF_CHECK(r.elements[4].text_is("OK"));
  bin[0] = 'z'; // the copy owns its bytes
  CAF_CHECK_EQUAL(r.elements[0].str[0], 'a');
}
