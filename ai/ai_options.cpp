#include "ai/ai_options.hpp"

#include "ai/http_backend.hpp"
#include "ai/http_url.hpp"
#include "ai/n8n_backend.hpp"
#include "ai/openai_backend.hpp"

namespace chat::ai {

namespace {

std::string_view trim(std::string_view s) noexcept {
  auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos)
    return {};
  return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
}

bool has_control(std::string_view s) noexcept {
  for (char c : s)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      return true;
  return false;
}

std::string ms_text(std::chrono::milliseconds d) {
  return d.count() % 1000 == 0 ? std::to_string(d.count() / 1000) + "s" : std::to_string(d.count()) + "ms";
}

} // namespace

std::string_view to_string(backend_kind kind) noexcept {
  switch (kind) {
    case backend_kind::openai: return "openai";
    case backend_kind::n8n: return "n8n";
    case backend_kind::none: break;
  }
  return "none";
}

bool parse_backend_kind(std::string_view text, backend_kind& out) noexcept {
  for (auto k : {backend_kind::none, backend_kind::openai, backend_kind::n8n})
    if (text == to_string(k)) {
      out = k;
      return true;
    }
  return false;
}

std::unique_ptr<backend> make_backend(const ai_options& options, std::string& error) {
  if (options.kind == backend_kind::none) {
    error = "no backend configured";
    return nullptr;
  }
  http_url url;
  std::string url_error;
  if (!parse_http_url(options.url, url, url_error)) {
    error = "invalid backend URL: " + url_error;
    return nullptr;
  }
  auto key = trim(options.api_key);
  if (has_control(key)) {
    error = "the API key contains control characters";
    return nullptr;
  }
  if (options.idle_timeout.count() <= 0 || options.reply_timeout.count() <= 0) {
    error = "timeouts must be positive";
    return nullptr;
  }
  protocol proto;
  if (options.kind == backend_kind::openai) {
    if (trim(options.model).empty()) {
      error = "a model is required for an OpenAI-compatible backend";
      return nullptr;
    }
    proto.name = "openai";
    proto.url = with_path_suffix(url, "/chat/completions");
    proto.accept = "text/event-stream";
    proto.body = [model = std::string{trim(options.model)}](const request& r) { return openai_request_body(r, model); };
    proto.reader = [] { return std::make_unique<openai_reader>(); };
  } else {
    proto.name = "n8n";
    proto.url = url;
    proto.accept = "application/json, application/x-ndjson";
    proto.body = [](const request& r) { return n8n_request_body(r); };
    proto.reader = [] { return std::make_unique<n8n_reader>(); };
  }
  transport_options t;
  t.api_key = std::string{key};
  t.ca_file = options.ca_file;
  t.idle_timeout = options.idle_timeout;
  t.reply_timeout = options.reply_timeout;
  return http_backend::create(std::move(proto), t, error);
}

std::string describe(const ai_options& options) {
  std::string s = "backend=" + std::string{to_string(options.kind)};
  if (options.kind == backend_kind::none)
    return s;
  http_url url;
  std::string ignored;
  s += " url=" + (parse_http_url(options.url, url, ignored) ? describe(url) : std::string{"(invalid)"});
  if (options.kind == backend_kind::openai)
    s += " model=" + options.model;
  s += std::string{" api_key="} + (trim(options.api_key).empty() ? "(none)" : "(set)");
  if (!options.ca_file.empty())
    s += " ca_file=" + options.ca_file;
  s += " idle_timeout=" + ms_text(options.idle_timeout) + " reply_timeout=" + ms_text(options.reply_timeout);
  return s;
}

} // namespace chat::ai
