#define CAF_SUITE net_byte_range
#include "caf/test/unit_test.hpp"

#include "net/byte_range.hpp"

using chat::net::byte_range;
using chat::net::parse_byte_range;
using kind = byte_range::kind;

namespace {

bool partial(const byte_range& r, std::uint64_t first, std::uint64_t last) {
  return r.what == kind::partial && r.first == first && r.last == last;
}

} // namespace

CAF_TEST(one range of the three forms) {
  CAF_CHECK(partial(parse_byte_range("bytes=0-99", 1000), 0, 99));
  CAF_CHECK(partial(parse_byte_range("bytes=100-", 1000), 100, 999));
  CAF_CHECK(partial(parse_byte_range("bytes=-10", 1000), 990, 999));
  CAF_CHECK(partial(parse_byte_range("bytes=990-5000", 1000), 990, 999)); // last clamped
  CAF_CHECK(partial(parse_byte_range("bytes=-5000", 1000), 0, 999));      // suffix longer than the file
  CAF_CHECK(partial(parse_byte_range("Bytes= 5-5 ", 1000), 5, 5));
  CAF_CHECK(partial(parse_byte_range("bytes=999-999", 1000), 999, 999));
}

CAF_TEST(unsatisfiable ranges) {
  CAF_CHECK(parse_byte_range("bytes=1000-", 1000).what == kind::unsatisfiable);
  CAF_CHECK(parse_byte_range("bytes=1000-2000", 1000).what == kind::unsatisfiable);
  CAF_CHECK(parse_byte_range("bytes=-0", 1000).what == kind::unsatisfiable);
  CAF_CHECK(parse_byte_range("bytes=0-", 0).what == kind::unsatisfiable);
  CAF_CHECK(parse_byte_range("bytes=-1", 0).what == kind::unsatisfiable);
}

CAF_TEST(absent several or malformed ranges give the whole file) {
  for (auto h : {"", "bytes=", "bytes=0-1,5-6", "items=0-1", "bytes=a-b", "bytes=5-1", "bytes=-",
                 "bytes=--1", "bytes=+1-2", "bytes=1", "bytes=99999999999999999999-", "0-1"})
    CAF_CHECK(parse_byte_range(h, 1000).what == kind::whole);
}
