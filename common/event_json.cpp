#include "common/event_json.hpp"

namespace chat {

std::string event_json(std::string_view type, std::string_view data_json) {
  static constexpr std::string_view head = R"({"type":")";
  static constexpr std::string_view middle = R"(","data":)";
  std::string out;
  out.reserve(head.size() + type.size() + middle.size() + data_json.size() + 1);
  out.append(head).append(type).append(middle).append(data_json).push_back('}');
  return out;
}

} // namespace chat
