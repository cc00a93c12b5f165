#pragma once
/// An incremental parser of a `text/event-stream` body (the Server-Sent Events format of the HTML
/// standard), as a client reads it: bytes in any split, events out. Pure: no I/O, no threads.
///
/// Lines end in CRLF, LF or CR (a CR at the end of one read and the LF at the start of the next are
/// one line end). `data:` lines append to the event's data (joined by "\n"), `event:` sets its
/// type, `id:` its id; one space after the colon is dropped; lines starting with ':' are comments;
/// a blank line dispatches the event (an event without data lines is not dispatched). A UTF-8 BOM
/// at the start is skipped.

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace chat::ai {

/// One dispatched event.
struct sse_event {
  std::string type; ///< `event:` field; empty means "message"
  std::string data; ///< the data lines joined by "\n"
  std::string id;   ///< `id:` field of this event (empty when none)
};

class sse_parser {
public:
  /// Called for each complete event; return false to stop parsing the rest of this feed.
  using event_fn = std::function<bool(const sse_event&)>;

  /// `max_line` bounds one line and `max_event` one event's data (bytes); beyond -> error.
  explicit sse_parser(std::size_t max_line = 1 << 20, std::size_t max_event = 4 << 20);

  /// Parses `bytes`. Returns false when a bound was exceeded (the parser is then unusable) or when
  /// `on_event` returned false.
  bool feed(std::string_view bytes, const event_fn& on_event);

  /// At the end of the stream: dispatches an event whose data lines all ended but whose closing
  /// blank line never came (lenient; the standard discards it). Returns false if `on_event` did.
  bool finish(const event_fn& on_event);

  /// True after a bound was exceeded.
  bool overflowed() const noexcept { return overflow_; }

private:
  bool line(std::string_view l, const event_fn& on_event);
  bool dispatch(const event_fn& on_event);

  std::size_t max_line_;
  std::size_t max_event_;
  std::string partial_;       ///< an unterminated line
  bool after_cr_ = false;     ///< the last byte seen was a CR (a following LF is part of it)
  bool started_ = false;      ///< past the optional BOM
  bool have_data_ = false;    ///< at least one data line in the current event
  bool overflow_ = false;
  sse_event current_;
};

} // namespace chat::ai
