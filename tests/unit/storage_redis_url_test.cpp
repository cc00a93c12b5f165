#define CAF_SUITE storage_redis_url
#include "caf/test/unit_test.hpp"

#include "storage/redis_url.hpp"

using chat::storage::parse_redis_url;
using chat::storage::redis_endpoint;

namespace {

bool parses(const char* url, redis_endpoint& ep) {
  std::string err;
  bool ok = parse_redis_url(url, ep, err);
  if (ok)
    CAF_CHECK(err.empty());
  return ok;
}

bool rejects(const char* url) {
  redis_endpoint ep;
  std::string err;
  bool ok = parse_redis_url(url, ep, err);
  if (!ok)
    CAF_CHECK(!err.empty());
  return !ok;
}

} // namespace

CAF_TEST(minimal url uses defaults) {
  redis_endpoint ep;
  CAF_REQUIRE(parses("redis://localhost", ep));
  CAF_CHECK_EQUAL(ep.host, "localhost");
  CAF_CHECK_EQUAL(ep.port, 6379);
  CAF_CHECK_EQUAL(ep.db, 0);
  CAF_CHECK(ep.username.empty());
  CAF_CHECK(ep.password.empty());
}

CAF_TEST(full url) {
  redis_endpoint ep;
  CAF_REQUIRE(parses("redis://chat:p%40ss%3Aw0rd@redis.internal:6380/3", ep));
  CAF_CHECK_EQUAL(ep.username, "chat");
  CAF_CHECK_EQUAL(ep.password, "p@ss:w0rd");
  CAF_CHECK_EQUAL(ep.host, "redis.internal");
  CAF_CHECK_EQUAL(ep.port, 6380);
  CAF_CHECK_EQUAL(ep.db, 3);
}

CAF_TEST(password only forms) {
  redis_endpoint ep;
  CAF_REQUIRE(parses("redis://:secret@127.0.0.1:6391", ep));
  CAF_CHECK(ep.username.empty());
  CAF_CHECK_EQUAL(ep.password, "secret");
  CAF_CHECK_EQUAL(ep.port, 6391);
  CAF_REQUIRE(parses("redis://secret@127.0.0.1", ep));
  CAF_CHECK_EQUAL(ep.password, "secret");
  CAF_REQUIRE(parses("REDIS://h/15", ep));
  CAF_CHECK_EQUAL(ep.db, 15);
  CAF_REQUIRE(parses("redis://h:1/", ep));
  CAF_CHECK_EQUAL(ep.port, 1);
  CAF_CHECK_EQUAL(ep.db, 0);
}

CAF_TEST(ipv6 in brackets) {
  redis_endpoint ep;
  CAF_REQUIRE(parses("redis://[::1]:6390/2", ep));
  CAF_CHECK_EQUAL(ep.host, "::1");
  CAF_CHECK_EQUAL(ep.port, 6390);
  CAF_CHECK_EQUAL(ep.db, 2);
  CAF_REQUIRE(parses("redis://[fe80::1]", ep));
  CAF_CHECK_EQUAL(ep.port, 6379);
  CAF_CHECK_EQUAL(chat::storage::describe(ep), "[fe80::1]:6379/0");
}

CAF_TEST(invalid urls are rejected) {
  CAF_CHECK(rejects(""));
  CAF_CHECK(rejects("localhost:6379"));
  CAF_CHECK(rejects("rediss://localhost"));
  CAF_CHECK(rejects("http://localhost"));
  CAF_CHECK(rejects("redis://"));
  CAF_CHECK(rejects("redis://:6379"));
  CAF_CHECK(rejects("redis://user:pw@"));
  CAF_CHECK(rejects("redis://host:"));
  CAF_CHECK(rejects("redis://host:0"));
  CAF_CHECK(rejects("redis://host:65536"));
  CAF_CHECK(rejects("redis://host:123456"));
  CAF_CHECK(rejects("redis://host:-1"));
  CAF_CHECK(rejects("redis://host:80a"));
  CAF_CHECK(rejects("redis://host/16"));
  CAF_CHECK(rejects("redis://host/-1"));
  CAF_CHECK(rejects("redis://host/abc"));
  CAF_CHECK(rejects("redis://host/1/2"));
  CAF_CHECK(rejects("redis://host/007"));
  CAF_CHECK(rejects("redis://ho st"));
  CAF_CHECK(rejects("redis://host?db=1"));
  CAF_CHECK(rejects("redis://u:p%zz@host"));
  CAF_CHECK(rejects("redis://u:p%4@host"));
  CAF_CHECK(rejects("redis://[::1"));
  CAF_CHECK(rejects("redis://[]"));
  CAF_CHECK(rejects("redis://[::1]x"));
  CAF_CHECK(rejects("redis://[::1]:"));
  CAF_CHECK(rejects("redis://[zz::1]"));
}

CAF_TEST(errors never echo the password) {
  redis_endpoint ep;
  std::string err;
  CAF_CHECK(!parse_redis_url("redis://u:hunter2@host:99999", ep, err));
  CAF_CHECK(err.find("hunter2") == std::string::npos);
}
