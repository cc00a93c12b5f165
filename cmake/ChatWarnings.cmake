# chat_target_defaults(<target>): warnings, sanitizers and Boost/Asio defines for our own code.
add_library(chat_compile_options INTERFACE)
target_compile_options(chat_compile_options INTERFACE -Wall -Wextra -Wpedantic)
if(CHAT_WERROR)
  target_compile_options(chat_compile_options INTERFACE -Werror)
endif()
target_compile_definitions(chat_compile_options INTERFACE
  BOOST_ASIO_NO_DEPRECATED BOOST_BEAST_USE_STD_STRING_VIEW)
# Debug builds: a failed BOOST_ASSERT goes through common/boost_assert.cpp (one known-wrong assertion of
# Boost 1.81's Beast is let through, see there); linked into every executable below. Release: no checks.
target_compile_definitions(chat_compile_options INTERFACE BOOST_ENABLE_ASSERT_DEBUG_HANDLER)
add_library(chat_boost_assert OBJECT "${PROJECT_SOURCE_DIR}/common/boost_assert.cpp")
target_link_libraries(chat_boost_assert PRIVATE chat_compile_options)
if(CHAT_SANITIZE)
  target_compile_options(chat_compile_options INTERFACE
    -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(chat_compile_options INTERFACE -fsanitize=address,undefined)
endif()
# libFuzzer (CHAT_FUZZ, clang): every library of ours carries the fuzzer's coverage instrumentation
# (fuzzer-no-link: no main) with ASan+UBSan; the fuzz targets link libFuzzer itself (tests/fuzz).
# -O1 -g after the build type's flags: the usual speed/report trade-off of fuzzing.
# pointer-overflow stays recoverable so that tests/fuzz/ubsan.supp can silence the one report of
# Debian's RapidJSON 1.1.0 (see there); halt_on_error=1 (tests/fuzz/fuzz_options.cpp) stops at any other.
if(CHAT_FUZZ)
  target_compile_options(chat_compile_options INTERFACE
    -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
    -fsanitize-recover=pointer-overflow -fno-omit-frame-pointer -O1 -g)
  target_link_options(chat_compile_options INTERFACE -fsanitize=address,undefined)
endif()
# ThreadSanitizer: our code only (Debian's libcaf_core.so, libhiredis etc. stay uninstrumented; see
# tests/tsan.supp). -O1 after the build type's flags wins; -g for file:line in reports.
# Asio's handler "fenced blocks" use std::atomic_thread_fence, which TSan cannot model (g++ 12 says so
# with -Werror=tsan); Asio's scheduler synchronises through its mutex (intercepted), so the TSan build
# uses Asio's documented switch to drop them. -Wtsan stays on for our own code.
if(CHAT_TSAN)
  target_compile_options(chat_compile_options INTERFACE
    -fsanitize=thread -O1 -g -fno-omit-frame-pointer)
  target_compile_definitions(chat_compile_options INTERFACE BOOST_ASIO_DISABLE_FENCED_BLOCK)
  target_link_options(chat_compile_options INTERFACE -fsanitize=thread)
  # The happens-before edges of CAF's (uninstrumented) mailboxes and actor reference counts, for TSan:
  # see the comment in the source. Linked into every executable of ours that links CAF (chatnode,
  # unit_tests); the executable exports the interposed symbols so that libcaf_core.so binds to them too.
  add_library(chat_tsan_caf_hb OBJECT "${PROJECT_SOURCE_DIR}/tests/tsan/caf_mailbox_hb.cpp")
  target_link_libraries(chat_tsan_caf_hb PUBLIC CAF::core ${CMAKE_DL_LIBS} PRIVATE chat_compile_options)
  set(CHAT_TSAN_CAF_SYMBOLS
    _ZN3caf15scheduled_actor7enqueueESt10unique_ptrINS_15mailbox_elementENS_6detail8disposerEEPNS_14execution_unitE
    _ZN3caf15scheduled_actor7consumeERNS_15mailbox_elementE
    _ZN3caf14blocking_actor7enqueueESt10unique_ptrINS_15mailbox_elementENS_6detail8disposerEEPNS_14execution_unitE
    _ZN3caf14blocking_actor15mailbox_visitorclERNS_15mailbox_elementE
    _ZN3caf21intrusive_ptr_releaseEPNS_19actor_control_blockE
    _ZN3caf26intrusive_ptr_release_weakEPNS_19actor_control_blockE)
endif()

function(_chat_tsan_caf_hb target) # deferred: LINK_LIBRARIES is complete at the end of the configure
  get_target_property(libs ${target} LINK_LIBRARIES)
  if("CAF::core" IN_LIST libs)
    target_link_libraries(${target} PRIVATE chat_tsan_caf_hb)
    foreach(sym IN LISTS CHAT_TSAN_CAF_SYMBOLS)
      target_link_options(${target} PRIVATE "LINKER:--export-dynamic-symbol=${sym}")
    endforeach()
  endif()
endfunction()

function(chat_target_defaults target)
  target_link_libraries(${target} PRIVATE chat_compile_options)
  get_target_property(type ${target} TYPE)
  if(type STREQUAL "EXECUTABLE")
    target_link_libraries(${target} PRIVATE chat_boost_assert)
  endif()
  if(CHAT_TSAN AND type STREQUAL "EXECUTABLE")
    # (DEFER evaluates variable references when the call runs: bake the name in now)
    cmake_language(EVAL CODE
      "cmake_language(DEFER DIRECTORY [[${PROJECT_SOURCE_DIR}]] CALL _chat_tsan_caf_hb [[${target}]])")
  endif()
endfunction()
