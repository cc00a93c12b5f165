#define CAF_SUITE net_loops

#include "caf/test/unit_test.hpp"

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "net/io_loops.hpp"
#include "net/wake_queue.hpp"

using namespace chat::net;

namespace {

/// Counts its wake-ups; optionally queues another connection from inside its own wake-up.
struct counter : wakeable {
  std::atomic<int> woken{0};
  wake_queue* requeue = nullptr;
  std::shared_ptr<wakeable> next;
  void wake() override {
    ++woken;
    if (requeue != nullptr && next)
      requeue->wake(std::exchange(next, nullptr));
  }
};

std::vector<std::shared_ptr<counter>> make_counters(std::size_t n) {
  std::vector<std::shared_ptr<counter>> v;
  for (std::size_t i = 0; i < n; ++i)
    v.push_back(std::make_shared<counter>());
  return v;
}

} // namespace

CAF_TEST(wake_queue_wakes_every_connection_with_one_posted_drain) {
  boost::asio::io_context ioc{1};
  auto q = std::make_shared<wake_queue>(ioc.get_executor());
  auto cs = make_counters(10);
  for (auto& c : cs)
    q->wake(c);
  for (auto& c : cs)
    CAF_CHECK_EQUAL(c->woken.load(), 0); // nothing runs before the loop does
  CAF_CHECK_EQUAL(ioc.poll(), 1u);       // ten connections, one handler
  for (auto& c : cs)
    CAF_CHECK_EQUAL(c->woken.load(), 1);
  // The next burst posts again.
  q->wake(cs[3]);
  ioc.restart();
  CAF_CHECK_EQUAL(ioc.poll(), 1u);
  CAF_CHECK_EQUAL(cs[3]->woken.load(), 2);
  CAF_CHECK_EQUAL(cs[4]->woken.load(), 1);
}

CAF_TEST(wake_queue_splits_a_large_fan_out_into_two_handlers) {
  boost::asio::io_context ioc{1};
  auto q = std::make_shared<wake_queue>(ioc.get_executor());
  auto cs = make_counters(wake_queue::kChunk * 3);
  for (auto& c : cs)
    q->wake(c);
  CAF_CHECK_EQUAL(ioc.poll(), 2u); // the drain, and the half it handed to a second handler
  for (auto& c : cs)
    CAF_CHECK_EQUAL(c->woken.load(), 1);
}

CAF_TEST(wake_queue_takes_wakes_queued_during_a_drain_in_the_next_one) {
  boost::asio::io_context ioc{1};
  auto q = std::make_shared<wake_queue>(ioc.get_executor());
  auto a = std::make_shared<counter>();
  auto b = std::make_shared<counter>();
  a->requeue = q.get();
  a->next = b;
  q->wake(a);
  CAF_CHECK_EQUAL(ioc.poll(), 2u);
  CAF_CHECK_EQUAL(a->woken.load(), 1);
  CAF_CHECK_EQUAL(b->woken.load(), 1);
}

CAF_TEST(wake_queue_from_many_threads_loses_no_wake) {
  boost::asio::io_context ioc{1};
  auto q = std::make_shared<wake_queue>(ioc.get_executor());
  auto guard = boost::asio::make_work_guard(ioc);
  std::thread loop{[&] { ioc.run(); }};
  constexpr int kThreads = 4;
  constexpr int kRounds = 2000;
  auto cs = make_counters(kThreads);
  std::vector<std::thread> producers;
  for (int t = 0; t < kThreads; ++t)
    producers.emplace_back([&, t] {
      for (int i = 0; i < kRounds; ++i)
        q->wake(cs[static_cast<std::size_t>(t)]);
    });
  for (auto& p : producers)
    p.join();
  guard.reset(); // run() returns once every drain those wakes posted has run
  loop.join();
  for (auto& c : cs)
    CAF_CHECK_EQUAL(c->woken.load(), kRounds);
}

CAF_TEST(io_loops_spread_round_robin_and_know_their_contexts) {
  io_loops loops{3};
  CAF_CHECK_EQUAL(loops.size(), 3u);
  CAF_CHECK(&loops.main() == &loops.at(0));
  CAF_CHECK(&loops.next() == &loops.at(0));
  CAF_CHECK(&loops.next() == &loops.at(1));
  CAF_CHECK(&loops.next() == &loops.at(2));
  CAF_CHECK(&loops.next() == &loops.at(0));
  CAF_CHECK_EQUAL(loops.index_of(loops.at(2)), 2u);
  boost::asio::io_context other{1};
  CAF_CHECK_EQUAL(loops.index_of(other), 3u); // none of them
  CAF_CHECK_EQUAL(io_loops{0}.size(), 1u);    // at least one loop
}

CAF_TEST(io_loops_run_until_released_then_poll_what_remains) {
  io_loops loops{2};
  std::atomic<int> ran{0};
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < loops.size(); ++i)
    threads.emplace_back([&loops, i] { loops.at(i).run(); });
  for (std::size_t i = 0; i < loops.size(); ++i)
    boost::asio::post(loops.at(i), [&] { ++ran; });
  loops.release(); // the runs return once their work is done
  for (auto& t : threads)
    t.join();
  CAF_CHECK_EQUAL(ran.load(), 2);
  // Work queued after the threads are gone runs in poll_remaining().
  boost::asio::post(loops.at(1), [&] { boost::asio::post(loops.at(0), [&] { ++ran; }); });
  loops.poll_remaining();
  CAF_CHECK_EQUAL(ran.load(), 3);
}
