#define CAF_SUITE storage_room_events
#include "caf/test/unit_test.hpp"

#include <string>
#include <vector>

#include "storage/room_event_replies.hpp"

using namespace chat::storage;

namespace {

redis_reply str(std::string s) {
  redis_reply r;
  r.type = redis_reply::kind::string;
  r.str = std::move(s);
  return r;
}

redis_reply num(long long n) {
  redis_reply r;
  r.type = redis_reply::kind::integer;
  r.integer = n;
  return r;
}

redis_reply arr(std::vector<redis_reply> items) {
  redis_reply r;
  r.type = redis_reply::kind::array;
  r.elements = std::move(items);
  return r;
}

redis_reply err(std::string text) {
  redis_reply r;
  r.type = redis_reply::kind::error;
  r.str = std::move(text);
  return r;
}

} // namespace

CAF_TEST(the common event reply becomes a written event) {
  const std::string data = R"({"id":1764103286000,"roomId":"0","seq":1764103286123})";
  const std::string frame = R"({"type":"message.deleted","data":)" + data + "}";
  auto r = arr({str("ok"), num(1764103286123), num(1764103286000), str(data), str(frame), str("")});
  written_event ev;
  CAF_CHECK(parse_written_event(r, ev, "test") == errc::ok);
  CAF_CHECK_EQUAL(ev.seq, 1764103286123);
  CAF_CHECK_EQUAL(ev.prev, 1764103286000);
  CAF_CHECK_EQUAL(ev.data, data);
  CAF_CHECK_EQUAL(ev.frame, frame);
  CAF_CHECK_EQUAL(ev.audience, "");
  auto mine = arr({str("ok"), num(2), num(1), str("{}"), str("{}"), str("17")});
  CAF_CHECK(parse_written_event(mine, ev, "test") == errc::ok);
  CAF_CHECK_EQUAL(ev.audience, "17");
}

CAF_TEST(a reply with several events fills more in order) {
  auto r = arr({str("ok"), num(10), num(9), str("{\"id\":10}"), str("m"), str(""), num(11), num(10), str("{\"id\":7}"), str("u"),
                str("")});
  written_event ev;
  CAF_CHECK(parse_written_event(r, ev, "test") == errc::ok);
  CAF_CHECK_EQUAL(ev.seq, 10);
  CAF_REQUIRE_EQUAL(ev.more.size(), 1u);
  CAF_CHECK_EQUAL(ev.more[0].seq, 11);
  CAF_CHECK_EQUAL(ev.more[0].prev, 10);
  CAF_CHECK_EQUAL(ev.more[0].frame, "u");
  auto ragged = arr({str("ok"), num(10), num(9), str("{}"), str("m"), str(""), num(11)});
  written_event bad;
  CAF_CHECK(parse_written_event(ragged, bad, "test") == errc::internal);
  auto nested = str("invalid");
  CAF_CHECK(parse_written_event(nested, bad, "test") == errc::invalid);
}

CAF_TEST(an event log row for one user splits into its frame and audience) {
  std::string row = R"({"only":"17","type":"read","data":{"roomId":"3","userId":"17","id":5,"seq":6}})";
  std::string audience;
  CAF_CHECK(split_audience(row, audience));
  CAF_CHECK_EQUAL(audience, "17");
  CAF_CHECK_EQUAL(row, R"({"type":"read","data":{"roomId":"3","userId":"17","id":5,"seq":6}})");
  std::string plain = R"({"type":"message.deleted","data":{"id":1}})";
  std::string none;
  CAF_CHECK(split_audience(plain, none));
  CAF_CHECK_EQUAL(none, "");
  CAF_CHECK_EQUAL(plain, R"({"type":"message.deleted","data":{"id":1}})");
  for (std::string bad : {R"({"only":"17"})", R"({"only":"17)", R"({"only":"","type":"x"})"}) {
    std::string who;
    CAF_CHECK(!split_audience(bad, who));
  }
}

CAF_TEST(refusals and failures of an event script map to errc) {
  written_event ev;
  auto forbidden = str("forbidden");
  CAF_CHECK(parse_written_event(forbidden, ev, "test") == errc::forbidden);
  auto missing = str("not_found");
  CAF_CHECK(parse_written_event(missing, ev, "test") == errc::not_found);
  auto down = redis_reply::io_failure("gone");
  CAF_CHECK(parse_written_event(down, ev, "test") == errc::unavailable);
  auto oom = err("OOM command not allowed");
  CAF_CHECK(parse_written_event(oom, ev, "test") == errc::unavailable);
  auto script_error = err("ERR user_script:1: boom");
  CAF_CHECK(parse_written_event(script_error, ev, "test") == errc::internal);
  auto short_ok = arr({str("ok"), num(1), num(0), str("{}")});
  CAF_CHECK(parse_written_event(short_ok, ev, "test") == errc::internal);
  auto string_seq = arr({str("ok"), str("1"), num(0), str("{}"), str("{}"), str("")});
  CAF_CHECK(parse_written_event(string_seq, ev, "test") == errc::internal);
  CAF_CHECK_EQUAL(ev.seq, 0);
}

CAF_TEST(message frames wrap the normalised json) {
  std::string out;
  append_message_frame(out, R"({"id":1})");
  CAF_CHECK_EQUAL(out, R"({"type":"message","data":{"id":1}})");
}

CAF_TEST(replay rows merge messages and events in reply order) {
  const std::string edited = R"({"type":"message.updated","data":{"id":1700000000100,"roomId":"0","from":"1","date":1700000000,"message":"b","edited":1700000000300,"seq":1700000000300}})";
  auto r = arr({str("m"), str("1615480369"), str(R"({"from":3,"date":1615480369.52,"message":"tutorial","roomId":"0"})"),
                str("m"), str("1700000000100"), str(R"({"id":1700000000100,"roomId":"0","from":"1","date":1700000000,"message":"b","edited":1700000000300})"),
                str("m"), str("1700000000200"), str("not json"),
                str("e"), str("1700000000300"), str(edited),
                str("x"), str("1700000000400"), str("{}"),
                str("e"), str("nan"), str("{}")});
  std::vector<stored_event> out;
  std::int64_t skipped = 0;
  CAF_REQUIRE(parse_event_rows(r, "0", out, skipped));
  CAF_CHECK_EQUAL(skipped, 3);
  CAF_REQUIRE_EQUAL(out.size(), 3u);
  CAF_CHECK_EQUAL(out[0].id, 1615480369);
  CAF_CHECK_EQUAL(out[0].frame,
                  R"({"type":"message","data":{"id":1615480369,"roomId":"0","from":"3","date":1615480369,"message":"tutorial"}})");
  CAF_CHECK_EQUAL(out[1].id, 1700000000100);
  CAF_CHECK_EQUAL(out[1].frame,
                  R"({"type":"message","data":{"id":1700000000100,"roomId":"0","from":"1","date":1700000000,"message":"b","edited":1700000000300}})");
  CAF_CHECK_EQUAL(out[2].id, 1700000000300);
  CAF_CHECK_EQUAL(out[2].frame, edited);
}

CAF_TEST(replay and history replies of another shape are refused) {
  std::vector<stored_event> events;
  std::vector<stored_message> messages;
  std::int64_t skipped = 0;
  auto pairs = arr({str("m"), str("1")});
  CAF_CHECK(!parse_event_rows(pairs, "0", events, skipped));
  auto down = redis_reply::io_failure();
  CAF_CHECK(!parse_event_rows(down, "0", events, skipped));
  auto triple = arr({str("a"), str("1"), str("b")});
  CAF_CHECK(!parse_message_rows(triple, "0", messages, skipped));
  auto empty = arr({});
  CAF_CHECK(parse_event_rows(empty, "0", events, skipped) && events.empty());
  CAF_CHECK(parse_message_rows(empty, "0", messages, skipped) && messages.empty());
  CAF_CHECK_EQUAL(skipped, 0);
}

CAF_TEST(history rows serve messages and tombstones newest first) {
  auto r = arr({str(R"({"id":30,"roomId":"0","from":"1","date":3,"message":"c","edited":40})"), str("30"),
                str(R"({"id":20,"roomId":"0","from":"2","date":2,"deleted":true})"), str("20"),
                str("[]"), str("15"),
                str(R"({"from":1,"date":1,"message":"a"})"), str("10")});
  std::vector<stored_message> out;
  std::int64_t skipped = 0;
  CAF_REQUIRE(parse_message_rows(r, "0", out, skipped));
  CAF_CHECK_EQUAL(skipped, 1);
  CAF_REQUIRE_EQUAL(out.size(), 3u);
  CAF_CHECK_EQUAL(out[0].json, R"({"id":30,"roomId":"0","from":"1","date":3,"message":"c","edited":40})");
  CAF_CHECK_EQUAL(out[1].json, R"({"id":20,"roomId":"0","from":"2","date":2,"deleted":true})");
  CAF_CHECK_EQUAL(out[2].id, 10);
  CAF_CHECK_EQUAL(out[2].json, R"({"id":10,"roomId":"0","from":"1","date":1,"message":"a"})");
}
