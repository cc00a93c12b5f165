#define CAF_SUITE bench_wire

#include "caf/test/unit_test.hpp"

#include <string>
#include <thread>
#include <vector>

#include "histogram.hpp"
#include "ws_wire.hpp"

// chatbench's own WebSocket codec and latency histogram: a load generator that miscounts or
// misparses reports numbers nobody should believe.

using namespace bench;

namespace {

std::string server_frame(std::uint8_t b0, const std::string& payload) {
  std::string f(1, static_cast<char>(b0));
  if (payload.size() < 126) {
    f.push_back(static_cast<char>(payload.size()));
  } else if (payload.size() <= 0xffff) {
    f.push_back(static_cast<char>(126));
    f.push_back(static_cast<char>(payload.size() >> 8));
    f.push_back(static_cast<char>(payload.size() & 0xff));
  } else {
    f.push_back(static_cast<char>(127));
    for (int shift = 56; shift >= 0; shift -= 8) f.push_back(static_cast<char>((payload.size() >> shift) & 0xff));
  }
  return f + payload;
}

} // namespace

CAF_TEST(parses_frames_of_each_length_encoding) {
  for (std::size_t len : {0u, 5u, 125u, 126u, 4000u, 65535u, 65536u, 200000u}) {
    const std::string payload(len, 'x');
    const auto wire = server_frame(0x81, payload);
    ws_wire::frame f;
    std::size_t need = 0;
    CAF_CHECK_EQUAL(ws_wire::parse(wire, f, need), static_cast<std::ptrdiff_t>(wire.size()));
    CAF_CHECK(f.op == ws_wire::opcode::text);
    CAF_CHECK(f.fin);
    CAF_CHECK_EQUAL(f.payload.size(), len);
    CAF_CHECK_EQUAL(need, wire.size());
  }
}

CAF_TEST(an_incomplete_frame_waits_and_says_how_much_it_needs) {
  const auto wire = server_frame(0x81, std::string(300, 'y'));
  ws_wire::frame f;
  std::size_t need = 0;
  CAF_CHECK_EQUAL(ws_wire::parse(std::string_view(wire).substr(0, 1), f, need), 0);
  CAF_CHECK_EQUAL(need, 0u);                  // not even the header
  CAF_CHECK_EQUAL(ws_wire::parse(std::string_view(wire).substr(0, 3), f, need), 0);
  CAF_CHECK_EQUAL(need, 0u);                  // the 16-bit length is not complete
  CAF_CHECK_EQUAL(ws_wire::parse(std::string_view(wire).substr(0, 100), f, need), 0);
  CAF_CHECK_EQUAL(need, wire.size());         // header known: the whole frame's size
}

CAF_TEST(two_frames_in_one_read_parse_one_after_the_other) {
  const auto wire = server_frame(0x01, "{\"a\"") + server_frame(0x80, ":1}") + server_frame(0x89, "hb");
  std::string_view rest = wire;
  ws_wire::frame f;
  std::size_t need = 0;
  auto n = ws_wire::parse(rest, f, need);
  CAF_REQUIRE(n > 0);
  CAF_CHECK(f.op == ws_wire::opcode::text && !f.fin && f.payload == "{\"a\"");
  rest.remove_prefix(static_cast<std::size_t>(n));
  n = ws_wire::parse(rest, f, need);
  CAF_REQUIRE(n > 0);
  CAF_CHECK(f.op == ws_wire::opcode::continuation && f.fin && f.payload == ":1}");
  rest.remove_prefix(static_cast<std::size_t>(n));
  n = ws_wire::parse(rest, f, need);
  CAF_CHECK_EQUAL(static_cast<std::size_t>(n), rest.size());
  CAF_CHECK(f.op == ws_wire::opcode::ping && f.payload == "hb");
}

CAF_TEST(frames_a_server_must_not_send_are_errors) {
  ws_wire::frame f;
  std::size_t need = 0;
  std::string masked = server_frame(0x81, "hi");
  masked[1] = static_cast<char>(masked[1] | 0x80);
  CAF_CHECK_EQUAL(ws_wire::parse(masked, f, need), -1);
  CAF_CHECK_EQUAL(ws_wire::parse(server_frame(0xC1, "hi"), f, need), -1);                // RSV1
  CAF_CHECK_EQUAL(ws_wire::parse(server_frame(0x09, "hi"), f, need), -1);                // fragmented ping
  CAF_CHECK_EQUAL(ws_wire::parse(server_frame(0x89, std::string(126, 'p')), f, need), -1); // long ping
}

CAF_TEST(client_frames_are_masked_and_unmask_to_the_payload) {
  const std::string text = std::string(200, 'a') + "{\"type\":\"message\"}";
  std::string out;
  const std::uint32_t mask = 0xA1B2C3D4u;
  ws_wire::append_masked(out, ws_wire::opcode::text, text, mask);
  CAF_REQUIRE_EQUAL(out.size(), 2u + 2u + 4u + text.size());
  CAF_CHECK_EQUAL(static_cast<std::uint8_t>(out[0]), 0x81u);
  CAF_CHECK_EQUAL(static_cast<std::uint8_t>(out[1]), 0x80u | 126u);
  CAF_CHECK_EQUAL((static_cast<std::uint8_t>(out[2]) << 8) | static_cast<std::uint8_t>(out[3]), static_cast<int>(text.size()));
  const char* key = out.data() + 4;
  std::string unmasked;
  for (std::size_t i = 0; i < text.size(); ++i) unmasked.push_back(static_cast<char>(out[8 + i] ^ key[i & 3]));
  CAF_CHECK_EQUAL(unmasked, text);
  CAF_CHECK_NOT_EQUAL(out.substr(8), text);  // really masked
  std::string small;
  ws_wire::append_masked(small, ws_wire::opcode::pong, "x", mask);
  CAF_CHECK_EQUAL(small.size(), 2u + 4u + 1u);
  CAF_CHECK_EQUAL(static_cast<std::uint8_t>(small[0]), 0x8Au);
}

CAF_TEST(the_upgrade_request_asks_for_a_websocket) {
  auto req = ws_wire::upgrade_request("127.0.0.1:8080", "/ws?batch=1", "tok");
  CAF_CHECK_EQUAL(req.rfind("GET /ws?batch=1 HTTP/1.1\r\n", 0), 0u);
  CAF_CHECK_NOT_EQUAL(req.find("\r\nUpgrade: websocket\r\n"), std::string::npos);
  CAF_CHECK_NOT_EQUAL(req.find("\r\nAuthorization: Bearer tok\r\n"), std::string::npos);
  auto key = req.find("Sec-WebSocket-Key: ");
  CAF_REQUIRE_NOT_EQUAL(key, std::string::npos);
  CAF_CHECK_EQUAL(req.substr(key + 19, 26).find("==\r\n"), 22u);  // 16 bytes in base64
  CAF_CHECK_EQUAL(req.substr(req.size() - 4), "\r\n\r\n");
  CAF_CHECK(ws_wire::is_switching_protocols("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket"));
  CAF_CHECK(!ws_wire::is_switching_protocols("HTTP/1.1 401 Unauthorized"));
  CAF_CHECK(!ws_wire::is_switching_protocols("HTTP/1.1 1010"));
}

CAF_TEST(histogram_shards_add_up_across_threads) {
  auto h = std::make_unique<Histogram>();
  std::vector<std::thread> threads;
  for (int t = 0; t < 12; ++t) // more threads than shards: some share one
    threads.emplace_back([&h, t] {
      for (int i = 0; i < 1000; ++i) h->record(t == 11 && i == 999 ? 250000 : 1000);
    });
  for (auto& t : threads) t.join();
  CAF_CHECK_EQUAL(h->count(), 12000u);
  CAF_CHECK_EQUAL(h->max(), 250000);
  auto p50 = h->percentile(0.5);
  CAF_CHECK(p50 >= 1000 && p50 <= 1040); // ~3 % buckets
  CAF_CHECK(h->percentile(1.0) == 250000);
  h->reset();
  CAF_CHECK_EQUAL(h->count(), 0u);
  CAF_CHECK_EQUAL(h->max(), 0);
}
