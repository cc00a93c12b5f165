#define CAF_SUITE net_outbound_queue

#include "caf/test/unit_test.hpp"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "actors/client_sink.hpp"
#include "metrics/node_metrics.hpp"
#include "net/outbound_queue.hpp"

using namespace chat::net;
using chat::actors::frame_ptr;
using chat::actors::make_frame;
using chat::actors::push_result;
using chat::metrics::node_metrics;
using chat::metrics::transport;

namespace {

/// A WebSocket-like item: a shared frame, maybe a chat message.
struct item {
  frame_ptr frame;
  bool is_message = false;
  bool local = false;
  bool message() const noexcept { return is_message; }
  bool counted() const noexcept { return !local; }
};

/// Counts the flushes the queue asks for.
struct hooks : outbound_hooks {
  std::atomic<int> wanted{0};
  void flush_wanted() override { ++wanted; }
};

struct fixture {
  node_metrics metrics{"test", "0", "none"};
  hooks h;
  outbound_queue<item> q{8, h, metrics, transport::ws};

  /// Admits and enqueues a frame, as a sink does.
  push_result offer(std::string text, bool message = false) {
    auto r = q.admit(!message);
    if (r == push_result::queued)
      q.enqueue({make_frame(std::move(text)), message});
    return r;
  }

  double written(transport t = transport::ws) { return metrics.events_written(t).Value(); }
  double writes(transport t = transport::ws) { return metrics.socket_writes(t).Value(); }
  double delivered(transport t = transport::ws) { return metrics.messages_delivered(t).Value(); }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(outbound_queue_tests, fixture)

CAF_TEST(one_flush_per_burst) {
  CAF_CHECK(offer("a") == push_result::queued);
  CAF_CHECK(offer("b", true) == push_result::queued);
  CAF_CHECK(offer("c") == push_result::queued);
  CAF_CHECK_EQUAL(h.wanted.load(), 1); // the burst rides along with the first flush
  CAF_CHECK_EQUAL(q.pending(), 3u);
  CAF_CHECK(q.flush(true));
  CAF_CHECK_EQUAL(q.waiting(), 3u);
  CAF_CHECK(offer("d") == push_result::queued);
  CAF_CHECK_EQUAL(h.wanted.load(), 2); // after a flush, the next item asks again
  CAF_CHECK_EQUAL(q.pending(), 4u);
}

CAF_TEST(batch_joins_frames_and_counts_once_written) {
  offer("a");
  offer("bb", true);
  offer("ccc", true);
  CAF_REQUIRE(q.flush(true));
  auto batch = q.take_batch(64, 64 * 1024, "\n");
  CAF_CHECK_EQUAL(std::string{batch}, "a\nbb\nccc");
  CAF_CHECK_EQUAL(q.waiting(), 0u);
  CAF_CHECK_EQUAL(q.in_flight(), 3u);
  CAF_CHECK_EQUAL(q.depth(), 3u); // slots are held until the write completes
  q.written(true);
  CAF_CHECK_EQUAL(q.depth(), 0u);
  CAF_CHECK_EQUAL(q.in_flight(), 0u);
  CAF_CHECK_EQUAL(writes(), 1.0);
  CAF_CHECK_EQUAL(written(), 3.0);
  CAF_CHECK_EQUAL(delivered(), 2.0);
}

CAF_TEST(batch_bounds_frames_and_bytes) {
  for (int i = 0; i < 5; ++i)
    offer(std::string(10, static_cast<char>('a' + i)), true);
  q.flush(true);
  // Frames: at most 2.
  CAF_CHECK_EQUAL(std::string{q.take_batch(2, 1000, "\n")}, "aaaaaaaaaa\nbbbbbbbbbb");
  q.written(true);
  // Bytes: 10 + 1 + 10 = 21 fits 21, a third would not.
  CAF_CHECK_EQUAL(q.take_batch(64, 21, "\n").size(), 21u);
  q.written(true);
  CAF_CHECK_EQUAL(q.waiting(), 1u);
  // The first item is always taken, even when larger than the bound.
  CAF_CHECK_EQUAL(q.take_batch(64, 4, "\n").size(), 10u);
  q.written(true);
  CAF_CHECK_EQUAL(q.depth(), 0u);
  CAF_CHECK_EQUAL(writes(), 3.0);
  CAF_CHECK_EQUAL(written(), 5.0);
}

CAF_TEST(take_one_shares_the_frame) {
  auto f = make_frame("hello");
  CAF_REQUIRE(q.admit(false) == push_result::queued);
  q.enqueue({f, true});
  q.flush(true);
  const std::string& body = q.take_one();
  CAF_CHECK_EQUAL(&body, f.get()); // no copy
  CAF_CHECK_EQUAL(f.use_count(), 2); // held until written
  q.written(true);
  CAF_CHECK_EQUAL(f.use_count(), 1);
  CAF_CHECK_EQUAL(delivered(), 1.0);
}

CAF_TEST(a_failed_write_returns_slots_and_counts_nothing) {
  offer("a", true);
  offer("b", true);
  q.flush(true);
  q.take_batch(64, 1024, "\n");
  q.written(false);
  CAF_CHECK_EQUAL(q.depth(), 0u);
  CAF_CHECK_EQUAL(writes(), 0.0);
  CAF_CHECK_EQUAL(delivered(), 0.0);
}

CAF_TEST(a_closed_connection_drops_what_waits) {
  offer("a");
  offer("b", true);
  CAF_CHECK(!q.flush(false)); // not open (handshake or closing): dropped, slots back
  CAF_CHECK_EQUAL(q.waiting(), 0u);
  CAF_CHECK_EQUAL(q.depth(), 0u);
  offer("c");
  offer("d");
  q.flush(true);
  q.take_batch(1, 1024, "\n");
  q.drop_waiting(); // a close while writing: the write in flight keeps its slot
  CAF_CHECK_EQUAL(q.depth(), 1u);
  q.written(true);
  CAF_CHECK_EQUAL(q.depth(), 0u);
}

CAF_TEST(gate_drops_ephemeral_at_half_and_refuses_messages_when_full) {
  for (int i = 0; i < 4; ++i)
    CAF_CHECK(offer("e") == push_result::queued);
  CAF_CHECK(offer("e") == push_result::dropped); // half of 8
  for (int i = 0; i < 4; ++i)
    CAF_CHECK(offer("m", true) == push_result::queued);
  CAF_CHECK(offer("m", true) == push_result::full); // the connection must be cut
  q.flush(true);
  q.take_batch(64, 1024, "\n");
  q.written(true);
  CAF_CHECK(offer("m", true) == push_result::queued);
}

CAF_TEST(local_items_are_not_gated) {
  offer("a");
  q.flush(true);
  q.push_local({make_frame("keep-alive"), false, true});
  CAF_CHECK_EQUAL(q.depth(), 1u);
  CAF_CHECK_EQUAL(std::string{q.take_batch(64, 1024, "|")}, "a|keep-alive");
  q.written(true);
  CAF_CHECK_EQUAL(q.depth(), 0u); // one slot released, not two
  CAF_CHECK_EQUAL(written(), 2.0);
  q.push_local({make_frame("x"), false, true});
  q.drop_waiting();
  CAF_CHECK_EQUAL(q.depth(), 0u);
}

CAF_TEST(render_adds_per_connection_bytes_and_counts_them_in_the_bound) {
  offer("1", true);
  offer("2", true);
  offer("3", true);
  q.flush(true);
  std::string head;
  int renders = 0;
  auto render = [&](item& it) {
    ++renders;
    head = "id: " + std::to_string(renders) + "\ndata: ";
    return outbound_parts{head, *it.frame, "\n\n"};
  };
  // Each event is 15 bytes: two fit 30, the third is rendered and left for the next write.
  auto batch = q.take_batch(64, 30, {}, render);
  CAF_CHECK_EQUAL(std::string{batch}, "id: 1\ndata: 1\n\nid: 2\ndata: 2\n\n");
  CAF_CHECK_EQUAL(renders, 3);
  q.written(true);
  CAF_CHECK_EQUAL(std::string{q.take_batch(64, 30, {}, render)}, "id: 4\ndata: 3\n\n");
  q.written(true);
  CAF_CHECK_EQUAL(written(), 3.0);
  CAF_CHECK_EQUAL(writes(), 2.0);
}

CAF_TEST(items_queued_while_writing_follow_in_order) {
  for (int i = 0; i < 3; ++i)
    offer(std::to_string(i), true);
  q.flush(true);
  q.take_batch(1, 1024, ","); // "0" in flight, "1" and "2" wait
  offer("3", true);
  offer("4", true);
  CAF_CHECK(q.flush(true));
  CAF_CHECK_EQUAL(std::string{q.take_batch(64, 1024, ",")}, "1,2,3,4");
  q.written(true);
  q.written(true);
  CAF_CHECK_EQUAL(q.depth(), 0u);
}

CAF_TEST(a_long_backlog_is_compacted_and_released_when_dry) {
  outbound_queue<item> big{1000, h, metrics, transport::ws};
  auto put = [&](const char* text) {
    CAF_REQUIRE(big.admit(false) == push_result::queued);
    big.enqueue({make_frame(text), true});
  };
  // More than the kept capacity, written one at a time while more keep coming: the written
  // prefix is dropped on the way, the order stays.
  std::string order;
  for (int round = 0; round < 50; ++round) {
    put(round % 2 == 0 ? "a" : "b");
    put(round % 2 == 0 ? "c" : "d");
    big.flush(true);
    order += big.take_one();
    big.written(true);
  }
  CAF_CHECK_EQUAL(big.waiting(), 50u);
  while (big.waiting() > 0) {
    order += big.take_batch(7, 1024, {});
    big.written(true);
  }
  std::string expected;
  for (int round = 0; round < 50; ++round)
    expected += round % 2 == 0 ? "ac" : "bd";
  CAF_CHECK_EQUAL(order, expected);
  big.release_idle(false);
  CAF_CHECK_EQUAL(big.depth(), 0u);
  CAF_CHECK_EQUAL(delivered(), 100.0);
}

CAF_TEST(enqueue_from_many_threads_while_the_loop_flushes_loses_nothing) {
  constexpr int threads = 4;
  constexpr int per_thread = 2000;
  node_metrics m{"test", "0", "none"};
  hooks hk;
  outbound_queue<item> big{threads * per_thread, hk, m, transport::sse};
  std::atomic<int> running{threads};
  std::vector<std::thread> producers;
  for (int t = 0; t < threads; ++t)
    producers.emplace_back([&] {
      for (int i = 0; i < per_thread; ++i)
        if (big.admit(false) == push_result::queued)
          big.enqueue({make_frame("m"), true});
      --running;
    });
  // This thread is the connection's loop.
  std::size_t total = 0;
  int flushes = 0;
  for (;;) {
    const bool last = running.load() == 0; // every put is done before this flush
    if (big.flush(true))
      ++flushes;
    while (big.waiting() > 0) {
      total += big.take_batch(64, 64 * 1024, "\n").size() / 2 + 1;
      big.written(true);
    }
    if (last)
      break;
  }
  for (auto& p : producers)
    p.join();
  CAF_CHECK_EQUAL(total, static_cast<std::size_t>(threads * per_thread));
  CAF_CHECK_EQUAL(big.depth(), 0u);
  CAF_CHECK_EQUAL(m.messages_delivered(transport::sse).Value(), threads * per_thread * 1.0);
  CAF_CHECK(hk.wanted.load() >= 1);
  CAF_CHECK(hk.wanted.load() <= flushes + 1); // at most one request per flush
}

CAF_TEST_FIXTURE_SCOPE_END()
