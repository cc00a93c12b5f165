// What every fuzz target links besides its own test function: sanitizer defaults, so that running a
// target by hand behaves as it does in scripts/test.sh (ASAN_OPTIONS / UBSAN_OPTIONS given on the
// command line still win, option by option). Boost's assertions go through common/boost_assert.cpp,
// as in every Debug build of ours.

/// UBSan: stop at the first report (pointer-overflow is compiled recoverable only for the one
/// suppression), with a stack trace, and the suppressions of tests/fuzz/ubsan.supp.
extern "C" const char* __ubsan_default_options() {
  return "halt_on_error=1:print_stacktrace=1:suppressions=" CHAT_FUZZ_UBSAN_SUPPRESSIONS;
}
