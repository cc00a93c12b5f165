#include "net/multipart_reader.hpp"

#include "common/text.hpp"
#include "net/query.hpp"

namespace chat::net {

namespace {

/// The value of parameter `name` in `; a=1; b="x y"` lists (quotes removed), std::nullopt if absent.
std::optional<std::string> parameter(std::string_view list, std::string_view name) {
  while (!list.empty()) {
    auto semi = list.find(';');
    auto item = trim_ascii(list.substr(0, semi));
    list = semi == std::string_view::npos ? std::string_view{} : list.substr(semi + 1);
    auto eq = item.find('=');
    if (eq == std::string_view::npos || !iequals(trim_ascii(item.substr(0, eq)), name))
      continue;
    auto value = trim_ascii(item.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      std::string out;
      for (std::size_t i = 1; i + 1 < value.size(); ++i) {
        if (value[i] == '\\' && i + 2 < value.size())
          ++i;
        out.push_back(value[i]);
      }
      return out;
    }
    return std::string{value};
  }
  return std::nullopt;
}

} // namespace

std::optional<std::string> multipart_boundary(std::string_view content_type) {
  auto semi = content_type.find(';');
  if (!iequals(trim_ascii(content_type.substr(0, semi)), "multipart/form-data") || semi == std::string_view::npos)
    return std::nullopt;
  // (a `;` inside a quoted boundary would end it early: such a boundary is refused below anyway)
  auto b = parameter(content_type.substr(semi + 1), "boundary");
  if (!b || b->empty() || b->size() > 70)
    return std::nullopt;
  for (char c : *b)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e)
      return std::nullopt;
  return b;
}

multipart_reader::multipart_reader(std::string boundary)
  : delimiter_("\r\n--" + boundary), carry_("\r\n") {} // the first delimiter may open the body

multipart_reader::status multipart_reader::fail(std::string why) {
  state_ = state::failed;
  why_ = std::move(why);
  carry_.clear();
  return status::malformed;
}

bool multipart_reader::read_head(std::string_view head) {
  while (!head.empty()) {
    auto end = head.find("\r\n");
    auto line = head.substr(0, end);
    head = end == std::string_view::npos ? std::string_view{} : head.substr(end + 2);
    auto colon = line.find(':');
    if (colon == std::string_view::npos || !iequals(trim_ascii(line.substr(0, colon)), "content-disposition"))
      continue;
    auto value = line.substr(colon + 1);
    auto semi = value.find(';');
    if (!iequals(trim_ascii(value.substr(0, semi)), "form-data") || semi == std::string_view::npos)
      return false;
    auto params = value.substr(semi + 1);
    if (parameter(params, "name") != "file")
      return false;
    std::string name;
    if (auto ext = parameter(params, "filename*"); ext && ext->size() > 7 && iequals(ext->substr(0, 7), "UTF-8''"))
      name = percent_decode(ext->substr(7), false);
    else if (auto plain = parameter(params, "filename"))
      name = std::move(*plain);
    // Old browsers sent the whole path: the name is its last segment.
    if (auto slash = name.find_last_of("/\\"); slash != std::string::npos)
      name.erase(0, slash + 1);
    filename_ = std::move(name);
    return true;
  }
  return false;
}

multipart_reader::status multipart_reader::feed(std::string_view in, std::string& out) {
  if (state_ == state::finished)
    return status::done;
  if (state_ == state::failed)
    return status::malformed;
  std::string buf = std::move(carry_);
  buf.append(in);
  carry_.clear();
  std::string_view rest{buf};
  const auto keep = delimiter_.size() - 1; // a delimiter may begin in the last `keep` bytes
  for (;;) {
    switch (state_) {
      case state::preamble:
      case state::body: {
        auto at = rest.find(delimiter_);
        if (at == std::string_view::npos) {
          auto safe = rest.size() > keep ? rest.size() - keep : 0;
          if (state_ == state::body && file_part_)
            out.append(rest.substr(0, safe));
          carry_.assign(rest.substr(safe));
          return status::more;
        }
        if (state_ == state::body && file_part_) {
          out.append(rest.substr(0, at));
          state_ = state::finished;
          return status::done;
        }
        rest.remove_prefix(at + delimiter_.size());
        state_ = state::after_delimiter;
        break;
      }
      case state::after_delimiter: {
        if (rest.size() < 2) {
          carry_.assign(rest);
          return status::more;
        }
        if (rest.substr(0, 2) == "--")
          return fail("the form has no part named \"file\"");
        if (rest.substr(0, 2) != "\r\n")
          return fail("malformed multipart delimiter line");
        rest.remove_prefix(2);
        state_ = state::head;
        break;
      }
      case state::head: {
        std::size_t end = 0, skip = 0;
        if (rest.substr(0, 2) == "\r\n") { // a part without header lines
          skip = 2;
        } else if (auto at = rest.find("\r\n\r\n"); at != std::string_view::npos) {
          end = at;
          skip = at + 4;
        } else {
          if (rest.size() > max_head_bytes)
            return fail("multipart part head too large");
          carry_.assign(rest);
          return status::more;
        }
        if (end > max_head_bytes)
          return fail("multipart part head too large");
        file_part_ = read_head(rest.substr(0, end));
        found_ = found_ || file_part_;
        rest.remove_prefix(skip);
        state_ = state::body;
        break;
      }
      case state::finished:
        return status::done;
      case state::failed:
        return status::malformed;
    }
  }
}

} // namespace chat::net
