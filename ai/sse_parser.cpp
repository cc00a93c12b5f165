#include "ai/sse_parser.hpp"

#include <algorithm>

namespace chat::ai {

sse_parser::sse_parser(std::size_t max_line, std::size_t max_event)
    : max_line_(max_line), max_event_(max_event) {}

bool sse_parser::feed(std::string_view bytes, const event_fn& on_event) {
  if (overflow_)
    return false;
  if (!started_) {
    // The BOM may itself arrive split: wait until three bytes (or a mismatch) are known.
    static constexpr std::string_view bom = "\xEF\xBB\xBF";
    partial_.append(bytes);
    auto n = std::min(partial_.size(), bom.size());
    if (partial_.compare(0, n, bom.substr(0, n)) == 0 && partial_.size() < bom.size())
      return true;
    started_ = true;
    std::string pending;
    pending.swap(partial_);
    std::string_view rest = pending;
    if (rest.substr(0, bom.size()) == bom)
      rest.remove_prefix(bom.size());
    return feed(rest, on_event);
  }
  std::size_t start = 0;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    char c = bytes[i];
    if (c != '\r' && c != '\n')
      continue;
    if (c == '\n' && after_cr_ && i == start && partial_.empty()) {
      // The LF of a CRLF whose CR ended the previous line.
      after_cr_ = false;
      start = i + 1;
      continue;
    }
    after_cr_ = c == '\r';
    std::string_view piece = bytes.substr(start, i - start);
    bool ok;
    if (partial_.empty()) {
      ok = line(piece, on_event);
    } else {
      partial_.append(piece);
      std::string l;
      l.swap(partial_);
      ok = line(l, on_event);
    }
    start = i + 1;
    if (!ok)
      return false;
  }
  if (start < bytes.size()) {
    after_cr_ = false;
    partial_.append(bytes.substr(start));
    if (partial_.size() > max_line_) {
      overflow_ = true;
      return false;
    }
  }
  return true;
}

bool sse_parser::finish(const event_fn& on_event) {
  if (overflow_)
    return false;
  if (!started_) {
    started_ = true;
    std::string pending;
    pending.swap(partial_);
    if (!feed(pending, on_event))
      return false;
  }
  // An unterminated last line is incomplete: dropped, as the standard says.
  partial_.clear();
  if (!have_data_)
    return true;
  return dispatch(on_event);
}

bool sse_parser::line(std::string_view l, const event_fn& on_event) {
  if (l.size() > max_line_) {
    overflow_ = true;
    return false;
  }
  if (l.empty())
    return dispatch(on_event);
  if (l.front() == ':')
    return true; // comment (keep-alive)
  auto colon = l.find(':');
  std::string_view field = l.substr(0, colon);
  std::string_view value;
  if (colon != std::string_view::npos) {
    value = l.substr(colon + 1);
    if (!value.empty() && value.front() == ' ')
      value.remove_prefix(1);
  }
  if (field == "data") {
    if (have_data_)
      current_.data.push_back('\n');
    current_.data.append(value);
    have_data_ = true;
    if (current_.data.size() > max_event_) {
      overflow_ = true;
      return false;
    }
  } else if (field == "event") {
    current_.type.assign(value);
  } else if (field == "id") {
    if (value.find('\0') == std::string_view::npos)
      current_.id.assign(value);
  }
  // "retry" and unknown fields are ignored.
  return true;
}

bool sse_parser::dispatch(const event_fn& on_event) {
  bool had = have_data_;
  sse_event ev;
  ev.type.swap(current_.type);
  ev.data.swap(current_.data);
  ev.id.swap(current_.id);
  have_data_ = false;
  if (!had)
    return true;
  return on_event(ev);
}

} // namespace chat::ai
