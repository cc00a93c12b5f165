#define CAF_SUITE storage_sentinel
// Redis Sentinel support (issue #26): the sentinel list and +switch-master parsers, and a
// redis_client with a master locator against two real redis-servers this test starts (skipped when
// redis-server is not installed): a server that is a replica is left after ROLE, a master turned
// replica (READONLY) sends the client to the new master, relocate() moves it at once.
#include "caf/test/unit_test.hpp"

#include <atomic>
#include <future>
#include <mutex>
#include <thread>

#include <boost/asio/post.hpp>

#include "redis_test_server.hpp"
#include "storage/sentinel_locator.hpp"

using namespace chat::storage;
using namespace std::chrono_literals;
using chat::test::redis_fixture;

namespace {

/// A locator that names the master it is told to, and counts the suspicions it gets.
struct fake_locator final : master_locator {
  explicit fake_locator(boost::asio::io_context& ioc) : ioc_(ioc) {}

  void set(master_address m) {
    std::lock_guard<std::mutex> lock(mutex_);
    master_ = std::move(m);
  }
  void locate(located done) override {
    master_address m;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      m = master_;
    }
    ++asked;
    boost::asio::post(ioc_, [done = std::move(done), m] { done(m.port != 0, m); });
  }
  void suspect(const master_address&) override { ++suspicions; }

  std::atomic<int> asked{0};
  std::atomic<int> suspicions{0};

private:
  boost::asio::io_context& ioc_;
  std::mutex mutex_;
  master_address master_;
};

redis_reply call(redis_client& c, std::vector<std::string> argv) {
  auto p = std::make_shared<std::promise<redis_reply>>();
  auto f = p->get_future();
  c.command(std::move(argv), [p](redis_reply r) { p->set_value(std::move(r)); });
  if (f.wait_for(10s) != std::future_status::ready)
    CAF_FAIL("no answer from Redis");
  return f.get();
}

/// Polls `pred` for up to 10 s.
template <class Pred>
bool eventually(Pred pred) {
  for (int i = 0; i < 200; ++i) {
    if (pred())
      return true;
    std::this_thread::sleep_for(50ms);
  }
  return pred();
}

/// The port of the server `c` is connected to (INFO server's tcp_port).
int server_port(redis_client& c) {
  auto r = call(c, {"CONFIG", "GET", "port"});
  if (!r.is_array() || r.elements.size() != 2)
    return -1;
  return std::stoi(r.elements[1].str);
}

} // namespace

CAF_TEST(sentinel lists) {
  std::vector<redis_endpoint> eps;
  std::string err;
  CAF_REQUIRE(parse_sentinel_list("10.0.0.1:26379, sentinel-b:5000,[::1]:7,sentinel-c", eps, err));
  CAF_REQUIRE_EQUAL(eps.size(), 4u);
  CAF_CHECK_EQUAL(eps[0].host, "10.0.0.1");
  CAF_CHECK_EQUAL(eps[0].port, 26379);
  CAF_CHECK_EQUAL(eps[1].host, "sentinel-b");
  CAF_CHECK_EQUAL(eps[1].port, 5000);
  CAF_CHECK_EQUAL(eps[2].host, "::1");
  CAF_CHECK_EQUAL(eps[2].port, 7);
  CAF_CHECK_EQUAL(eps[3].port, 26379); // the sentinels' default port
  for (const char* bad : {"", "a:0", "a:99999", "a:1,", ",a:1", "a:1,,b:2", "a b:1", "[::1"}) {
    err.clear();
    CAF_CHECK(!parse_sentinel_list(bad, eps, err));
    CAF_CHECK(!err.empty());
  }
}

CAF_TEST(switch master payloads) {
  auto m = parse_switch_master("chat 10.0.0.1 6379 10.0.0.2 6380", "chat");
  CAF_REQUIRE(m.has_value());
  CAF_CHECK_EQUAL(m->host, "10.0.0.2");
  CAF_CHECK_EQUAL(m->port, 6380);
  CAF_CHECK(!parse_switch_master("other 10.0.0.1 6379 10.0.0.2 6380", "chat").has_value());
  CAF_CHECK(!parse_switch_master("chat 10.0.0.1 6379 10.0.0.2", "chat").has_value());
  CAF_CHECK(!parse_switch_master("chat 10.0.0.1 6379 10.0.0.2 x", "chat").has_value());
  CAF_CHECK(!parse_switch_master("", "chat").has_value());
}

CAF_TEST(a located client follows the master across a role swap) {
  redis_fixture a, b;
  if (!a.start() || !b.start()) {
    CAF_MESSAGE("redis-server not available: skipped");
    return;
  }
  const master_address at_a{"127.0.0.1", static_cast<std::uint16_t>(a.port)};
  const master_address at_b{"127.0.0.1", static_cast<std::uint16_t>(b.port)};
  CAF_REQUIRE(a.raw({"SET", "k", "from-a"}).ok());
  CAF_REQUIRE(b.raw({"REPLICAOF", "127.0.0.1", std::to_string(a.port)}).ok());

  // Told "b" first: b is a replica, so ROLE makes the client leave it and report it.
  auto loc = std::make_shared<fake_locator>(a.ioc);
  loc->set(at_b);
  redis_endpoint ep; // host and port unused with a locator
  ep.port = 1;
  auto c = redis_client::create(a.ioc, ep, nullptr, "command");
  c->set_locator(loc);
  c->start();
  CAF_CHECK(eventually([&] { return loc->suspicions.load() >= 1; }));
  CAF_CHECK(!c->connected());
  loc->set(at_a);
  CAF_REQUIRE(eventually([&] { return c->connected(); }));
  CAF_CHECK_EQUAL(server_port(*c), a.port);

  // The roles swap (what a failover does); the client's next write meets READONLY on a.
  CAF_REQUIRE(b.raw({"REPLICAOF", "NO", "ONE"}).ok());
  CAF_REQUIRE(a.raw({"REPLICAOF", "127.0.0.1", std::to_string(b.port)}).ok());
  loc->set(at_b);
  const int suspected = loc->suspicions.load();
  auto r = call(*c, {"SET", "k", "written"});
  CAF_CHECK(r.is_error() && r.error_starts_with("READONLY"));
  CAF_CHECK(eventually([&] { return loc->suspicions.load() > suspected; }));
  CAF_REQUIRE(eventually([&] { return c->connected() && server_port(*c) == b.port; }));
  CAF_CHECK(call(*c, {"SET", "k", "written"}).ok());

  // relocate() moves a connected client at once (a +switch-master), and is a no-op for the same server.
  CAF_REQUIRE(a.raw({"REPLICAOF", "NO", "ONE"}).ok());
  const int asked = loc->asked.load();
  c->relocate(at_b);
  std::this_thread::sleep_for(200ms);
  CAF_CHECK_EQUAL(loc->asked.load(), asked); // already there: no reconnect
  loc->set(at_a);
  c->relocate(at_a);
  CAF_REQUIRE(eventually([&] { return c->connected() && server_port(*c) == a.port; }));
  CAF_CHECK(call(*c, {"SET", "k", "again"}).ok());
  c->stop();
}
