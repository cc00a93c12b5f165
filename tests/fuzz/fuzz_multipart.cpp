// libFuzzer target: net/multipart_reader, the streaming decoder of form uploads (issue #24).
//
// Input: byte 0 picks the piece size (1..256); the rest is a form body with the boundary "XyZ".
// Properties: no crash or over-read (ASan); the outcome (status, the file's content, its name) does
// not depend on how the body is cut into pieces; the content is never longer than the body; after
// done or malformed, further input changes nothing.

#include <string>

#include "fuzz_check.hpp"
#include "net/multipart_reader.hpp"

namespace {

using chat::net::multipart_reader;

struct outcome {
  multipart_reader::status st = multipart_reader::status::more;
  std::string out;
  std::string name;
};

outcome run(std::string_view body, std::size_t step) {
  multipart_reader r{"XyZ"};
  outcome o;
  for (std::size_t i = 0; i < body.size() && o.st == multipart_reader::status::more; i += step)
    o.st = r.feed(body.substr(i, step), o.out);
  if (o.st != multipart_reader::status::more) { // finished readers ignore what follows
    std::string more;
    FUZZ_CHECK(r.feed("\r\n--XyZ\r\n\r\nmore", more) == o.st);
    FUZZ_CHECK(more.empty());
  }
  o.name = r.filename();
  return o;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  chat::fuzz::input in{data, size};
  const std::size_t step = 1 + in.byte() % 256;
  const std::string body{in.rest()}; // exactly sized: ASan sees over-reads
  const auto whole = run(body, body.size() + 1);
  const auto cut = run(body, step);
  FUZZ_CHECK(whole.st == cut.st);
  FUZZ_CHECK(whole.name == cut.name);
  if (whole.st == multipart_reader::status::done)
    FUZZ_CHECK(whole.out == cut.out);
  FUZZ_CHECK(whole.out.size() <= body.size());
  return 0;
}
