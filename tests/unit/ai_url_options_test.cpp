#define CAF_SUITE ai_url_options

#include "caf/test/unit_test.hpp"

#include <string>

#include "ai/ai_options.hpp"
#include "ai/http_error_detail.hpp"
#include "ai/http_url.hpp"

using namespace chat::ai;

CAF_TEST(http_urls_parse) {
  http_url u;
  std::string err;
  CAF_REQUIRE(parse_http_url("http://localhost:11434/v1", u, err));
  CAF_CHECK(!u.tls);
  CAF_CHECK_EQUAL(u.host, "localhost");
  CAF_CHECK_EQUAL(u.port, 11434);
  CAF_CHECK_EQUAL(u.target, "/v1");
  CAF_CHECK_EQUAL(with_path_suffix(u, "/chat/completions").target, "/v1/chat/completions");
  CAF_REQUIRE(parse_http_url("HTTPS://api.example.com/v1/?x=1#frag", u, err));
  CAF_CHECK(u.tls);
  CAF_CHECK_EQUAL(u.port, 443);
  CAF_CHECK_EQUAL(with_path_suffix(u, "/chat/completions").target, "/v1/chat/completions?x=1");
  CAF_CHECK_EQUAL(host_header(u), "api.example.com");
  CAF_REQUIRE(parse_http_url("https://[::1]:8443", u, err));
  CAF_CHECK_EQUAL(u.host, "::1");
  CAF_CHECK_EQUAL(u.target, "/");
  CAF_CHECK_EQUAL(host_header(u), "[::1]:8443");
  CAF_CHECK_EQUAL(describe(u), "https://[::1]:8443");
  CAF_REQUIRE(parse_http_url("http://n8n:5678/webhook/3f1c-secret-id", u, err));
  CAF_CHECK_EQUAL(describe(u), "http://n8n:5678"); // the webhook path (a secret) is never described
}

CAF_TEST(bad_urls_are_refused_without_echoing_them) {
  http_url u;
  std::string err;
  CAF_CHECK(!parse_http_url("ftp://x/y", u, err));
  CAF_CHECK(!parse_http_url("localhost:11434", u, err));
  CAF_CHECK(!parse_http_url("http://:80/", u, err));
  CAF_CHECK(!parse_http_url("http://host:0/", u, err));
  CAF_CHECK(!parse_http_url("http://host:99999/", u, err));
  CAF_CHECK(!parse_http_url("http://ho st/", u, err));
  CAF_CHECK(!parse_http_url("http://h/a b", u, err));
  CAF_CHECK(!parse_http_url("https://user:sk-secret@host/", u, err));
  CAF_CHECK_EQUAL(err.find("sk-secret"), std::string::npos);
}

CAF_TEST(error_details_use_the_json_message_and_stay_printable) {
  CAF_CHECK_EQUAL(describe_http_error(401, "Unauthorized", R"({"error":{"message":"Invalid key","type":"auth"}})"),
                  "HTTP 401 Unauthorized: Invalid key");
  CAF_CHECK_EQUAL(describe_http_error(404, "Not Found", R"({"code":404,"message":"webhook not registered"})"),
                  "HTTP 404 Not Found: webhook not registered");
  CAF_CHECK_EQUAL(describe_http_error(500, "", "line 1\r\n\tline 2\x01"), "HTTP 500: line 1 line 2");
  CAF_CHECK_EQUAL(describe_http_error(502, "Bad Gateway", ""), "HTTP 502 Bad Gateway");
  auto long_text = describe_http_error(500, "", std::string(1000, 'x'), 10);
  CAF_CHECK_EQUAL(long_text, "HTTP 500: xxxxxxxxxx…");
  CAF_CHECK_EQUAL(printable_excerpt("\xC3\xA9\xC3\xA9", 3), "\xC3\xA9…"); // never cut inside a character
  CAF_CHECK_EQUAL(printable_excerpt("bad \xFF byte", 100), "bad byte");
}

CAF_TEST(keys_are_redacted) {
  CAF_CHECK_EQUAL(redact("Incorrect API key provided: sk-123, again sk-123.", "sk-123"),
                  "Incorrect API key provided: [redacted], again [redacted].");
  CAF_CHECK_EQUAL(redact("nothing", ""), "nothing");
  ai_options o;
  o.kind = backend_kind::openai;
  o.url = "https://api.example.com/v1?token=url-secret";
  o.model = "gpt-4o-mini";
  o.api_key = "sk-very-secret\n";
  auto d = describe(o);
  CAF_CHECK_EQUAL(d.find("sk-very-secret"), std::string::npos);
  CAF_CHECK_EQUAL(d.find("url-secret"), std::string::npos);
  CAF_CHECK_NOT_EQUAL(d.find("api_key=(set)"), std::string::npos);
  CAF_CHECK_NOT_EQUAL(d.find("https://api.example.com:443"), std::string::npos);
}

CAF_TEST(make_backend_validates_options) {
  std::string err;
  ai_options o;
  CAF_CHECK(make_backend(o, err) == nullptr); // kind none
  o.kind = backend_kind::openai;
  o.url = "http://127.0.0.1:9/v1";
  CAF_CHECK(make_backend(o, err) == nullptr); // no model
  CAF_CHECK_NOT_EQUAL(err.find("model"), std::string::npos);
  o.model = "m";
  o.api_key = "sk-a\nb";
  CAF_CHECK(make_backend(o, err) == nullptr); // a header injection attempt
  CAF_CHECK_EQUAL(err.find("sk-a"), std::string::npos);
  o.api_key = "sk-ok\n";
  auto b = make_backend(o, err);
  CAF_REQUIRE(b != nullptr);
  CAF_CHECK_EQUAL(std::string{b->name()}, "openai");
  o.kind = backend_kind::n8n;
  o.url = "https://127.0.0.1:9/webhook/x";
  o.ca_file = "/nonexistent/ca.pem";
  CAF_CHECK(make_backend(o, err) == nullptr);
  CAF_CHECK_NOT_EQUAL(err.find("CA file"), std::string::npos);
  backend_kind k;
  CAF_CHECK(parse_backend_kind("n8n", k) && k == backend_kind::n8n);
  CAF_CHECK(!parse_backend_kind("OpenAI ", k));
}
