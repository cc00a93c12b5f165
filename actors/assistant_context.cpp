#include "actors/assistant_context.hpp"

#include <algorithm>

#include <rapidjson/document.h>

#include "storage/json_doc.hpp"
#include "storage/key_schema.hpp"

namespace chat::actors {

const char kDefaultSystemPrompt[] =
  "You are {name}, the AI assistant of GuideOps Chat, a team chat. You are answering in {room}. "
  "Earlier messages of the conversation follow; answer the last one. Be helpful and concise; you "
  "may use Markdown.";

std::vector<context_message> context_messages(const std::vector<storage::stored_message>& rows, std::size_t limit) {
  std::vector<context_message> out;
  for (const auto& row : rows) {
    if (out.size() >= limit)
      break;
    storage::json_doc parsed;
    auto& d = parsed.parse(row.json);
    if (d.HasParseError() || !d.IsObject())
      continue;
    auto flag = [&](const char* key) {
      auto it = d.FindMember(key);
      return it != d.MemberEnd() && it->value.IsBool() && it->value.GetBool();
    };
    if (flag("deleted") || flag("streaming"))
      continue;
    auto msg = d.FindMember("message");
    auto from = d.FindMember("from");
    if (msg == d.MemberEnd() || !msg->value.IsString() || msg->value.GetStringLength() == 0)
      continue;
    context_message m;
    if (from != d.MemberEnd() && from->value.IsString())
      m.from.assign(from->value.GetString(), from->value.GetStringLength());
    m.text.assign(msg->value.GetString(), msg->value.GetStringLength());
    out.push_back(std::move(m));
  }
  std::reverse(out.begin(), out.end());
  return out;
}

namespace {

void replace_all(std::string& s, std::string_view what, std::string_view with) {
  for (auto at = s.find(what); at != std::string::npos; at = s.find(what, at + with.size()))
    s.replace(at, what.size(), with);
}

std::string name_of(const std::map<std::string, std::string>& names, const std::string& id) {
  auto it = names.find(id);
  return it != names.end() ? it->second : "user " + id;
}

} // namespace

ai::request build_request(const context_params& p, const std::vector<context_message>& messages,
                          const std::map<std::string, std::string>& names) {
  ai::request req;
  req.room_id = p.room_id;
  req.user_id = p.user_id;
  req.username = name_of(names, p.user_id);
  req.text = p.text;
  auto kind = storage::classify_room_id(p.room_id);
  bool direct = kind == storage::room_kind::direct;
  std::string room;
  if (direct) {
    room = "a direct message with " + req.username;
  } else if (kind == storage::room_kind::general) {
    room = "the General channel";
  } else {
    room = "a channel";
  }
  std::string prompt = p.system_prompt.empty() ? std::string{kDefaultSystemPrompt} : p.system_prompt;
  replace_all(prompt, "{name}", p.bot_name);
  replace_all(prompt, "{room}", room);
  req.turns.push_back(ai::turn{ai::turn::role::system, std::move(prompt)});
  for (const auto& m : messages) {
    if (m.from == p.bot_id) {
      req.turns.push_back(ai::turn{ai::turn::role::assistant, m.text});
    } else if (direct) {
      req.turns.push_back(ai::turn{ai::turn::role::user, m.text});
    } else {
      req.turns.push_back(ai::turn{ai::turn::role::user, name_of(names, m.from) + ": " + m.text});
    }
  }
  return req;
}

} // namespace chat::actors
