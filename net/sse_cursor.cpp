#include "net/sse_cursor.hpp"

#include "common/text.hpp"

namespace chat::net {

std::string format_sse_cursor(const sse_cursor& cursor) {
  std::string out;
  out.reserve(cursor.size() * 20);
  for (auto& [room, id] : cursor) {
    if (!out.empty())
      out.push_back(',');
    out.append(room).push_back('=');
    out.append(std::to_string(id));
  }
  return out;
}

sse_cursor parse_sse_cursor(std::string_view text, std::size_t max_rooms) {
  sse_cursor out;
  while (!text.empty() && out.size() < max_rooms) {
    auto comma = text.find(',');
    auto item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    auto eq = item.find('=');
    if (eq == std::string_view::npos)
      continue;
    auto room = item.substr(0, eq);
    auto id = parse_int64(item.substr(eq + 1));
    if (!is_room_id(room) || !id || *id < 0)
      continue;
    out.insert_or_assign(std::string{room}, *id);
  }
  return out;
}

} // namespace chat::net
