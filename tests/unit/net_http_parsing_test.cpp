#define CAF_SUITE net_http_parsing
#include "caf/test/unit_test.hpp"

#include <string>

#include "net/cookies.hpp"
#include "net/query.hpp"
#include "net/request_guards.hpp"
#include "net/static_files.hpp"

using namespace chat::net;
using namespace std::chrono_literals;

CAF_TEST(percent decoding) {
  CAF_CHECK_EQUAL(percent_decode("a%20b%3a%3A", false), "a b::");
  CAF_CHECK_EQUAL(percent_decode("a+b", true), "a b");
  CAF_CHECK_EQUAL(percent_decode("a+b", false), "a+b");
  CAF_CHECK_EQUAL(percent_decode("100%", false), "100%");
  CAF_CHECK_EQUAL(percent_decode("%zz%4", false), "%zz%4");
  CAF_CHECK_EQUAL(percent_decode("%C3%A9", false), "\xC3\xA9");
}

CAF_TEST(split target) {
  auto [p1, q1] = split_target("/users?ids[]=1#frag");
  CAF_CHECK_EQUAL(std::string{p1}, "/users");
  CAF_CHECK_EQUAL(std::string{q1}, "ids[]=1");
  auto [p2, q2] = split_target("/me");
  CAF_CHECK_EQUAL(std::string{p2}, "/me");
  CAF_CHECK(q2.empty());
}

CAF_TEST(query with repeated keys) {
  auto q = parse_query("ids[]=1&ids%5B%5D=2&&ids[]=3&offset=0&flag&=x&name=a+b%26c");
  auto ids = query_values(q, "ids[]");
  CAF_REQUIRE_EQUAL(ids.size(), 3u);
  CAF_CHECK_EQUAL(ids[0], "1");
  CAF_CHECK_EQUAL(ids[1], "2");
  CAF_CHECK_EQUAL(ids[2], "3");
  CAF_CHECK_EQUAL(q.find("offset")->second, "0");
  CAF_CHECK_EQUAL(q.find("flag")->second, "");
  CAF_CHECK_EQUAL(q.find("name")->second, "a b&c");
  CAF_CHECK(q.find("") == q.end());
  CAF_CHECK(parse_query("").empty());
}

CAF_TEST(cookie parsing) {
  CAF_CHECK_EQUAL(std::string{cookie_value("chat_session=abc", "chat_session")}, "abc");
  CAF_CHECK_EQUAL(std::string{cookie_value("a=1; chat_session=xyz ;b=2", "chat_session")}, "xyz");
  CAF_CHECK_EQUAL(std::string{cookie_value("a=1;chat_session=\"q\"", "chat_session")}, "q");
  CAF_CHECK(cookie_value("xchat_session=1; chat_sessionx=2", "chat_session").empty());
  CAF_CHECK(cookie_value("", "chat_session").empty());
  CAF_CHECK(cookie_value("chat_session", "chat_session").empty());
}

CAF_TEST(bearer tokens) {
  CAF_CHECK_EQUAL(std::string{bearer_token("Bearer abc")}, "abc");
  CAF_CHECK_EQUAL(std::string{bearer_token("bearer   abc ")}, "abc");
  CAF_CHECK(bearer_token("Basic abc").empty());
  CAF_CHECK(bearer_token("Bearer").empty());
  CAF_CHECK(bearer_token("Bearerabc").empty());
}

CAF_TEST(session cookie header) {
  CAF_CHECK_EQUAL(session_cookie("t0k", 60s, false),
                  "chat_session=t0k; HttpOnly; SameSite=Lax; Path=/; Max-Age=60");
  CAF_CHECK_EQUAL(clear_session_cookie(true),
                  "chat_session=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0; Secure");
}

CAF_TEST(origin checks) {
  std::vector<std::string> none;
  CAF_CHECK(origin_allowed("http://localhost:8080", "localhost:8080", none));
  CAF_CHECK(origin_allowed("http://Example.com", "example.com:80", none));
  CAF_CHECK(origin_allowed("https://example.com", "example.com", none));
  CAF_CHECK(!origin_allowed("https://example.com", "example.com:80", none));
  CAF_CHECK(!origin_allowed("http://evil.com", "localhost:8080", none));
  CAF_CHECK(!origin_allowed("http://localhost:8081", "localhost:8080", none));
  CAF_CHECK(!origin_allowed("null", "localhost:8080", none));
  CAF_CHECK(!origin_allowed("http://localhost:8080", "", none));
  CAF_CHECK(origin_allowed("http://[::1]:8080", "[::1]:8080", none));
  std::vector<std::string> allowed{"https://chat.example.org/"};
  CAF_CHECK(origin_allowed("https://chat.example.org", "api.example.org", allowed));
  CAF_CHECK(!origin_allowed("https://other.example.org", "api.example.org", allowed));
}

CAF_TEST(json content types) {
  CAF_CHECK(is_json_content_type("application/json"));
  CAF_CHECK(is_json_content_type("application/json; charset=utf-8"));
  CAF_CHECK(is_json_content_type("Application/JSON;charset=UTF-8"));
  CAF_CHECK(!is_json_content_type("text/plain"));
  CAF_CHECK(!is_json_content_type("application/x-www-form-urlencoded"));
  CAF_CHECK(!is_json_content_type("application/jsonx"));
}

CAF_TEST(static file paths) {
  CAF_CHECK_EQUAL(static_files::relative_path("/").value_or("-"), "index.html");
  CAF_CHECK_EQUAL(static_files::relative_path("/app.js").value_or("-"), "app.js");
  CAF_CHECK_EQUAL(static_files::relative_path("/img/").value_or("-"), "img/index.html");
  CAF_CHECK_EQUAL(static_files::relative_path("/a%20b.css").value_or("-"), "a b.css");
  CAF_CHECK(!static_files::relative_path("/../etc/passwd"));
  CAF_CHECK(!static_files::relative_path("/%2e%2e/etc/passwd"));
  CAF_CHECK(!static_files::relative_path("/a/%2F../b"));
  CAF_CHECK(!static_files::relative_path("/a%5C..%5Cb"));
  CAF_CHECK(!static_files::relative_path("/.env"));
  CAF_CHECK(!static_files::relative_path("//etc/passwd"));
  CAF_CHECK(!static_files::relative_path("/a%00.html"));
  CAF_CHECK(!static_files::relative_path("relative"));
  CAF_CHECK_EQUAL(std::string{static_files::content_type("index.html")}, "text/html; charset=utf-8");
  CAF_CHECK_EQUAL(std::string{static_files::content_type("app.js")}, "text/javascript; charset=utf-8");
  CAF_CHECK_EQUAL(std::string{static_files::content_type("a.webmanifest")}, "application/manifest+json");
  CAF_CHECK_EQUAL(std::string{static_files::content_type("logo.svg")}, "image/svg+xml");
  CAF_CHECK_EQUAL(std::string{static_files::content_type("noext")}, "application/octet-stream");
}

CAF_TEST(transfer encoding: exactly chunked) {
  CAF_CHECK(is_supported_transfer_encoding("chunked"));
  CAF_CHECK(is_supported_transfer_encoding(" Chunked "));
  CAF_CHECK(is_supported_transfer_encoding(",chunked,")); // empty list elements do not count
  for (auto bad : {"xchunked", "chunkedx", "chunked, gzip", "gzip, chunked", "chunked,chunked", "identity", "",
                   " , ", "chunked;q=1"})
    if (is_supported_transfer_encoding(bad))
      CAF_FAIL("accepted Transfer-Encoding: " << bad);
}

CAF_TEST(passwords: valid UTF-8 without NUL) {
  CAF_CHECK(is_acceptable_password("password123"));
  CAF_CHECK(is_acceptable_password("p\xC3\xA4sswort"));
  CAF_CHECK(!is_acceptable_password(std::string{"pass\0word", 9}));
  CAF_CHECK(!is_acceptable_password("pass\xFFword"));
  CAF_CHECK(!is_acceptable_password("\xED\xA0\x80")); // a surrogate
}
