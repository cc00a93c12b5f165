// What every fuzz target links besides its own test function: sanitizer defaults, so that running a
// target by hand behaves as it does in scripts/test.sh (ASAN_OPTIONS / UBSAN_OPTIONS given on the
// command line still win, option by option), and the handler of Boost's assertions.

#include <cstdio>
#include <cstdlib>
#include <cstring>

/// UBSan: stop at the first report (pointer-overflow is compiled recoverable only for the one
/// suppression), with a stack trace, and the suppressions of tests/fuzz/ubsan.supp.
extern "C" const char* __ubsan_default_options() {
  return "halt_on_error=1:print_stacktrace=1:suppressions=" CHAT_FUZZ_UBSAN_SUPPRESSIONS;
}

namespace boost {

/// BOOST_ASSERT in Beast and Asio (BOOST_ENABLE_ASSERT_HANDLER, set for the fuzz targets only):
/// every failed assertion aborts, as without the handler, except one that is known to be wrong.
///
/// Boost 1.81's basic_parser::parse_chunk_header asserts `n >= 5` when it resumes after the last
/// chunk (`0\r\n`) and is offered the trailer, but a last chunk that is also the first chunk has no
/// leading CRLF: `0\r\n` plus one byte that arrived later is 4 bytes, and the code after the
/// assertion handles it (it asks for more). Fixed upstream in boostorg/beast#2861 (Boost 1.86).
/// Release builds (NDEBUG) never check it; docs/fuzzing.md says what it means for Debug builds.
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
