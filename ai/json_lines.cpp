#include "ai/json_lines.hpp"

namespace chat::ai {

namespace {

bool blank(std::string_view s) noexcept {
  for (char c : s)
    if (c != ' ' && c != '\t' && c != '\r')
      return false;
  return true;
}

} // namespace

bool json_lines::feed(std::string_view bytes, const line_fn& on_line) {
  if (overflow_)
    return false;
  while (!bytes.empty()) {
    auto nl = bytes.find('\n');
    if (nl == std::string_view::npos) {
      if (partial_.size() + bytes.size() > max_line_) {
        overflow_ = true;
        return false;
      }
      partial_.append(bytes);
      return true;
    }
    bool ok;
    if (partial_.empty()) {
      ok = emit(bytes.substr(0, nl), on_line);
    } else {
      partial_.append(bytes.substr(0, nl));
      std::string l;
      l.swap(partial_);
      ok = emit(l, on_line);
    }
    if (!ok)
      return false;
    bytes.remove_prefix(nl + 1);
  }
  return true;
}

bool json_lines::finish(const line_fn& on_line) {
  if (overflow_)
    return false;
  std::string l;
  l.swap(partial_);
  return emit(l, on_line);
}

bool json_lines::emit(std::string_view line, const line_fn& on_line) {
  if (line.size() > max_line_) {
    overflow_ = true;
    return false;
  }
  if (!line.empty() && line.back() == '\r')
    line.remove_suffix(1);
  if (blank(line))
    return true;
  return on_line(line);
}

} // namespace chat::ai
