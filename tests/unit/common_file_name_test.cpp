#define CAF_SUITE common_file_name
#include "caf/test/unit_test.hpp"

#include <string>

#include "common/file_name.hpp"

using chat::is_valid_file_name;
using chat::percent_encode_unreserved;

CAF_TEST(file names of 1 to 255 bytes of utf-8 without controls or slashes) {
  CAF_CHECK(is_valid_file_name("a"));
  CAF_CHECK(is_valid_file_name("photo 2026-12-07 (1).png"));
  CAF_CHECK(is_valid_file_name("\xC3\xA9t\xC3\xA9.txt"));   // été.txt
  CAF_CHECK(is_valid_file_name("\xF0\x9F\x98\x80.gif"));    // 😀.gif
  CAF_CHECK(is_valid_file_name(".hidden"));
  CAF_CHECK(is_valid_file_name(std::string(255, 'x')));
  CAF_CHECK(!is_valid_file_name(std::string(256, 'x')));
  CAF_CHECK(!is_valid_file_name(""));
  CAF_CHECK(!is_valid_file_name("."));
  CAF_CHECK(!is_valid_file_name(".."));
  CAF_CHECK(!is_valid_file_name("a/b"));
  CAF_CHECK(!is_valid_file_name("a\\b"));
  CAF_CHECK(!is_valid_file_name(std::string{"a\0b", 3}));
  CAF_CHECK(!is_valid_file_name("a\nb"));
  CAF_CHECK(!is_valid_file_name("a\x7F"));
  CAF_CHECK(!is_valid_file_name("a\xC2\x85")); // U+0085 NEL (C1)
  CAF_CHECK(is_valid_file_name("a\xC2\xA0"));  // U+00A0 NBSP is not a control
  CAF_CHECK(!is_valid_file_name("\xFF.png"));  // not UTF-8
  CAF_CHECK(!is_valid_file_name("\xC3"));      // truncated UTF-8
}

CAF_TEST(percent encoding keeps only unreserved characters) {
  CAF_CHECK_EQUAL(percent_encode_unreserved("abc-XYZ_0.9~"), "abc-XYZ_0.9~");
  CAF_CHECK_EQUAL(percent_encode_unreserved("a b"), "a%20b");
  CAF_CHECK_EQUAL(percent_encode_unreserved("\xC3\xA9t\xC3\xA9"), "%C3%A9t%C3%A9");
  CAF_CHECK_EQUAL(percent_encode_unreserved("x'();*\"%"), "x%27%28%29%3B%2A%22%25");
  CAF_CHECK_EQUAL(percent_encode_unreserved(""), "");
}
