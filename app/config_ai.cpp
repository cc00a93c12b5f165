#include "app/config_ai.hpp"

#include <fstream>
#include <iterator>
#include <sstream>

#include "ai/http_url.hpp"
#include "app/config.hpp"

namespace chat::app {

namespace {

constexpr std::size_t kMaxKeyFileBytes = 16 * 1024;
/// Added to --ai-timeout for the assistant's own deadline: the backend's timeout ends a reply
/// first (error `timeout`); the deadline only catches a backend that never reports its end.
constexpr std::chrono::seconds kDeadlineSlack{30};

bool valid_http_url_or_empty(const opt_value& v, std::string& why) {
  if (v.text.empty())
    return true;
  ai::http_url url;
  std::string error;
  if (ai::parse_http_url(v.text, url, error))
    return true;
  why = "is not an http:// or https:// URL (" + error + ")";
  return false;
}

bool readable_file_or_empty(const opt_value& v, std::string& why) {
  if (v.text.empty() || std::ifstream{v.text}.good())
    return true;
  why = "cannot be read";
  return false;
}

/// A webhook URL's path is its secret: `https://n8n.example.com/webhook/abc` → `https://n8n.example.com/***`.
std::string mask_url_path(const std::string& text) {
  ai::http_url url;
  std::string error;
  if (text.empty() || !ai::parse_http_url(text, url, error))
    return text.empty() ? text : "***";
  return ai::describe(url) + "/***";
}

std::string mask_all(const std::string& text) { return text.empty() ? text : "***"; }

} // namespace

void add_ai_backend_options(std::vector<option>& rows) {
  using t = opt_type;
  using cfg = node_config;
  using aio = ai::ai_options;
  rows.push_back(opt("ai-url", t::string).meta("URL").check(valid_http_url_or_empty).bind(&cfg::ai, &aio::url)
    .describe("OpenAI-compatible chat completions API of the assistant (its base, e.g. http://localhost:11434/v1 "
              "for Ollama, https://api.openai.com/v1): replies stream from POST URL/chat/completions. Needs "
              "--ai-model. Empty (and no --ai-webhook-url): no assistant."));
  rows.push_back(opt("ai-webhook-url", t::string).meta("URL").check(valid_http_url_or_empty)
    .bind(&cfg::ai_webhook_url).masked(mask_url_path)
    .describe("n8n webhook of the assistant instead of --ai-url: a POST with the room, the user, the text and "
              "the context; answers streamed JSON lines (begin/item/end) or one {\"output\"}. Its path is "
              "treated as a secret."));
  rows.push_back(opt("ai-model", t::string).meta("NAME").bind(&cfg::ai, &aio::model)
    .describe("Model the chat completions are asked for (e.g. llama3.2, gpt-4o-mini)."));
  rows.push_back(opt("ai-api-key", t::string).meta("KEY").bind(&cfg::ai, &aio::api_key).masked(mask_all)
    .describe("Sent as Authorization: Bearer KEY. Prefer --ai-api-key-file or the environment: a flag shows "
              "in the process list. Never logged or printed."));
  rows.push_back(opt("ai-api-key-file", t::string).meta("FILE").check(readable_file_or_empty)
    .bind(&cfg::ai_api_key_file)
    .describe("File holding the API key (a mounted Kubernetes Secret; surrounding white space ignored)."));
  rows.push_back(opt("ai-ca-file", t::string).meta("FILE").check(readable_file_or_empty).bind(&cfg::ai, &aio::ca_file)
    .describe("Extra CA certificates (PEM) trusted for an https backend besides the system store."));
  rows.push_back(opt("ai-idle-timeout", t::duration).range(1, 3600).meta("DURATION")
    .bind(&cfg::ai, &aio::idle_timeout)
    .describe("A backend silent this long (no byte of the reply) ends the reply with error idle_timeout."));
  rows.push_back(opt("ai-timeout", t::duration).range(1, 3600).meta("DURATION")
    .bind(&cfg::ai, &aio::reply_timeout)
    .describe("A reply streaming longer than this ends with error timeout (its text so far is kept)."));
}

bool resolve_ai(node_config& cfg, std::string& why) {
  auto& ai = cfg.ai;
  if (!ai.url.empty() && !cfg.ai_webhook_url.empty()) {
    why = "--ai-url and --ai-webhook-url exclude each other (one backend per node)";
    return false;
  }
  if (!cfg.ai_api_key_file.empty()) {
    if (!ai.api_key.empty()) {
      why = "--ai-api-key and --ai-api-key-file exclude each other";
      return false;
    }
    std::ifstream in{cfg.ai_api_key_file, std::ios::binary};
    std::string key{std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
    if (!in.good() && !in.eof()) {
      why = "--ai-api-key-file \"" + cfg.ai_api_key_file + "\" cannot be read";
      return false;
    }
    if (key.size() > kMaxKeyFileBytes) {
      why = "--ai-api-key-file \"" + cfg.ai_api_key_file + "\" is larger than 16 KiB (not a key)";
      return false;
    }
    ai.api_key = std::move(key); // ai::make_backend trims the white space around it
  }
  if (!ai.url.empty()) {
    ai.kind = ai::backend_kind::openai;
    if (ai.model.empty()) {
      why = "--ai-url needs --ai-model (the model the chat completions are asked for)";
      return false;
    }
  } else if (!cfg.ai_webhook_url.empty()) {
    ai.kind = ai::backend_kind::n8n;
    ai.url = cfg.ai_webhook_url;
  } else {
    ai.kind = ai::backend_kind::none;
  }
  cfg.assistant.reply_deadline = std::chrono::duration_cast<std::chrono::milliseconds>(ai.reply_timeout) + kDeadlineSlack;
  return true;
}

} // namespace chat::app
