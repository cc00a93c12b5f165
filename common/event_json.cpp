#include "common/event_json.hpp"

namespace chat {
namespace {
constexpr std::string_view head = R"({"type":")";
constexpr std::string_view middle = R"(","data":)";
} // namespace

std::string event_json(std::string_view type, std::string_view data_json) {
  std::string out;
  out.reserve(head.size() + type.size() + middle.size() + data_json.size() + 1);
  out.append(head).append(type).append(middle).append(data_json).push_back('}');
  return out;
}

bool is_event(std::string_view frame, std::string_view type) {
  return frame.size() > head.size() + type.size() + 1 && frame.substr(0, head.size()) == head &&
         frame.substr(head.size(), type.size()) == type && frame[head.size() + type.size()] == '"';
}

} // namespace chat
