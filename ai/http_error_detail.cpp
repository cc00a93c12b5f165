#include "ai/http_error_detail.hpp"

#include <rapidjson/document.h>

namespace chat::ai {

namespace {

/// Length of the valid UTF-8 sequence starting at s[i], or 0 when invalid.
std::size_t utf8_length(std::string_view s, std::size_t i) noexcept {
  auto c = static_cast<unsigned char>(s[i]);
  std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
  if (n == 0 || i + n > s.size())
    return 0;
  for (std::size_t k = 1; k < n; ++k)
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80)
      return 0;
  return n;
}

/// The human message of a JSON error body, when it has one.
std::string json_message(std::string_view body) {
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject())
    return {};
  auto str = [](const rapidjson::Value& obj, const char* key) -> std::string {
    auto it = obj.FindMember(key);
    if (it != obj.MemberEnd() && it->value.IsString())
      return std::string{it->value.GetString(), it->value.GetStringLength()};
    return {};
  };
  auto err = doc.FindMember("error");
  if (err != doc.MemberEnd()) {
    if (err->value.IsString())
      return std::string{err->value.GetString(), err->value.GetStringLength()};
    if (err->value.IsObject())
      if (auto m = str(err->value, "message"); !m.empty())
        return m;
  }
  if (auto m = str(doc, "message"); !m.empty())
    return m;
  return str(doc, "detail");
}

} // namespace

std::string printable_excerpt(std::string_view text, std::size_t max_bytes) {
  std::string out;
  bool space = false;
  for (std::size_t i = 0; i < text.size();) {
    std::size_t n = utf8_length(text, i);
    bool blank = n == 0 || (n == 1 && (static_cast<unsigned char>(text[i]) < 0x20 || text[i] == 0x7f || text[i] == ' '));
    if (blank) {
      space = !out.empty();
      i += n == 0 ? 1 : n;
      continue;
    }
    std::size_t need = n + (space ? 1 : 0);
    if (out.size() + need > max_bytes) {
      out += "…";
      return out;
    }
    if (space)
      out.push_back(' ');
    space = false;
    out.append(text.substr(i, n));
    i += n;
  }
  return out;
}

std::string describe_http_error(unsigned status, std::string_view reason, std::string_view body,
                                std::size_t max_chars) {
  std::string out = "HTTP " + std::to_string(status);
  auto r = printable_excerpt(reason, 60);
  if (!r.empty())
    out += " " + r;
  std::string message = json_message(body);
  auto text = printable_excerpt(message.empty() ? body : std::string_view{message}, max_chars);
  if (!text.empty())
    out += ": " + text;
  return out;
}

std::string redact(std::string_view text, std::string_view secret) {
  std::string out{text};
  if (secret.empty())
    return out;
  for (auto pos = out.find(secret); pos != std::string::npos; pos = out.find(secret, pos + 10))
    out.replace(pos, secret.size(), "[redacted]");
  return out;
}

} // namespace chat::ai
