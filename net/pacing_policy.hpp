#pragma once
/// When a paced WebSocket connection writes (write_coalescer.hpp, ws_session_write.cpp).
///
/// A busy batching connection (events closer together than the tick) does not write each event
/// at once: it waits for the loop's pacing tick. At a tick it writes when it has collected at
/// least kMinEventsPerWrite events, or when waiting for one more tick would take it past
/// `max_wait` since its last write; otherwise it keeps collecting until a later tick.
///
/// Why: every write costs a syscall, a TCP segment and the peer's ACK, whatever it carries. A
/// connection in a 1,000-member room gets dozens of events per tick, so ticks alone batch it
/// well; one in a 10-member room that is busy gets one or two, so half of its writes are
/// overhead. Measured in docs/benchmarks.md (session 8): at 20,000 msg/s in scenario 2, 3.9-4.4
/// events per write instead of 2.8-3.0; at light load no change, where a fixed longer tick would
/// delay every busy connection. The bound is `max_wait` after the connection's last write: no
/// connection skips a tick that would leave it waiting longer (a busy loop may run a tick late).
#include <chrono>
#include <cstddef>

namespace chat::net {

/// Fewer events than this waiting at a tick: keep collecting (within max_wait).
inline constexpr std::size_t kMinEventsPerWrite = 8;

/// True when a connection with `waiting` events, `since_last_write` after its last write, should
/// skip this tick and write at a later one (ticks come every `tick`).
constexpr bool keep_collecting(std::size_t waiting, std::chrono::steady_clock::duration since_last_write,
                               std::chrono::steady_clock::duration tick,
                               std::chrono::steady_clock::duration max_wait) noexcept {
  return max_wait > tick && waiting < kMinEventsPerWrite && since_last_write + tick <= max_wait;
}

} // namespace chat::net
