#define CAF_SUITE ai_sse_parser

#include "caf/test/unit_test.hpp"

#include <string>
#include <vector>

#include "ai/json_lines.hpp"
#include "ai/sse_parser.hpp"

using namespace chat::ai;

namespace {

/// Feeds `pieces` one by one and returns the data of every event.
std::vector<std::string> events_of(const std::vector<std::string>& pieces, bool finish = false) {
  sse_parser p;
  std::vector<std::string> out;
  auto on = [&](const sse_event& ev) {
    out.push_back(ev.data);
    return true;
  };
  for (const auto& piece : pieces)
    CAF_CHECK(p.feed(piece, on));
  if (finish)
    CAF_CHECK(p.finish(on));
  return out;
}

/// Every split of `body` into two reads gives the same events.
void check_every_split(const std::string& body, const std::vector<std::string>& expected) {
  for (std::size_t cut = 0; cut <= body.size(); ++cut) {
    auto got = events_of({body.substr(0, cut), body.substr(cut)});
    if (got != expected)
      CAF_FAIL("split at " << cut << " of " << body.size() << " gave " << got.size() << " events");
  }
}

std::vector<std::string> lines_of(const std::vector<std::string>& pieces) {
  json_lines s;
  std::vector<std::string> out;
  auto on = [&](std::string_view l) {
    out.emplace_back(l);
    return true;
  };
  for (const auto& piece : pieces)
    CAF_CHECK(s.feed(piece, on));
  CAF_CHECK(s.finish(on));
  return out;
}

} // namespace

CAF_TEST(sse_events_end_at_a_blank_line_with_lf_crlf_or_cr) {
  using v = std::vector<std::string>;
  CAF_CHECK_EQUAL(events_of({"data: a\n\ndata: b\n\n"}), (v{"a", "b"}));
  CAF_CHECK_EQUAL(events_of({"data: a\r\n\r\ndata: b\r\n\r\n"}), (v{"a", "b"}));
  CAF_CHECK_EQUAL(events_of({"data: a\r\rdata: b\r\r"}), (v{"a", "b"}));
  CAF_CHECK_EQUAL(events_of({"data: a\n"}), v{}); // not dispatched before its blank line
}

CAF_TEST(sse_lines_split_across_reads_at_every_position) {
  check_every_split("data: {\"x\":1}\r\n\r\ndata: second\n\n: ping\n\ndata: third\r\r",
                    {"{\"x\":1}", "second", "third"});
  // A CRLF is one line end: two data lines are one event (not an event per line).
  check_every_split("data: a\r\ndata: b\r\n\r\nevent: x\r\ndata: c\r\n\r\n", {"a\nb", "c"});
  // Byte by byte, CRLF split between the CR and the LF included.
  std::string body = "data: one\r\n\r\ndata: two\r\n\r\n";
  std::vector<std::string> bytes;
  for (char c : body)
    bytes.emplace_back(1, c);
  CAF_CHECK_EQUAL(events_of(bytes), (std::vector<std::string>{"one", "two"}));
}

CAF_TEST(sse_multi_line_data_comments_and_fields) {
  sse_parser p;
  std::vector<sse_event> got;
  CAF_CHECK(p.feed(": comment\nevent: delta\nid: 7\ndata: line 1\ndata:line 2\ndata\nretry: 5\nfoo: bar\n\n",
                   [&](const sse_event& ev) {
                     got.push_back(ev);
                     return true;
                   }));
  CAF_REQUIRE_EQUAL(got.size(), 1u);
  CAF_CHECK_EQUAL(got[0].data, "line 1\nline 2\n"); // "data" without colon adds an empty line
  CAF_CHECK_EQUAL(got[0].type, "delta");
  CAF_CHECK_EQUAL(got[0].id, "7");
  // An event of only comments and fields without data is not dispatched.
  CAF_CHECK_EQUAL(events_of({": keep-alive\n\nevent: x\n\n"}), std::vector<std::string>{});
}

CAF_TEST(sse_bom_is_skipped_even_when_split) {
  check_every_split("\xEF\xBB\xBF" "data: x\n\n", {"x"});
}

CAF_TEST(sse_finish_dispatches_complete_data_lines_only) {
  CAF_CHECK_EQUAL(events_of({"data: [DONE]\n"}, true), std::vector<std::string>{"[DONE]"});
  CAF_CHECK_EQUAL(events_of({"data: [DO"}, true), std::vector<std::string>{});
}

CAF_TEST(sse_bounds_and_early_stop) {
  sse_parser small{16, 32};
  auto ok = [](const sse_event&) { return true; };
  CAF_CHECK(!small.feed(std::string(17, 'x'), ok)); // an unterminated line over the bound
  CAF_CHECK(small.overflowed());
  sse_parser events{64, 10};
  CAF_CHECK(!events.feed("data: 123456\ndata: 123456\n", ok)); // 13 bytes of data > 10
  sse_parser stop;
  int seen = 0;
  CAF_CHECK(!stop.feed("data: a\n\ndata: b\n\n", [&](const sse_event&) { return ++seen < 1; }));
  CAF_CHECK_EQUAL(seen, 1);
}

CAF_TEST(json_lines_split_anywhere_skip_blanks_and_strip_cr) {
  using v = std::vector<std::string>;
  std::string body = "{\"a\":1}\r\n\n  \n{\"b\":2}\n{\"c\":3}";
  for (std::size_t cut = 0; cut <= body.size(); ++cut)
    if (lines_of({body.substr(0, cut), body.substr(cut)}) != (v{"{\"a\":1}", "{\"b\":2}", "{\"c\":3}"}))
      CAF_FAIL("split at " << cut);
}

CAF_TEST(json_lines_bound) {
  json_lines s{8};
  auto ok = [](std::string_view) { return true; };
  CAF_CHECK(s.feed("12345678\n", ok));
  CAF_CHECK(!s.feed("123456789", ok));
  CAF_CHECK(s.overflowed());
}
