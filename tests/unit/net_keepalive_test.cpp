#define CAF_SUITE net_keepalive

#include "caf/test/unit_test.hpp"

#include <functional>
#include <memory>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "net/keepalive.hpp"

// The per-loop keep-alive timer: every registered connection is swept each period, leaving keeps
// the others' slots right, and nothing stays pending on the loop once the last one has left (a
// node shutting down must not wait for a sweep). Handlers run one at a time (run_one): no clocks
// are asserted, only what each sweep did.

using namespace chat::net;

namespace {

struct target : keepalive_target {
  int sweeps = 0;
  std::size_t slot = 0;
  std::function<void()> during_sweep;
  void keepalive_sweep() override {
    ++sweeps;
    if (during_sweep)
      during_sweep();
  }
};

struct fixture {
  boost::asio::io_context ioc{1};
  std::shared_ptr<keepalive_timer> ka = std::make_shared<keepalive_timer>(ioc.get_executor(), std::chrono::milliseconds{1});

  std::shared_ptr<target> add() {
    auto t = std::make_shared<target>();
    ka->add(t, &t->slot);
    return t;
  }
  /// Runs the next handler (the timer's sweep), waiting for it.
  void sweep_once() { CAF_REQUIRE_EQUAL(ioc.run_one(), 1u); }
  /// True when nothing is pending on the loop any more.
  bool idle() {
    ioc.restart();
    ioc.poll();
    return ioc.stopped();
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(keepalive_tests, fixture)

CAF_TEST(every_registered_connection_is_swept_each_period) {
  auto a = add();
  auto b = add();
  sweep_once();
  sweep_once();
  sweep_once();
  CAF_CHECK_EQUAL(a->sweeps, 3);
  CAF_CHECK_EQUAL(b->sweeps, 3);
  CAF_CHECK_EQUAL(ka->size(), 2u);
}

CAF_TEST(leaving_keeps_the_other_slots_right) {
  auto a = add();
  auto b = add();
  auto c = add();
  CAF_CHECK_EQUAL(a->slot, 0u);
  CAF_CHECK_EQUAL(c->slot, 2u);
  ka->remove(a->slot); // c moves into slot 0
  CAF_CHECK_EQUAL(c->slot, 0u);
  CAF_CHECK_EQUAL(b->slot, 1u);
  ka->remove(c->slot);
  CAF_CHECK_EQUAL(b->slot, 0u);
  sweep_once();
  CAF_CHECK_EQUAL(a->sweeps, 0);
  CAF_CHECK_EQUAL(b->sweeps, 1);
  CAF_CHECK_EQUAL(c->sweeps, 0);
}

CAF_TEST(nothing_stays_pending_once_the_last_connection_left) {
  auto a = add();
  auto b = add();
  sweep_once();
  ka->remove(a->slot);
  CAF_CHECK(!idle()); // b is still watched: the timer is armed
  ka->remove(b->slot);
  CAF_CHECK(idle());  // cancelled: a loop with no connections has no pending keep-alive
  auto c = add();     // and a new connection arms it again
  CAF_CHECK(!idle());
  sweep_once();
  CAF_CHECK_EQUAL(c->sweeps, 1);
}

CAF_TEST(a_connection_may_leave_during_its_own_sweep) {
  auto a = add();
  auto b = add();
  auto c = add();
  b->during_sweep = [&] { ka->remove(b->slot); };
  sweep_once();
  CAF_CHECK_EQUAL(a->sweeps, 1);
  CAF_CHECK_EQUAL(b->sweeps, 1);
  CAF_CHECK_EQUAL(c->sweeps, 1); // swept once each, none twice, none skipped
  CAF_CHECK_EQUAL(ka->size(), 2u);
  sweep_once();
  CAF_CHECK_EQUAL(a->sweeps, 2);
  CAF_CHECK_EQUAL(b->sweeps, 1);
  CAF_CHECK_EQUAL(c->sweeps, 2);
}

CAF_TEST(a_connection_destroyed_without_leaving_is_dropped_at_the_next_sweep) {
  auto a = add();
  auto b = add();
  b.reset(); // e.g. its last reference went away on another thread
  sweep_once();
  CAF_CHECK_EQUAL(ka->size(), 1u);
  CAF_CHECK_EQUAL(a->slot, 0u);
  a.reset();
  sweep_once(); // drops a too; with nobody left the timer is not armed again
  CAF_CHECK_EQUAL(ka->size(), 0u);
  CAF_CHECK(idle());
}

CAF_TEST_FIXTURE_SCOPE_END()
