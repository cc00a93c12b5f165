#define CAF_SUITE net_live

#include "caf/test/unit_test.hpp"

#include "actors/client_sink.hpp"
#include "net/queue_gate.hpp"
#include "net/sse_cursor.hpp"

using namespace chat::net;
using chat::actors::push_result;

CAF_TEST(sse_cursor_round_trips) {
  sse_cursor c{{"0", 1764103286123}, {"1:2", 5}, {"17", 0}};
  auto text = format_sse_cursor(c);
  CAF_CHECK_EQUAL(text, "0=1764103286123,17=0,1:2=5");
  CAF_CHECK(parse_sse_cursor(text) == c);
}

CAF_TEST(sse_cursor_skips_garbage) {
  auto c = parse_sse_cursor("0=12,evil,../x=3,1:2=-4,5=abc,7=8,=9");
  CAF_CHECK(c == (sse_cursor{{"0", 12}, {"7", 8}}));
  CAF_CHECK(parse_sse_cursor("").empty());
  CAF_CHECK_EQUAL(parse_sse_cursor("1=1,2=2,3=3", 2).size(), 2u);
}

CAF_TEST(queue_gate_drops_ephemeral_first_then_refuses_messages) {
  queue_gate gate{4};
  CAF_CHECK(gate.admit(true) == push_result::queued);
  CAF_CHECK(gate.admit(false) == push_result::queued);
  CAF_CHECK(gate.admit(true) == push_result::dropped); // half full: typing/presence dropped
  CAF_CHECK(gate.admit(false) == push_result::queued);
  CAF_CHECK(gate.admit(false) == push_result::queued);
  CAF_CHECK(gate.admit(false) == push_result::full); // a chat message cannot be queued: cut
  gate.release(2);
  CAF_CHECK(gate.admit(false) == push_result::queued);
  CAF_CHECK_EQUAL(gate.depth(), 3u);
}
