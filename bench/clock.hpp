#pragma once
#include <chrono>
#include <cstdint>

namespace bench {

// Nanoseconds on the steady clock since the process started: one process stamps and measures,
// so sender and receiver share this clock.
inline std::int64_t now_ns() {
  static const auto origin = std::chrono::steady_clock::now();
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - origin)
      .count();
}

}  // namespace bench
