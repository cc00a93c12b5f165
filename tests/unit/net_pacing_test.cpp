#define CAF_SUITE net_pacing
#include "caf/test/unit_test.hpp"

#include <chrono>

#include "net/pacing_policy.hpp"

using chat::net::keep_collecting;
using chat::net::kMinEventsPerWrite;
using namespace std::chrono_literals;

namespace {

constexpr std::chrono::steady_clock::duration tick = 10ms;
constexpr std::chrono::steady_clock::duration max_wait = 25ms;

} // namespace

CAF_TEST(enough events are written at the tick) {
  CAF_CHECK(!keep_collecting(kMinEventsPerWrite, 10ms, tick, max_wait));
  CAF_CHECK(!keep_collecting(64, 1ms, tick, max_wait));
}

CAF_TEST(few events wait for a later tick within the bound) {
  CAF_CHECK(keep_collecting(1, 10ms, tick, max_wait));                     // the next tick is at 20 ms
  CAF_CHECK(keep_collecting(kMinEventsPerWrite - 1, 15ms, tick, max_wait)); // 25 ms: still within
  CAF_CHECK(!keep_collecting(1, 16ms, tick, max_wait));                    // 26 ms would be past it
  CAF_CHECK(!keep_collecting(1, 40ms, tick, max_wait));
}

CAF_TEST(a bound at the tick writes at every tick) {
  CAF_CHECK(!keep_collecting(1, 0ms, tick, tick));
  CAF_CHECK(!keep_collecting(0, 5ms, tick, tick));
}

CAF_TEST(the wait from the last write never passes the bound) {
  // Ticks every 10 ms from some phase after the last write: the write happens at the first tick
  // where waiting one more would pass 25 ms, so between 15 and 25 ms after the last write.
  for (auto phase = 0ms; phase < 10ms; phase += 1ms) {
    auto since = std::chrono::steady_clock::duration{phase + 1ms};
    while (keep_collecting(1, since, tick, max_wait))
      since += tick;
    CAF_CHECK(since <= max_wait);
    CAF_CHECK(since + tick > max_wait);
  }
}
