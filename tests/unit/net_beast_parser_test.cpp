#define CAF_SUITE net_beast_parser
#include "caf/test/unit_test.hpp"

#include <string>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

// Beast's request parser as net/http_session feeds it: the unparsed bytes offered again with the
// ones that arrived since.

namespace http = boost::beast::http;

namespace {

/// Offers `buffer` to the parser and drops what it consumed.
boost::beast::error_code put(http::request_parser<http::string_body>& p, std::string& buffer) {
  boost::beast::error_code ec;
  buffer.erase(0, p.put(boost::asio::buffer(buffer), ec));
  return ec;
}

} // namespace

// Found by tests/fuzz/fuzz_http_request: Boost 1.81 asserts `n >= 5` when a chunked body's first
// chunk is its last (`0\r\n`) and exactly one byte of the trailer follows; a Debug chatnode aborted
// (common/boost_assert.cpp lets that one assertion through). Release builds never checked it.
CAF_TEST(chunked body whose last chunk is its first arriving in pieces) {
  http::request_parser<http::string_body> p;
  std::string buffer = "POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";
  CAF_REQUIRE(!put(p, buffer));
  CAF_REQUIRE(p.is_header_done());
  buffer += "0\r\n";
  CAF_CHECK_EQUAL(put(p, buffer), http::error::need_more);
  buffer += "\r"; // 4 bytes offered: the assertion
  CAF_CHECK_EQUAL(put(p, buffer), http::error::need_more);
  buffer += "\n";
  CAF_CHECK(!put(p, buffer));
  CAF_CHECK(p.is_done());
  CAF_CHECK(p.get().body().empty());
  CAF_CHECK(buffer.empty());
}

CAF_TEST(chunked body with a trailer field arriving byte by byte) {
  http::request_parser<http::string_body> p;
  std::string buffer = "POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";
  CAF_REQUIRE(!put(p, buffer));
  const std::string rest = "0\r\nX-T: 1\r\n\r\n";
  boost::beast::error_code ec;
  for (char c : rest) {
    buffer += c;
    ec = put(p, buffer);
    if (c != rest.back())
      CAF_CHECK_EQUAL(ec, http::error::need_more);
  }
  CAF_CHECK(!ec);
  CAF_CHECK(p.is_done());
}
