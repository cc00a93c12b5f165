// Boost's assertion handler (BOOST_ENABLE_ASSERT_DEBUG_HANDLER: cmake/ChatWarnings.cmake), linked into
// every executable of ours by chat_target_defaults (not part of chat_common: chatbench links no chat
// library). Release builds (NDEBUG) check no BOOST_ASSERT at all, as before; in Debug builds a failed
// BOOST_ASSERT in Beast or Asio aborts with assert()'s message, except for one assertion of Boost 1.81
// that is known to be wrong.
//
// basic_parser::parse_chunk_header asserts `n >= 5` when it resumes after a chunked body's last chunk
// (`0\r\n`) that was also its first chunk and is offered exactly one more byte: without a chunk
// before it there is no leading CRLF, so 4 bytes are possible, and the code after the assertion
// handles them (it asks for more). A client that sent such a body in three pieces aborted a Debug
// chatnode (the ASan and TSan builds of scripts/test.sh). Fixed upstream in boostorg/beast#2861
// (Boost 1.86); found by tests/fuzz/fuzz_http_request; unit test tests/unit/net_beast_parser_test.cpp.

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace boost {

void assertion_failed(char const* expr, char const* function, char const* file, long line);
void assertion_failed_msg(char const* expr, char const* msg, char const* function, char const* file, long line);

void assertion_failed(char const* expr, char const* function, char const* file, long line) {
  if (std::strstr(file, "boost/beast/http/impl/basic_parser.ipp") != nullptr && std::strcmp(expr, "n >= 5") == 0)
    return;
  std::fprintf(stderr, "%s:%ld: %s: Assertion `%s' failed.\n", file, line, function, expr);
  std::abort();
}

void assertion_failed_msg(char const* expr, char const* msg, char const* function, char const* file, long line) {
  std::fprintf(stderr, "%s:%ld: %s: Assertion `%s' failed: %s\n", file, line, function, expr, msg);
  std::abort();
}

} // namespace boost
