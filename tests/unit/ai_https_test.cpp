#define CAF_SUITE ai_https

#include "caf/test/unit_test.hpp"

#include "ai/ai_options.hpp"
#include "ai_collector.hpp"
#include "ai_loopback_server.hpp"
#include "ai_test_tls.hpp"

using namespace chat::ai;
using namespace ai_test;
using namespace std::chrono_literals;

namespace {

std::string sse(std::string_view content) {
  return "data: {\"choices\":[{\"delta\":{\"content\":\"" + std::string{content} + "\"}}]}\n\n";
}

std::vector<step> short_reply() {
  return {send_bytes(head(200, "OK", "text/event-stream")), send_bytes(chunk(sse("secure"))), send_bytes(chunk("data: [DONE]\n\n")),
          await_close()};
}

ai_options https_at(const std::string& host, std::uint16_t port, const std::string& ca_file) {
  ai_options o;
  o.kind = backend_kind::openai;
  o.url = "https://" + host + ":" + std::to_string(port) + "/v1";
  o.model = "m";
  o.api_key = "sk-tls";
  o.ca_file = ca_file;
  o.idle_timeout = 2s;
  o.reply_timeout = 4s;
  return o;
}

/// Runs one reply against `server` and returns the collector's verdict.
void run(collector& c, const ai_options& o) {
  std::string err;
  auto b = make_backend(o, err);
  CAF_REQUIRE(b != nullptr);
  b->start(request{}, c.handler());
  CAF_REQUIRE(c.wait_end());
}

} // namespace

CAF_TEST(https_with_a_certificate_trusted_through_the_ca_file) {
  auto id = make_self_signed("DNS:localhost,IP:127.0.0.1");
  temp_file ca{id.cert_pem};
  auto tls = server_context(id);
  loopback_server server{short_reply(), tls.get()};
  collector c;
  run(c, https_at("127.0.0.1", server.port(), ca.path()));
  CAF_CHECK_EQUAL(c.how(), "ok");
  CAF_CHECK_EQUAL(c.text(), "secure");
  CAF_REQUIRE(server.wait_done());
  CAF_CHECK_EQUAL(server.record().authorization, "Bearer sk-tls"); // it went through the TLS stream
}

CAF_TEST(https_by_host_name_checks_the_name_and_sends_it) {
  auto id = make_self_signed("DNS:localhost");
  temp_file ca{id.cert_pem};
  auto tls = server_context(id);
  loopback_server server{short_reply(), tls.get()};
  collector c;
  run(c, https_at("localhost", server.port(), ca.path()));
  CAF_CHECK_EQUAL(c.how(), "ok");
  CAF_REQUIRE(server.wait_done());
  CAF_CHECK_EQUAL(server.record().host, "localhost:" + std::to_string(server.port()));
}

CAF_TEST(an_untrusted_certificate_is_unreachable) {
  auto id = make_self_signed("DNS:localhost,IP:127.0.0.1");
  auto tls = server_context(id);
  loopback_server server{short_reply(), tls.get()};
  collector c;
  run(c, https_at("127.0.0.1", server.port(), "")); // the system store only
  CAF_CHECK_EQUAL(c.how(), "unreachable");
  CAF_CHECK_NOT_EQUAL(c.detail().find("certificate not trusted"), std::string::npos);
  CAF_CHECK(c.text().empty());
  server.wait_done(1s);
  CAF_CHECK(!server.record().got_request); // nothing was sent
}

CAF_TEST(a_certificate_for_another_name_is_unreachable) {
  auto id = make_self_signed("DNS:wrong.example");
  temp_file ca{id.cert_pem};
  auto tls = server_context(id);
  loopback_server server{short_reply(), tls.get()};
  collector c;
  run(c, https_at("127.0.0.1", server.port(), ca.path()));
  CAF_CHECK_EQUAL(c.how(), "unreachable");
  CAF_CHECK_NOT_EQUAL(c.detail().find("mismatch"), std::string::npos);
  server.wait_done(1s);
  CAF_CHECK(!server.record().got_request);
}

CAF_TEST(cancel_over_tls_closes_the_connection) {
  auto id = make_self_signed("IP:127.0.0.1");
  temp_file ca{id.cert_pem};
  auto tls = server_context(id);
  loopback_server server{{send_bytes(head(200, "OK", "text/event-stream")), send_bytes(chunk(sse("a"))), await_close()}, tls.get()};
  collector c;
  std::string err;
  auto b = make_backend(https_at("127.0.0.1", server.port(), ca.path()), err);
  CAF_REQUIRE(b != nullptr);
  auto h = b->start(request{}, c.handler());
  CAF_REQUIRE(c.wait_texts(1));
  h->cancel();
  CAF_REQUIRE(c.wait_end());
  CAF_CHECK_EQUAL(c.how(), "stopped");
  CAF_REQUIRE(server.wait_done(2s));
  CAF_CHECK(server.record().client_closed);
}
