#pragma once
/// Checks for broken invariants: they crash loudly in every build type (bad input never does).

#include <cstdio>
#include <cstdlib>

/// Aborts with file, line and `msg` when `cond` is false (also with NDEBUG).
#define CHAT_NET_INVARIANT(cond, msg)                                                     \
  do {                                                                                    \
    if (!(cond)) {                                                                        \
      std::fprintf(stderr, "net invariant broken at %s:%d: %s (%s)\n", __FILE__, __LINE__, \
                   msg, #cond);                                                           \
      std::abort();                                                                       \
    }                                                                                     \
  } while (false)
