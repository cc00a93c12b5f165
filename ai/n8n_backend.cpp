#include "ai/n8n_backend.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "ai/http_error_detail.hpp"

namespace chat::ai {

namespace {

using writer = rapidjson::Writer<rapidjson::StringBuffer>;

void put(writer& w, std::string_view key, std::string_view value) {
  w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

/// The string member `key` of `obj`, if it is one.
std::optional<std::string_view> string_member(const rapidjson::Value& obj, const char* key) {
  auto it = obj.FindMember(key);
  if (it == obj.MemberEnd() || !it->value.IsString())
    return std::nullopt;
  return std::string_view{it->value.GetString(), it->value.GetStringLength()};
}

/// Whether `line` is a streamed-mode event: a JSON object whose "type" is begin, item, end or error.
bool is_stream_event(std::string_view line) {
  rapidjson::Document doc;
  doc.Parse(line.data(), line.size());
  if (doc.HasParseError() || !doc.IsObject())
    return false;
  auto type = string_member(doc, "type");
  return type && (*type == "begin" || *type == "item" || *type == "end" || *type == "error");
}

std::string_view trim_space(std::string_view s) noexcept {
  auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos)
    return {};
  return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
}

} // namespace

std::string n8n_request_body(const request& req) {
  rapidjson::StringBuffer buf;
  writer w{buf};
  w.StartObject();
  put(w, "roomId", req.room_id);
  put(w, "userId", req.user_id);
  put(w, "username", req.username);
  put(w, "text", req.text);
  w.Key("context");
  w.StartArray();
  for (const auto& t : req.turns) {
    w.StartObject();
    put(w, "role", to_string(t.who));
    put(w, "content", t.content);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return std::string{buf.GetString(), buf.GetSize()};
}

n8n_reader::n8n_reader(std::size_t max_whole_body) : max_whole_(max_whole_body) {}

void n8n_reader::on_header(std::string_view) {
  // Both modes come as application/json (some set application/x-ndjson): the body decides.
}

std::optional<verdict> n8n_reader::on_body(std::string_view bytes, const text_fn& emit) {
  if (mode_ != mode::streamed) {
    if (whole_.size() + bytes.size() > max_whole_)
      return verdict{outcome::malformed, "answer larger than " + std::to_string(max_whole_) + " bytes"};
    whole_.append(bytes);
    if (mode_ == mode::whole)
      return std::nullopt;
    auto nl = whole_.find('\n');
    // Decide at the first non-blank complete line.
    std::size_t start = 0;
    while (nl != std::string::npos) {
      auto line = std::string_view{whole_}.substr(start, nl - start);
      if (line.find_first_not_of(" \t\r") != std::string_view::npos)
        break;
      start = nl + 1;
      nl = whole_.find('\n', start);
    }
    if (nl == std::string::npos)
      return std::nullopt;
    if (!is_stream_event(std::string_view{whole_}.substr(start, nl - start))) {
      mode_ = mode::whole;
      return std::nullopt;
    }
    mode_ = mode::streamed;
    std::string held;
    held.swap(whole_);
    return feed_lines(held, emit);
  }
  return feed_lines(bytes, emit);
}

std::optional<verdict> n8n_reader::feed_lines(std::string_view bytes, const text_fn& emit) {
  bool ok = lines_.feed(bytes, [&](std::string_view l) {
    on_line(l, emit);
    return !result_;
  });
  if (!ok && !result_)
    result_ = verdict{outcome::malformed, "JSON line too long"};
  return result_;
}

verdict n8n_reader::on_complete(const text_fn& emit) {
  if (mode_ == mode::undecided) {
    // No complete line: a last line without its newline is streamed if it is an event.
    if (is_stream_event(trim_space(whole_))) {
      mode_ = mode::streamed;
      std::string held;
      held.swap(whole_);
      lines_.feed(held, [&](std::string_view l) {
        on_line(l, emit);
        return !result_;
      });
    } else {
      mode_ = mode::whole;
    }
  }
  if (mode_ == mode::whole)
    return whole_answer(emit);
  if (!result_)
    lines_.finish([&](std::string_view l) {
      on_line(l, emit);
      return !result_;
    });
  if (result_)
    return *result_;
  if (ended_ && open_ == 0)
    return {outcome::ok, {}};
  return {outcome::upstream, "stream ended before its end event"};
}

void n8n_reader::on_line(std::string_view line, const text_fn& emit) {
  rapidjson::Document doc;
  doc.Parse(line.data(), line.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    result_ = verdict{outcome::malformed, "line is not a JSON object"};
    return;
  }
  auto type = string_member(doc, "type");
  if (!type) {
    result_ = verdict{outcome::malformed, "line without a type"};
    return;
  }
  if (*type == "begin") {
    ++open_;
    ended_ = false;
  } else if (*type == "item") {
    auto it = doc.FindMember("content");
    if (it == doc.MemberEnd() || it->value.IsNull())
      return;
    if (!it->value.IsString()) {
      result_ = verdict{outcome::malformed, "item content is not a string"};
      return;
    }
    if (it->value.GetStringLength() > 0)
      emit(std::string_view{it->value.GetString(), it->value.GetStringLength()});
  } else if (*type == "end") {
    if (open_ > 0)
      --open_;
    ended_ = true;
  } else if (*type == "error") {
    auto content = string_member(doc, "content");
    result_ = verdict{outcome::upstream, "workflow error: " +
                                             (content ? printable_excerpt(*content, 300) : std::string{"(no message)"})};
  }
  // Other types (metadata, …) are ignored.
}

verdict n8n_reader::whole_answer(const text_fn& emit) const {
  rapidjson::Document doc;
  doc.Parse(whole_.data(), whole_.size());
  if (doc.HasParseError())
    return {outcome::malformed, "answer is not JSON"};
  const rapidjson::Value* obj = &doc;
  if (doc.IsArray() && !doc.Empty())
    obj = &doc[0];
  if (!obj->IsObject())
    return {outcome::malformed, "answer is not a JSON object"};
  auto output = string_member(*obj, "output");
  if (!output)
    return {outcome::malformed, "answer without a string \"output\""};
  if (!output->empty())
    emit(*output);
  return {outcome::ok, {}};
}

} // namespace chat::ai
