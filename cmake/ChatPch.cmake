# chat_precompile(<target> [<header>...]): with CHAT_PCH, <target> compiles the standard headers our
# code uses everywhere, plus the listed third-party headers, once into a precompiled header that
# every one of its sources loads instead of parsing them again. For cold builds (scripts/test.sh,
# CI): parsing is a third of a source's compile time here. Off by default: ccache caches
# compilations that use a precompiled header only with extra sloppiness, and a developer's
# incremental builds gain nothing from it. A source that forgets an include still fails in the
# default (no PCH) build, which is what developers and the Dockerfile build.
option(CHAT_PCH "Precompile common headers per library (faster cold builds; off: ccache-friendly)" OFF)

set(CHAT_PCH_STD_HEADERS
  <algorithm> <array> <atomic> <chrono> <cstddef> <cstdint> <functional> <map> <memory> <mutex>
  <optional> <string> <string_view> <system_error> <unordered_map> <utility> <variant> <vector>)

function(chat_precompile target)
  if(CHAT_PCH)
    target_precompile_headers(${target} PRIVATE ${CHAT_PCH_STD_HEADERS} ${ARGN})
  endif()
endfunction()
