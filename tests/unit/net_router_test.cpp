#define CAF_SUITE net_router
#include "caf/test/unit_test.hpp"

#include <string>

#include "net/router.hpp"

using namespace chat::net;

namespace {

struct fixture {
  fixture() {
    auto h = [](const std::shared_ptr<exchange>&) {};
    r.add(http_method::get, "/rooms/{userId}", h);
    r.add(http_method::get, "/rooms/public", h);
    r.add(http_method::post, "/rooms", h);
    r.add(http_method::post, "/rooms/{id}/join", h);
    r.add(http_method::get, "/room/{id}/messages", h);
    r.add(http_method::post, "/room/{id}/messages", h);
    r.add(http_method::get, "/me", h);
  }
  router r;
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(net_router_tests, fixture)

CAF_TEST(literal routes match) {
  auto m = r.match(http_method::get, "/me");
  CAF_CHECK(m.result == router::outcome::found);
  CAF_CHECK_EQUAL(std::string{m.pattern}, "/me");
  CAF_CHECK(m.handler != nullptr);
  CAF_CHECK(m.params.empty());
}

CAF_TEST(parameters are extracted and decoded) {
  auto m = r.match(http_method::get, "/room/1%3A2/messages");
  CAF_REQUIRE(m.result == router::outcome::found);
  CAF_CHECK_EQUAL(std::string{m.pattern}, "/room/{id}/messages");
  CAF_REQUIRE_EQUAL(m.params.size(), 1u);
  CAF_CHECK_EQUAL(std::string{m.params[0].first}, "id");
  CAF_CHECK_EQUAL(m.params[0].second, "1:2");
}

CAF_TEST(literal segments beat parameters) {
  auto m = r.match(http_method::get, "/rooms/public");
  CAF_REQUIRE(m.result == router::outcome::found);
  CAF_CHECK_EQUAL(std::string{m.pattern}, "/rooms/public");
  auto u = r.match(http_method::get, "/rooms/17");
  CAF_REQUIRE(u.result == router::outcome::found);
  CAF_CHECK_EQUAL(std::string{u.pattern}, "/rooms/{userId}");
  CAF_CHECK_EQUAL(u.params[0].second, "17");
}

CAF_TEST(unknown paths are 404) {
  CAF_CHECK(r.match(http_method::get, "/nope").result == router::outcome::not_found);
  CAF_CHECK(r.match(http_method::get, "/room//messages").result == router::outcome::not_found);
  CAF_CHECK(r.match(http_method::get, "/me/").result == router::outcome::not_found);
  CAF_CHECK(r.match(http_method::get, "/room/1/messages/x").result == router::outcome::not_found);
  CAF_CHECK(r.match(http_method::get, "/").result == router::outcome::not_found);
}

CAF_TEST(wrong method is 405 with Allow) {
  auto m = r.match(http_method::del, "/room/3/messages");
  CAF_REQUIRE(m.result == router::outcome::method_not_allowed);
  CAF_CHECK_EQUAL(std::string{m.pattern}, "/room/{id}/messages");
  CAF_CHECK_EQUAL(m.allow, "GET, HEAD, POST");
  auto p = r.match(http_method::post, "/rooms/public");
  CAF_REQUIRE(p.result == router::outcome::method_not_allowed);
  CAF_CHECK_EQUAL(p.allow, "GET, HEAD");
  auto g = r.match(http_method::get, "/rooms/5/join");
  CAF_REQUIRE(g.result == router::outcome::method_not_allowed);
  CAF_CHECK_EQUAL(g.allow, "POST");
}

CAF_TEST(head is served by get routes) {
  auto m = r.match(http_method::head, "/me");
  CAF_CHECK(m.result == router::outcome::found);
}

CAF_TEST(split path) {
  CAF_CHECK(split_path("/").empty());
  CAF_CHECK(split_path("").empty());
  auto parts = split_path("/a/b/");
  CAF_REQUIRE_EQUAL(parts.size(), 3u);
  CAF_CHECK_EQUAL(std::string{parts[0]}, "a");
  CAF_CHECK_EQUAL(std::string{parts[1]}, "b");
  CAF_CHECK_EQUAL(std::string{parts[2]}, "");
}

CAF_TEST_FIXTURE_SCOPE_END()
