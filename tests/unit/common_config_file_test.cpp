#define CAF_SUITE common_config_file
#include "caf/test/unit_test.hpp"

#include <string>

#include "common/config_file.hpp"

using chat::parse_config_file;

CAF_TEST(name value lines with comments quotes and underscores) {
  auto f = parse_config_file("# chatnode\n"
                             "port = 8080\n"
                             "\n"
                             "; also a comment\n"
                             "  redis_url =  \"redis://h:6379/1\"  \n"
                             "log-level='debug'\n"
                             "admins = alice, bob\n"
                             "empty =\n"
                             "mixed = 'x\"\n");
  CAF_CHECK_EQUAL(f.error_line, 0);
  CAF_REQUIRE_EQUAL(f.entries.size(), 6u);
  CAF_CHECK_EQUAL(f.entries[0].key, "port");
  CAF_CHECK_EQUAL(f.entries[0].value, "8080");
  CAF_CHECK_EQUAL(f.entries[0].line, 2);
  CAF_CHECK_EQUAL(f.entries[1].key, "redis-url");
  CAF_CHECK_EQUAL(f.entries[1].value, "redis://h:6379/1");
  CAF_CHECK_EQUAL(f.entries[1].line, 5);
  CAF_CHECK_EQUAL(f.entries[2].value, "debug");
  CAF_CHECK_EQUAL(f.entries[3].value, "alice, bob");
  CAF_CHECK_EQUAL(f.entries[4].key, "empty");
  CAF_CHECK_EQUAL(f.entries[4].value, "");
  CAF_CHECK_EQUAL(f.entries[5].value, "'x\""); // quotes that do not match stay
}

CAF_TEST(crlf line ends and a last line without newline) {
  auto f = parse_config_file("threads = 4\r\n\r\nseed_demo = true");
  CAF_CHECK_EQUAL(f.error_line, 0);
  CAF_REQUIRE_EQUAL(f.entries.size(), 2u);
  CAF_CHECK_EQUAL(f.entries[0].value, "4");
  CAF_CHECK_EQUAL(f.entries[1].key, "seed-demo");
  CAF_CHECK_EQUAL(f.entries[1].line, 3);
}

CAF_TEST(reading stops at the first line that is not an assignment) {
  auto f = parse_config_file("port = 1\nnot an assignment\nthreads = 2\n");
  CAF_CHECK_EQUAL(f.error_line, 2);
  CAF_REQUIRE_EQUAL(f.entries.size(), 1u);
  CAF_CHECK_EQUAL(f.entries[0].key, "port");
}

CAF_TEST(an empty name is an entry with an empty key) {
  // app/config.cpp reports it as an unknown key (a warning), as it always did.
  auto f = parse_config_file(" = value\n\"\"=\"\"\n");
  CAF_CHECK_EQUAL(f.error_line, 0);
  CAF_REQUIRE_EQUAL(f.entries.size(), 2u);
  CAF_CHECK_EQUAL(f.entries[0].key, "");
  CAF_CHECK_EQUAL(f.entries[0].value, "value");
  CAF_CHECK_EQUAL(f.entries[1].key, "\"\"");
  CAF_CHECK_EQUAL(f.entries[1].value, "");
}

CAF_TEST(empty text and comments only) {
  CAF_CHECK(parse_config_file("").entries.empty());
  auto f = parse_config_file("#a\n;b\n   \n");
  CAF_CHECK(f.entries.empty());
  CAF_CHECK_EQUAL(f.error_line, 0);
}
