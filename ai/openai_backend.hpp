#pragma once
/// The OpenAI-compatible chat completions protocol (Ollama, llama.cpp, vLLM, hosted APIs):
/// `POST {url}/chat/completions` with `{"model","stream":true,"messages":[{"role","content"}…]}`,
/// answered by Server-Sent Events whose `data:` lines carry `choices[0].delta.content` pieces and
/// end with `data: [DONE]`. The request body and the reader are pure; the transport is
/// ai/http_exchange.

#include <memory>
#include <string>
#include <string_view>

#include "ai/response_reader.hpp"
#include "ai/sse_parser.hpp"

namespace chat::ai {

/// The JSON body of a streamed chat completion: the request's turns as messages.
std::string openai_request_body(const request& req, std::string_view model);

/// Reads a chat completion stream. `[DONE]` -> ok; a data line that is not the expected JSON ->
/// malformed; `{"error":…}` in the stream -> upstream; the body ending before `[DONE]` -> upstream.
/// A server that ignores `"stream":true` and answers one JSON completion (Content-Type
/// application/json) is accepted too: `choices[0].message.content` as one piece.
class openai_reader final : public response_reader {
public:
  /// `max_whole_body`: the largest non-streamed JSON answer accepted (bytes).
  explicit openai_reader(std::size_t max_whole_body = 4 << 20);

  void on_header(std::string_view content_type) override;
  std::optional<verdict> on_body(std::string_view bytes, const text_fn& emit) override;
  verdict on_complete(const text_fn& emit) override;

private:
  /// One `data:` payload; sets result_ when the reply is decided.
  void on_data(const std::string& data, const text_fn& emit);

  sse_parser sse_;
  bool whole_json_ = false;   ///< Content-Type application/json: one completion object
  std::string whole_;         ///< its bytes so far
  std::size_t max_whole_;
  std::optional<verdict> result_;
};

} // namespace chat::ai
