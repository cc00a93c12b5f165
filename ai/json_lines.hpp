#pragma once
/// Splits a body of JSON lines (newline-delimited JSON, as n8n streams it) into lines, whatever
/// the split of the reads. Pure: no I/O, no threads, no JSON parsing (the caller parses each line).
///
/// Lines end in LF; a CR before the LF is dropped; blank lines (also whitespace-only) are skipped.

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace chat::ai {

class json_lines {
public:
  /// Called for each complete non-blank line; return false to stop.
  using line_fn = std::function<bool(std::string_view line)>;

  /// `max_line`: the longest line accepted (bytes); beyond -> feed() returns false.
  explicit json_lines(std::size_t max_line = 1 << 20) : max_line_(max_line) {}

  /// Splits `bytes`. False when a line is too long (the splitter is then unusable) or `on_line`
  /// returned false.
  bool feed(std::string_view bytes, const line_fn& on_line);

  /// At the end of the body: the last line without a final LF, if any (false as above).
  bool finish(const line_fn& on_line);

  /// True after a line exceeded the bound.
  bool overflowed() const noexcept { return overflow_; }

  /// Bytes of an unterminated line held so far.
  std::size_t pending() const noexcept { return partial_.size(); }

private:
  bool emit(std::string_view line, const line_fn& on_line);

  std::size_t max_line_;
  std::string partial_;
  bool overflow_ = false;
};

} // namespace chat::ai
