#include "ai/openai_backend.hpp"

#include <boost/algorithm/string/predicate.hpp>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "ai/http_error_detail.hpp"

namespace chat::ai {

namespace {

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

/// The `{"error":…}` member of a payload as a detail, or empty.
std::string error_member(const rapidjson::Value& obj) {
  auto it = obj.FindMember("error");
  if (it == obj.MemberEnd() || it->value.IsNull())
    return {};
  std::string msg;
  if (it->value.IsString())
    msg = it->value.GetString();
  else if (it->value.IsObject()) {
    auto m = it->value.FindMember("message");
    if (m != it->value.MemberEnd() && m->value.IsString())
      msg = m->value.GetString();
  }
  return "error in the stream: " + (msg.empty() ? std::string{"(no message)"} : printable_excerpt(msg, 300));
}

} // namespace

std::string openai_request_body(const request& req, std::string_view model) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w{buf};
  w.StartObject();
  w.Key("model");
  w.String(model.data(), static_cast<rapidjson::SizeType>(model.size()));
  w.Key("stream");
  w.Bool(true);
  w.Key("messages");
  w.StartArray();
  for (const auto& t : req.turns) {
    w.StartObject();
    auto role = to_string(t.who);
    w.Key("role");
    w.String(role.data(), static_cast<rapidjson::SizeType>(role.size()));
    w.Key("content");
    w.String(t.content.data(), static_cast<rapidjson::SizeType>(t.content.size()));
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return std::string{buf.GetString(), buf.GetSize()};
}

openai_reader::openai_reader(std::size_t max_whole_body) : max_whole_(max_whole_body) {}

void openai_reader::on_header(std::string_view content_type) {
  auto ct = trim(content_type);
  whole_json_ = boost::algorithm::istarts_with(ct, "application/json");
}

std::optional<verdict> openai_reader::on_body(std::string_view bytes, const text_fn& emit) {
  if (whole_json_) {
    if (whole_.size() + bytes.size() > max_whole_)
      return verdict{outcome::malformed, "JSON answer larger than " + std::to_string(max_whole_) + " bytes"};
    whole_.append(bytes);
    return std::nullopt;
  }
  bool ok = sse_.feed(bytes, [&](const sse_event& ev) {
    on_data(ev.data, emit);
    return !result_;
  });
  if (!ok && !result_)
    result_ = verdict{outcome::malformed, "event stream line or event too long"};
  return result_;
}

verdict openai_reader::on_complete(const text_fn& emit) {
  if (whole_json_) {
    rapidjson::Document doc;
    doc.Parse(whole_.data(), whole_.size());
    if (doc.HasParseError() || !doc.IsObject())
      return {outcome::malformed, "answer is not a JSON object"};
    if (auto e = error_member(doc); !e.empty())
      return {outcome::upstream, e};
    auto choices = doc.FindMember("choices");
    if (choices == doc.MemberEnd() || !choices->value.IsArray() || choices->value.Empty() ||
        !choices->value[0].IsObject())
      return {outcome::malformed, "answer without choices"};
    auto msg = choices->value[0].FindMember("message");
    if (msg == choices->value[0].MemberEnd() || !msg->value.IsObject())
      return {outcome::malformed, "answer without choices[0].message"};
    auto content = msg->value.FindMember("content");
    if (content == msg->value.MemberEnd() || !content->value.IsString())
      return {outcome::malformed, "answer without choices[0].message.content"};
    if (content->value.GetStringLength() > 0)
      emit(std::string_view{content->value.GetString(), content->value.GetStringLength()});
    return {outcome::ok, {}};
  }
  if (!result_) {
    sse_.finish([&](const sse_event& ev) {
      on_data(ev.data, emit);
      return !result_;
    });
  }
  if (result_)
    return *result_;
  return {outcome::upstream, "stream ended before [DONE]"};
}

void openai_reader::on_data(const std::string& data, const text_fn& emit) {
  if (trim(data) == "[DONE]") {
    result_ = verdict{outcome::ok, {}};
    return;
  }
  rapidjson::Document doc;
  doc.Parse(data.data(), data.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    result_ = verdict{outcome::malformed, "data line is not a JSON object"};
    return;
  }
  if (auto e = error_member(doc); !e.empty()) {
    result_ = verdict{outcome::upstream, e};
    return;
  }
  auto choices = doc.FindMember("choices");
  if (choices == doc.MemberEnd() || !choices->value.IsArray()) {
    result_ = verdict{outcome::malformed, "chunk without choices"};
    return;
  }
  if (choices->value.Empty())
    return; // e.g. the usage chunk of stream_options.include_usage
  const auto& first = choices->value[0];
  if (!first.IsObject()) {
    result_ = verdict{outcome::malformed, "choices[0] is not an object"};
    return;
  }
  auto delta = first.FindMember("delta");
  if (delta == first.MemberEnd() || delta->value.IsNull())
    return; // a chunk with only finish_reason
  if (!delta->value.IsObject()) {
    result_ = verdict{outcome::malformed, "choices[0].delta is not an object"};
    return;
  }
  auto content = delta->value.FindMember("content");
  if (content == delta->value.MemberEnd() || content->value.IsNull())
    return; // the role-only first chunk, a tool call, reasoning
  if (!content->value.IsString()) {
    result_ = verdict{outcome::malformed, "choices[0].delta.content is not a string"};
    return;
  }
  if (content->value.GetStringLength() > 0)
    emit(std::string_view{content->value.GetString(), content->value.GetStringLength()});
}

} // namespace chat::ai
