#define CAF_SUITE storage_queue_delay
#include "caf/test/unit_test.hpp"

#include <chrono>

#include "storage/queue_delay.hpp"

using chat::storage::queue_delay_meter;
using namespace std::chrono_literals;

namespace {

// Every test drives the meter with its own clock readings: no sleeps, no wall time.
const queue_delay_meter::clock::time_point t0{std::chrono::seconds{1000}};

} // namespace

CAF_TEST(nothing in flight means no delay) {
  queue_delay_meter m;
  CAF_CHECK_EQUAL(m.in_flight(), 0);
  CAF_CHECK(m.estimate(t0) == 0ms);
  m.on_send(t0);
  m.on_reply(t0 + 900ms, 900ms); // a slow reply, but the connection is idle again
  CAF_CHECK_EQUAL(m.in_flight(), 0);
  CAF_CHECK(m.estimate(t0 + 2s) == 0ms);
}

CAF_TEST(a command without an answer ages from its send) {
  queue_delay_meter m;
  m.on_send(t0);
  CAF_CHECK(m.estimate(t0) == 0ms);
  CAF_CHECK(m.estimate(t0 + 250ms) == 250ms);
  m.on_send(t0 + 100ms); // joins the busy period: the oldest still sets the age
  CAF_CHECK(m.estimate(t0 + 700ms) == 700ms);
  CAF_CHECK_EQUAL(m.in_flight(), 2);
}

CAF_TEST(under a steady backlog the last reply latency is the delay) {
  queue_delay_meter m;
  // Replies keep coming, each 400 ms after its send: progress is recent, the backlog is not.
  for (int i = 0; i < 10; ++i)
    m.on_send(t0 + std::chrono::milliseconds{i});
  m.on_reply(t0 + 400ms, 400ms);
  CAF_CHECK(m.estimate(t0 + 401ms) == 400ms);
  m.on_reply(t0 + 402ms, 401ms);
  CAF_CHECK(m.estimate(t0 + 402ms) == 401ms);
  CAF_CHECK_EQUAL(m.in_flight(), 8);
}

CAF_TEST(a stall grows past the last latency) {
  queue_delay_meter m;
  m.on_send(t0);
  m.on_send(t0);
  m.on_reply(t0 + 5ms, 5ms);
  // Redis stops answering: the time since the last reply takes over from the 5 ms latency.
  CAF_CHECK(m.estimate(t0 + 5ms) == 5ms);
  CAF_CHECK(m.estimate(t0 + 1005ms) == 1000ms);
}

CAF_TEST(a new busy period forgets the last one) {
  queue_delay_meter m;
  m.on_send(t0);
  m.on_reply(t0 + 2s, 2s); // a backlog that has drained
  m.on_send(t0 + 3s);
  CAF_CHECK(m.estimate(t0 + 3s + 10ms) == 10ms); // not 2 s
}

CAF_TEST(a reply without a send does not wrap the count) {
  queue_delay_meter m;
  m.on_reply(t0, 1ms);
  CAF_CHECK_EQUAL(m.in_flight(), 0);
  CAF_CHECK(m.estimate(t0 + 1s) == 0ms);
  m.on_send(t0 + 1s);
  CAF_CHECK_EQUAL(m.in_flight(), 1);
}
