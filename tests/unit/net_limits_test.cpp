#define CAF_SUITE net_limits
#include "caf/test/unit_test.hpp"

// Per-user limits (issue 20.4): the GET /rooms/public query and page shape, and the limit errors
// in the one error table (wire code, HTTP status) and their mapping from store outcomes.

#include <string>

#include "actors/chat_service.hpp"
#include "common/error.hpp"
#include "net/channel_query.hpp"

using namespace chat;
using namespace chat::net;

namespace {

query_params params(std::initializer_list<std::pair<const char*, const char*>> kv) {
  query_params q;
  for (const auto& [k, v] : kv)
    q.emplace(k, v);
  return q;
}

bool refused(const query_params& q) {
  std::string why;
  auto r = parse_channel_request(q, why);
  return !r && !why.empty();
}

} // namespace

CAF_TEST(no_paging_parameter_means_the_old_unpaged_array) {
  std::string why;
  auto r = parse_channel_request(params({}), why);
  CAF_REQUIRE(r);
  CAF_CHECK(r->legacy);
  CAF_CHECK_EQUAL(r->page.limit, channel_legacy_limit);
  // Other parameters do not switch to pages.
  r = parse_channel_request(params({{"x", "1"}}), why);
  CAF_REQUIRE(r);
  CAF_CHECK(r->legacy);
}

CAF_TEST(paging_parameters) {
  std::string why;
  auto r = parse_channel_request(params({{"limit", "7"}, {"after", "42"}, {"q", "  Dev  "}}), why);
  CAF_REQUIRE(r);
  CAF_CHECK(!r->legacy);
  CAF_CHECK_EQUAL(r->page.limit, 7);
  CAF_CHECK_EQUAL(r->page.after, "42");
  CAF_CHECK_EQUAL(r->page.prefix, "Dev"); // trimmed; the store lower-cases it
  r = parse_channel_request(params({{"after", ""}}), why);
  CAF_REQUIRE(r);
  CAF_CHECK(!r->legacy);
  CAF_CHECK_EQUAL(r->page.limit, channel_page_default);
  CAF_CHECK(r->page.after.empty());
  r = parse_channel_request(params({{"q", "\xC3\xA9t\xC3\xA9"}}), why); // UTF-8 is fine
  CAF_REQUIRE(r);
  CAF_CHECK_EQUAL(r->page.prefix, "\xC3\xA9t\xC3\xA9");
  r = parse_channel_request(params({{"limit", "100"}}), why);
  CAF_REQUIRE(r);
  CAF_CHECK_EQUAL(r->page.limit, channel_page_max);
}

CAF_TEST(bad_paging_parameters_are_refused) {
  CAF_CHECK(refused(params({{"limit", "0"}})));
  CAF_CHECK(refused(params({{"limit", "101"}})));
  CAF_CHECK(refused(params({{"limit", "-1"}})));
  CAF_CHECK(refused(params({{"limit", "5x"}})));
  CAF_CHECK(refused(params({{"limit", ""}})));
  CAF_CHECK(refused(params({{"after", "abc"}})));
  CAF_CHECK(refused(params({{"after", "0"}})));   // General is no channel
  CAF_CHECK(refused(params({{"after", "1:2"}}))); // nor is a DM
  CAF_CHECK(refused(params({{"q", std::string(65, 'x').c_str()}})));
  CAF_CHECK(refused(params({{"q", "a\x01"}})));
  CAF_CHECK(refused(params({{"q", "\xC3"}}))); // not UTF-8
  CAF_CHECK(!refused(params({{"q", std::string(64, 'x').c_str()}})));
}

CAF_TEST(page_json) {
  storage::channel_page page;
  page.channels.push_back(storage::channel_info{"3", "Dev", 2, true});
  page.next = "3";
  CAF_CHECK_EQUAL(channel_page_json(page),
                  R"({"channels":[{"id":"3","name":"Dev","members":2,"joined":true}],"next":"3"})");
  page.channels.clear();
  page.next.clear();
  CAF_CHECK_EQUAL(channel_page_json(page), R"({"channels":[],"next":null})");
}

CAF_TEST(limit_errors_in_the_table) {
  CAF_CHECK_EQUAL(info(error::too_many_rooms).code, "too_many_rooms");
  CAF_CHECK_EQUAL(info(error::too_many_rooms).http_status, 403u);
  CAF_CHECK_EQUAL(info(error::too_many_connections).code, "too_many_connections");
  CAF_CHECK_EQUAL(info(error::too_many_connections).http_status, 429u);
  CAF_CHECK_EQUAL(info(error::internal).code, "internal"); // still the last row
  CAF_CHECK(actors::from_store(storage::errc::rate_limited) == std::error_code{error::rate_limited});
  CAF_CHECK(actors::from_store(storage::errc::too_many_rooms) == std::error_code{error::too_many_rooms});
  CAF_CHECK(actors::from_store(storage::errc::too_many_connections) == std::error_code{error::too_many_connections});
  CAF_CHECK_EQUAL(std::string{storage::to_string(storage::errc::too_many_rooms)}, "too_many_rooms");
}
