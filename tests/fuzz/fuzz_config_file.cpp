// libFuzzer target: common/config_file, the text format of chatnode's `--config` file
// (`name = value` lines, comments, quotes). The option table that gives the names meaning stays in
// app/ (never linked by tests).
//
// Input: the file's text.

#include <string>

#include "common/config_file.hpp"
#include "common/text.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size); // an exactly sized copy
  const auto parsed = chat::parse_config_file(text);
  int lines = 0;
  for (char c : text)
    lines += c == '\n';
  lines += !text.empty() && text.back() != '\n';
  int last = 0;
  for (const auto& e : parsed.entries) {
    FUZZ_CHECK(e.line > last && e.line <= lines); // in file order, one entry per line at most
    last = e.line;
    FUZZ_CHECK(chat::trim_ascii(e.key) == e.key);
    FUZZ_CHECK(e.key.find('_') == std::string::npos);
    FUZZ_CHECK(e.key.find('=') == std::string::npos);
    FUZZ_CHECK(e.key.find('\n') == std::string::npos && e.value.find('\n') == std::string::npos);
  }
  FUZZ_CHECK(parsed.error_line == 0 || (parsed.error_line > last && parsed.error_line <= lines));
  return 0;
}
