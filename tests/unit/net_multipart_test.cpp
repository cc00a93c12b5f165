#define CAF_SUITE net_multipart
#include "caf/test/unit_test.hpp"

#include <string>
#include <vector>

#include "net/multipart_reader.hpp"

using chat::net::multipart_boundary;
using chat::net::multipart_reader;
using status = multipart_reader::status;

namespace {

const std::string boundary = "----WebKitFormBoundary7MA4YWxkTrZu0gW";

/// A form body as a browser sends it: a text field, the file part, another field, the end.
std::string form(const std::string& content, const std::string& disposition = "form-data; name=\"file\"; filename=\"cat.png\"") {
  return "--" + boundary + "\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n--" + boundary +
         "\r\nContent-Disposition: " + disposition + "\r\nContent-Type: image/png\r\n\r\n" + content + "\r\n--" +
         boundary + "\r\nContent-Disposition: form-data; name=\"after\"\r\n\r\nx\r\n--" + boundary + "--\r\n";
}

/// Feeds `body` in pieces of `step` bytes; the file's content and the last status.
std::pair<std::string, status> run(const std::string& body, std::size_t step, multipart_reader& r) {
  std::string out;
  status st = status::more;
  for (std::size_t i = 0; i < body.size() && st == status::more; i += step)
    st = r.feed(std::string_view{body}.substr(i, step), out);
  return {out, st};
}

} // namespace

CAF_TEST(boundary from the content type) {
  CAF_CHECK_EQUAL(multipart_boundary("multipart/form-data; boundary=abc").value_or("-"), "abc");
  CAF_CHECK_EQUAL(multipart_boundary("Multipart/Form-Data;boundary=\"a b\"").value_or("-"), "a b");
  CAF_CHECK(!multipart_boundary("multipart/form-data"));
  CAF_CHECK(!multipart_boundary("multipart/mixed; boundary=abc"));
  CAF_CHECK(!multipart_boundary("multipart/form-data; boundary="));
  CAF_CHECK(!multipart_boundary("multipart/form-data; boundary=" + std::string(71, 'a')));
}

CAF_TEST(the file part whatever the piece size) {
  // Content that looks like a delimiter's start, CRLFs and dashes must come through unchanged.
  std::string content = "\x89PNG\r\n\x1a\n\r\n--" + boundary.substr(0, 10) + "\r\n-- data --\r\n";
  for (int i = 0; i < 200; ++i)
    content.push_back(static_cast<char>(i));
  auto body = form(content);
  for (std::size_t step : {std::size_t{1}, std::size_t{2}, std::size_t{7}, std::size_t{64}, body.size()}) {
    multipart_reader r{boundary};
    auto [out, st] = run(body, step, r);
    CAF_CHECK(st == status::done);
    CAF_CHECK_EQUAL(out, content);
    CAF_CHECK_EQUAL(r.filename(), "cat.png");
  }
}

CAF_TEST(an empty file part and names) {
  multipart_reader empty{boundary};
  auto [out, st] = run(form(""), 5, empty);
  CAF_CHECK(st == status::done);
  CAF_CHECK(out.empty());
  multipart_reader path{boundary};
  run(form("x", "form-data; name=\"file\"; filename=\"C:\\\\Users\\\\me\\\\a b.txt\""), 3, path);
  CAF_CHECK_EQUAL(path.filename(), "a b.txt");
  multipart_reader ext{boundary};
  run(form("x", "form-data; name=\"file\"; filename*=UTF-8''%C3%A9t%C3%A9.txt"), 3, ext);
  CAF_CHECK_EQUAL(ext.filename(), "\xC3\xA9t\xC3\xA9.txt");
}

CAF_TEST(malformed forms) {
  multipart_reader none{boundary};
  auto body = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhi\r\n--" + boundary + "--\r\n";
  CAF_CHECK(run(body, 4, none).second == status::malformed);
  CAF_CHECK_EQUAL(none.why(), "the form has no part named \"file\"");
  multipart_reader garbage{boundary};
  CAF_CHECK(run("--" + boundary + "XX\r\n", 100, garbage).second == status::malformed);
  multipart_reader huge{boundary};
  CAF_CHECK(run("--" + boundary + "\r\nX-A: " + std::string(9000, 'a'), 1000, huge).second == status::malformed);
  multipart_reader unfinished{boundary}; // the file never ends: more, never done
  auto cut = form("content");
  CAF_CHECK(run(cut.substr(0, cut.find("content") + 4), 3, unfinished).second == status::more);
  CAF_CHECK(unfinished.in_file());
}
