#define CAF_SUITE ai_http_client

#include "caf/test/unit_test.hpp"

#include <rapidjson/document.h>

#include "ai/ai_options.hpp"
#include "ai_collector.hpp"
#include "ai_loopback_server.hpp"

using namespace chat::ai;
using namespace ai_test;
using namespace std::chrono_literals;

namespace {

constexpr const char* test_key = "sk-test-0123456789";

std::string sse(std::string_view content) {
  return "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + std::string{content} + "\"}}]}\n\n";
}

ai_options openai_at(std::uint16_t port, std::chrono::milliseconds idle = 2s, std::chrono::milliseconds total = 4s) {
  ai_options o;
  o.kind = backend_kind::openai;
  o.url = "http://127.0.0.1:" + std::to_string(port) + "/v1";
  o.model = "test-model";
  o.api_key = test_key;
  o.idle_timeout = idle;
  o.reply_timeout = total;
  return o;
}

std::unique_ptr<backend> make(const ai_options& o) {
  std::string err;
  auto b = make_backend(o, err);
  if (!b)
    CAF_FAIL("make_backend: " << err);
  return b;
}

request sample() {
  request r;
  r.room_id = "room-1";
  r.user_id = "u-1";
  r.username = "Joe";
  r.text = "hello";
  r.turns = {{turn::role::system, "Be brief."}, {turn::role::user, "hello"}};
  return r;
}

long ms_between(std::chrono::steady_clock::time_point a, std::chrono::steady_clock::time_point b) {
  return static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(b - a).count());
}

} // namespace

CAF_TEST(openai_chunked_sse_streams_pieces_as_they_arrive) {
  std::string first = sse("Hel");
  // The second event is split in the middle of its data line across two writes (two reads).
  std::string second = sse("lo");
  loopback_server server{{send_bytes(head(200, "OK", "text/event-stream")), send_bytes(chunk(first)), delay(250ms),
                          send_bytes(chunk(second.substr(0, 20))), delay(50ms), send_bytes(chunk(second.substr(20))),
                          send_bytes(chunk(": keep-alive\n\ndata: [DONE]\n\n")), await_close()}};
  collector c;
  auto b = make(openai_at(server.port()));
  b->start(sample(), c.handler());
  CAF_REQUIRE(c.wait_end());
  CAF_CHECK_EQUAL(c.how(), "ok");
  CAF_CHECK_EQUAL(c.texts(), (std::vector<std::string>{"Hel", "lo"}));
  auto times = c.text_times();
  CAF_REQUIRE_EQUAL(times.size(), 2u);
  CAF_CHECK_GREATER_OR_EQUAL(ms_between(times[0], c.ended_at()), 200); // the first piece came before the end
  // The request as the server saw it.
  CAF_REQUIRE(server.wait_done());
  auto rec = server.record();
  CAF_CHECK_EQUAL(rec.method, "POST");
  CAF_CHECK_EQUAL(rec.target, "/v1/chat/completions");
  CAF_CHECK_EQUAL(rec.host, "127.0.0.1:" + std::to_string(server.port()));
  CAF_CHECK_EQUAL(rec.authorization, std::string{"Bearer "} + test_key);
  CAF_CHECK_EQUAL(rec.content_type, "application/json");
  CAF_CHECK_EQUAL(rec.accept, "text/event-stream");
  rapidjson::Document d;
  d.Parse(rec.body.c_str());
  CAF_REQUIRE(!d.HasParseError() && d.IsObject());
  CAF_CHECK_EQUAL(std::string{d["model"].GetString()}, "test-model");
  CAF_CHECK(d["stream"].IsTrue());
  CAF_CHECK_EQUAL(d["messages"].Size(), 2u);
  CAF_CHECK(rec.client_closed); // the client hung up after [DONE]
  CAF_CHECK_EQUAL(c.ends(), 1);
}

CAF_TEST(openai_body_until_close_and_no_key_means_no_authorization) {
  loopback_server server{{send_bytes(head(200, "OK", "text/event-stream", "close")), send_bytes(sse("a")), delay(20ms),
                          send_bytes(sse("b") + "data: [DONE]\n\n"), close_now()}};
  collector c;
  auto o = openai_at(server.port());
  o.api_key.clear();
  auto b = make(o);
  b->start(sample(), c.handler());
  CAF_REQUIRE(c.wait_end());
  CAF_CHECK_EQUAL(c.how(), "ok");
  CAF_CHECK_EQUAL(c.text(), "ab");
  CAF_REQUIRE(server.wait_done());
  CAF_CHECK_EQUAL(server.record().authorization, "");
}

CAF_TEST(error_status_is_upstream_with_the_message_and_the_key_redacted) {
  std::string body = std::string{"{\"error\":{\"message\":\"Incorrect API key provided: "} + test_key + "\"}}";
  loopback_server server{
      {send_bytes(head(401, "Unauthorized", "application/json", std::to_string(body.size())) + body), await_close()}};
  collector c;
  auto b = make(openai_at(server.port()));
  b->start(sample(), c.handler());
  CAF_REQUIRE(c.wait_end());
  CAF_CHECK_EQUAL(c.how(), "upstream");
  CAF_CHECK_EQUAL(c.detail(), "HTTP 401 Unauthorized: Incorrect API key provided: [redacted]");
  CAF_CHECK(c.texts().empty());
}

CAF_TEST(an_endless_error_body_is_read_only_up_to_its_bound) {
  loopback_server server{{send_bytes(head(500, "Internal Server Error", "text/plain")), send_bytes(chunk(std::string(4096, 'x'))),
                          await_close()}};
  collector c;
  auto b = make(openai_at(server.port(), 3s, 4s));
  auto t0 = std::chrono::steady_clock::now();
  b->start(sample(), c.handler());
  CAF_REQUIRE(c.wait_end());
  CAF_CHECK_EQUAL(c.how(), "upstream");
  CAF_CHECK_LESS(ms_between(t0, c.ended_at()), 1500); // not waiting for an idle timeout
  CAF_CHECK_EQUAL(c.detail().rfind("HTTP 500 Internal Server Error: xxx", 0), 0u);
  CAF_REQUIRE(server.wait_done());
  CAF_CHECK(server.record().client_closed);
}

CAF_TEST(malformed_chunk_ends_the_reply_and_closes_the_connection) {
  loopback_server server{{send_bytes(head(200, "OK", "text/event-stream")), send_bytes(chunk(sse("ok"))),
                          send_bytes(chunk("data: {\"choices\":[{\"delta\":{\"content\":\n\n")), await_close()}};
  collector c;
  auto b = make(openai_at(server.port()));
  b->start(sample(), c.handler());
  CAF_REQUIRE(c.wait_end());
  CAF_CHECK_EQUAL(c.how(), "malformed");
  CAF_CHECK_EQUAL(c.text(), "ok");
  CAF_REQUIRE(server.wait_done());
  CAF_CHECK(server.record().client_closed);
}

CAF_TEST(mid_stream_disconnect_is_upstream_and_keeps_the_text) {
  loopback_server server{{send_bytes(head(200, "OK", "text/event-stream")), send_bytes(chunk(sse("partial"))), delay(50ms),
                          close_now()}};
  collector c;
  auto b = make(openai_at(server.port()));
  b->start(sample(), c.handler());
  CAF_REQUIRE(c.wait_end());
  CAF_CHECK_EQUAL(c.how(), "upstream");
  CAF_CHECK_EQUAL(c.text(), "partial");
  CAF_CHECK_EQUAL(c.detail(), "the backend closed the connection mid-response");
}

CAF_TEST(a_stall_is_an_idle_timeout_and_the_connection_is_closed) {
  loopback_server server{{send_bytes(head(200, "OK", "text/event-stream")), send_bytes(chunk(sse("a"))), await_close()}};
  collector c;
  auto b = make(openai_at(server.port(), 300ms, 4s));
  b->start(sample(), c.handler());
  CAF_REQUIRE(c.wait_texts(1));
  auto first = c.text_times()[0];
  CAF_REQUIRE(c.wait_end());
  CAF_CHECK_EQUAL(c.how(), "idle_timeout");
  auto waited = ms_between(first, c.ended_at());
  CAF_CHECK_GREATER_OR_EQUAL(waited, 250);
  CAF_CHECK_LESS(waited, 1500);
  CAF_REQUIRE(server.wait_done());
  CAF_CHECK(server.record().client_closed);
}

CAF_TEST(a_reply_longer_than_the_reply_timeout_is_a_timeout) {
  std::vector<step> script{send_bytes(head(200, "OK", "text/event-stream"))};
  for (int i = 0; i < 30; ++i) {
    script.push_back(send_bytes(chunk(sse("."))));
    script.push_back(delay(50ms));
  }
  script.push_back(await_close());
  loopback_server server{std::move(script)};
  collector c;
  auto b = make(openai_at(server.port(), 1s, 400ms));
  auto t0 = std::chrono::steady_clock::now();
  b->start(sample(), c.handler());
  CAF_REQUIRE(c.wait_end());
  CAF_CHECK_EQUAL(c.how(), "timeout");
  CAF_CHECK_GREATER_OR_EQUAL(ms_between(t0, c.ended_at()), 350);
  CAF_CHECK_LESS(ms_between(t0, c.ended_at()), 1500);
  CAF_CHECK(!c.texts().empty());
}

CAF_TEST(cancel_closes_the_upstream_connection_and_ends_once_with_stopped) {
  loopback_server server{{send_bytes(head(200, "OK", "text/event-stream")), send_bytes(chunk(sse("first"))), await_close()}};
  collector c;
  auto b = make(openai_at(server.port(), 3s, 4s));
  auto handle = b->start(sample(), c.handler());
  CAF_REQUIRE(c.wait_texts(1));
  auto t0 = std::chrono::steady_clock::now();
  handle->cancel();
  CAF_REQUIRE(c.wait_end());
  CAF_CHECK_EQUAL(c.how(), "stopped");
  CAF_REQUIRE(server.wait_done(2s));
  auto rec = server.record();
  CAF_CHECK(rec.client_closed);
  CAF_CHECK_LESS(ms_between(t0, rec.closed_at), 500); // at once, not at a timeout
  handle->cancel(); // idempotent
  std::this_thread::sleep_for(50ms);
  CAF_CHECK_EQUAL(c.ends(), 1);
  CAF_CHECK_EQUAL(c.text(), "first");
}

CAF_TEST(destroying_the_backend_ends_replies_in_flight_with_stopped) {
  loopback_server server{{send_bytes(head(200, "OK", "text/event-stream")), send_bytes(chunk(sse("x"))), await_close()}};
  collector c;
  auto b = make(openai_at(server.port(), 3s, 4s));
  b->start(sample(), c.handler());
  CAF_REQUIRE(c.wait_texts(1));
  b.reset();
  CAF_CHECK_EQUAL(c.ends(), 1);
  CAF_CHECK_EQUAL(c.how(), "stopped");
  CAF_REQUIRE(server.wait_done(2s));
  CAF_CHECK(server.record().client_closed);
}

CAF_TEST(nothing_listening_is_unreachable) {
  collector c;
  auto b = make(openai_at(closed_port()));
  b->start(sample(), c.handler());
  CAF_REQUIRE(c.wait_end());
  CAF_CHECK_EQUAL(c.how(), "unreachable");
  CAF_CHECK_EQUAL(c.detail().find(test_key), std::string::npos);
}

CAF_TEST(an_answer_that_is_not_http_is_malformed) {
  loopback_server server{{send_bytes("SSH-2.0-OpenSSH_9.2\r\n\r\n"), await_close()}};
  collector c;
  auto b = make(openai_at(server.port()));
  b->start(sample(), c.handler());
  CAF_REQUIRE(c.wait_end());
  CAF_CHECK_EQUAL(c.how(), "malformed");
}

CAF_TEST(n8n_streamed_json_lines_and_the_request_body) {
  loopback_server server{{send_bytes(head(200, "OK", "application/json; charset=utf-8")),
                          send_bytes(chunk("{\"type\":\"begin\",\"metadata\":{}}\n{\"type\":\"item\",\"content\":\"Hi \"}\n")),
                          delay(100ms), send_bytes(chunk("{\"type\":\"item\",\"con")), delay(30ms),
                          send_bytes(chunk("tent\":\"Joe\"}\n{\"type\":\"end\"}\n")), send_bytes(last_chunk()), await_close()}};
  collector c;
  ai_options o;
  o.kind = backend_kind::n8n;
  o.url = "http://127.0.0.1:" + std::to_string(server.port()) + "/webhook/abc-123?x=1";
  o.idle_timeout = 2s;
  o.reply_timeout = 4s;
  auto b = make(o);
  CAF_CHECK_EQUAL(std::string{b->name()}, "n8n");
  b->start(sample(), c.handler());
  CAF_REQUIRE(c.wait_end());
  CAF_CHECK_EQUAL(c.how(), "ok");
  CAF_CHECK_EQUAL(c.texts(), (std::vector<std::string>{"Hi ", "Joe"}));
  CAF_REQUIRE(server.wait_done());
  auto rec = server.record();
  CAF_CHECK_EQUAL(rec.target, "/webhook/abc-123?x=1");
  CAF_CHECK_EQUAL(rec.authorization, "");
  rapidjson::Document d;
  d.Parse(rec.body.c_str());
  CAF_REQUIRE(!d.HasParseError() && d.IsObject());
  CAF_CHECK_EQUAL(std::string{d["roomId"].GetString()}, "room-1");
  CAF_CHECK_EQUAL(std::string{d["username"].GetString()}, "Joe");
  CAF_CHECK_EQUAL(d["context"].Size(), 2u);
}

CAF_TEST(n8n_whole_json_answer_with_content_length) {
  std::string body = "{\"output\":\"All done.\"}";
  loopback_server server{{send_bytes(head(200, "OK", "application/json", std::to_string(body.size())) + body),
                          await_close()}};
  collector c;
  ai_options o;
  o.kind = backend_kind::n8n;
  o.url = "http://127.0.0.1:" + std::to_string(server.port()) + "/webhook/x";
  o.api_key = test_key;
  auto b = make(o);
  b->start(sample(), c.handler());
  CAF_REQUIRE(c.wait_end());
  CAF_CHECK_EQUAL(c.how(), "ok");
  CAF_CHECK_EQUAL(c.texts(), std::vector<std::string>{"All done."});
  CAF_REQUIRE(server.wait_done());
  CAF_CHECK_EQUAL(server.record().authorization, std::string{"Bearer "} + test_key);
}
