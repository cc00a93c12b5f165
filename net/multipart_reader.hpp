#pragma once
/// A streaming reader of a `multipart/form-data` body (RFC 7578) for uploads from plain HTML forms
/// (issue #24): it finds the part named `file` and hands its content on piece by piece, never
/// holding more than a part head and one boundary's length of the body. Other parts are skipped;
/// after the file part the rest of the body is ignored. Pure: unit-tested directly.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace chat::net {

/// The boundary of a `Content-Type: multipart/form-data; boundary=…` value (quoted or not, 1–70
/// characters); std::nullopt for another type or a missing or malformed boundary.
std::optional<std::string> multipart_boundary(std::string_view content_type);

class multipart_reader {
public:
  /// What feed() found.
  enum class status {
    more,      ///< go on feeding
    done,      ///< the file part ended (the rest of the body does not matter)
    malformed, ///< not a form body this reader understands (why() says what)
  };

  explicit multipart_reader(std::string boundary);

  /// Reads the next bytes of the body; the file part's content among them is appended to `out`.
  status feed(std::string_view in, std::string& out);

  /// The file part's `filename` (empty until its head was read, or when it has none).
  const std::string& filename() const noexcept { return filename_; }
  /// Whether the head of the file part was read.
  bool in_file() const noexcept { return found_; }
  /// What was wrong (malformed).
  const std::string& why() const noexcept { return why_; }

  /// Longest part head read (its header lines together).
  static constexpr std::size_t max_head_bytes = 8192;

private:
  enum class state { preamble, after_delimiter, head, body, finished, failed };

  status fail(std::string why);
  /// Parses a complete part head (without its blank line): whether it is the file part.
  bool read_head(std::string_view head);

  std::string delimiter_; ///< "\r\n--" + boundary (the body's first delimiter lacks the CRLF)
  state state_ = state::preamble;
  std::string carry_;     ///< bytes kept back: a delimiter may start in them
  bool file_part_ = false; ///< the current part is the file
  bool found_ = false;
  std::string filename_;
  std::string why_;
};

} // namespace chat::net
