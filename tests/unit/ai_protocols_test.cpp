#define CAF_SUITE ai_protocols

#include "caf/test/unit_test.hpp"

#include <string>
#include <vector>

#include <rapidjson/document.h>

#include "ai/n8n_backend.hpp"
#include "ai/openai_backend.hpp"

using namespace chat::ai;

namespace {

/// What a reader made of a body fed in `pieces`.
struct result {
  std::vector<std::string> texts;
  outcome how = outcome::ok;
  std::string detail;
  bool decided_early = false; ///< on_body gave the verdict
};

result read_all(response_reader& r, std::string_view content_type, const std::vector<std::string>& pieces) {
  result out;
  text_fn emit = [&](std::string_view t) { out.texts.emplace_back(t); };
  r.on_header(content_type);
  for (const auto& p : pieces)
    if (auto v = r.on_body(p, emit)) {
      out.how = v->how;
      out.detail = v->detail;
      out.decided_early = true;
      return out;
    }
  auto v = r.on_complete(emit);
  out.how = v.how;
  out.detail = v.detail;
  return out;
}

std::string name(outcome o) {
  return std::string{to_string(o)};
}

std::string sse_chunk(std::string_view content) {
  return "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" +
         std::string{content} + "\"},\"finish_reason\":null}]}\n\n";
}

request sample_request() {
  request r;
  r.room_id = "42";
  r.user_id = "7";
  r.username = "Mary";
  r.text = "@Assistant hi \"there\"";
  r.turns = {{turn::role::system, "You are the assistant of GuideOps Chat."},
             {turn::role::user, "Mary: @Assistant hi \"there\""},
             {turn::role::assistant, "Hello!"}};
  return r;
}

} // namespace

CAF_TEST(openai_body_has_model_stream_and_messages) {
  auto body = openai_request_body(sample_request(), "llama3.2");
  rapidjson::Document d;
  d.Parse(body.c_str());
  CAF_REQUIRE(!d.HasParseError() && d.IsObject());
  CAF_CHECK_EQUAL(std::string{d["model"].GetString()}, "llama3.2");
  CAF_CHECK(d["stream"].IsTrue());
  const auto& m = d["messages"];
  CAF_REQUIRE_EQUAL(m.Size(), 3u);
  CAF_CHECK_EQUAL(std::string{m[0]["role"].GetString()}, "system");
  CAF_CHECK_EQUAL(std::string{m[1]["role"].GetString()}, "user");
  CAF_CHECK_EQUAL(std::string{m[1]["content"].GetString()}, "Mary: @Assistant hi \"there\"");
  CAF_CHECK_EQUAL(std::string{m[2]["role"].GetString()}, "assistant");
}

CAF_TEST(openai_stream_pieces_then_done) {
  openai_reader r;
  auto body = "data: {\"choices\":[{\"delta\":{\"role\":\"assistant\"}}]}\n\n" + sse_chunk("Hel") + ": keep-alive\n\n" +
              sse_chunk("lo \\u00e9") + "data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n" +
              "data: {\"choices\":[],\"usage\":{\"total_tokens\":3}}\n\ndata: [DONE]\n\n";
  // Split in the middle of a line: the pieces come out whole.
  auto res = read_all(r, "text/event-stream; charset=utf-8", {body.substr(0, 70), body.substr(70)});
  CAF_CHECK_EQUAL(res.texts, (std::vector<std::string>{"Hel", "lo \xC3\xA9"}));
  CAF_CHECK_EQUAL(name(res.how), "ok");
  CAF_CHECK(res.decided_early); // [DONE] decides without waiting for the connection's end
}

CAF_TEST(openai_malformed_error_and_early_end) {
  {
    openai_reader r;
    auto res = read_all(r, "text/event-stream", {sse_chunk("a") + "data: {not json\n\n" + sse_chunk("b")});
    CAF_CHECK_EQUAL(name(res.how), "malformed");
    CAF_CHECK_EQUAL(res.texts, std::vector<std::string>{"a"});
  }
  {
    openai_reader r;
    auto res = read_all(r, "text/event-stream", {"data: {\"choices\":[{\"delta\":{\"content\":5}}]}\n\n"});
    CAF_CHECK_EQUAL(name(res.how), "malformed");
  }
  {
    openai_reader r;
    auto res = read_all(r, "text/event-stream", {"data: {\"error\":{\"message\":\"model overloaded\"}}\n\n"});
    CAF_CHECK_EQUAL(name(res.how), "upstream");
    CAF_CHECK_EQUAL(res.detail, "error in the stream: model overloaded");
  }
  {
    openai_reader r;
    auto res = read_all(r, "text/event-stream", {sse_chunk("partial")});
    CAF_CHECK_EQUAL(name(res.how), "upstream"); // the body ended before [DONE]
    CAF_CHECK_EQUAL(res.texts, std::vector<std::string>{"partial"});
  }
  {
    openai_reader r; // [DONE] as the last line without its blank line
    auto res = read_all(r, "text/event-stream", {sse_chunk("x") + "data: [DONE]\n"});
    CAF_CHECK_EQUAL(name(res.how), "ok");
  }
}

CAF_TEST(openai_accepts_a_non_streamed_completion) {
  openai_reader r;
  auto res = read_all(r, "application/json",
                      {"{\"choices\":[{\"message\":{\"role\":\"assistant\",", "\"content\":\"whole answer\"}}]}"});
  CAF_CHECK_EQUAL(res.texts, std::vector<std::string>{"whole answer"});
  CAF_CHECK_EQUAL(name(res.how), "ok");
  openai_reader bad;
  CAF_CHECK_EQUAL(name(read_all(bad, "application/json", {"{\"choices\":[]}"}).how), "malformed");
}

CAF_TEST(n8n_body_has_room_user_text_and_context) {
  auto body = n8n_request_body(sample_request());
  rapidjson::Document d;
  d.Parse(body.c_str());
  CAF_REQUIRE(!d.HasParseError() && d.IsObject());
  CAF_CHECK_EQUAL(std::string{d["roomId"].GetString()}, "42");
  CAF_CHECK_EQUAL(std::string{d["userId"].GetString()}, "7");
  CAF_CHECK_EQUAL(std::string{d["username"].GetString()}, "Mary");
  CAF_CHECK_EQUAL(std::string{d["text"].GetString()}, "@Assistant hi \"there\"");
  CAF_REQUIRE_EQUAL(d["context"].Size(), 3u);
  CAF_CHECK_EQUAL(std::string{d["context"][0]["role"].GetString()}, "system");
  CAF_CHECK_EQUAL(std::string{d["context"][2]["content"].GetString()}, "Hello!");
}

CAF_TEST(n8n_streamed_items_split_anywhere) {
  std::string body = "{\"type\":\"begin\",\"metadata\":{\"nodeId\":\"a\"}}\n"
                     "{\"type\":\"item\",\"content\":\"Hel\",\"metadata\":{}}\n"
                     "{\"type\":\"item\",\"content\":\"lo\"}\r\n"
                     "{\"type\":\"end\",\"metadata\":{}}\n";
  for (std::size_t cut = 0; cut <= body.size(); ++cut) {
    n8n_reader r;
    auto res = read_all(r, "application/json; charset=utf-8", {body.substr(0, cut), body.substr(cut)});
    if (res.texts != std::vector<std::string>{"Hel", "lo"} || res.how != outcome::ok)
      CAF_FAIL("split at " << cut << ": " << res.texts.size() << " texts, " << name(res.how));
  }
}

CAF_TEST(n8n_streamed_errors) {
  {
    n8n_reader r; // the body ends before the end event
    auto res = read_all(r, "application/json", {"{\"type\":\"begin\"}\n{\"type\":\"item\",\"content\":\"a\"}\n"});
    CAF_CHECK_EQUAL(name(res.how), "upstream");
    CAF_CHECK_EQUAL(res.texts, std::vector<std::string>{"a"});
  }
  {
    n8n_reader r; // a second node begins after the first ended: its end completes the reply
    auto res = read_all(r, "application/json",
                        {"{\"type\":\"begin\"}\n{\"type\":\"item\",\"content\":\"a\"}\n{\"type\":\"end\"}\n"
                         "{\"type\":\"begin\"}\n{\"type\":\"item\",\"content\":\"b\"}\n"});
    CAF_CHECK_EQUAL(name(res.how), "upstream");
  }
  {
    n8n_reader r;
    auto res = read_all(r, "application/json", {"{\"type\":\"begin\"}\n{\"type\":\"item\",\"content\":\"a\"}\nnot json\n"});
    CAF_CHECK_EQUAL(name(res.how), "malformed");
    CAF_CHECK(res.decided_early);
  }
  {
    n8n_reader r;
    auto res = read_all(r, "application/json", {"{\"type\":\"begin\"}\n{\"type\":\"error\",\"content\":\"node failed\"}\n"});
    CAF_CHECK_EQUAL(name(res.how), "upstream");
    CAF_CHECK_EQUAL(res.detail, "workflow error: node failed");
  }
}

CAF_TEST(n8n_whole_json_answers) {
  {
    n8n_reader r;
    auto res = read_all(r, "application/json", {"{\"output\":", "\"The answer\"}"});
    CAF_CHECK_EQUAL(res.texts, std::vector<std::string>{"The answer"});
    CAF_CHECK_EQUAL(name(res.how), "ok");
  }
  {
    n8n_reader r; // pretty-printed over several lines, with a "type" member that is not an event type
    auto res = read_all(r, "application/json", {"{\n  \"type\": \"message\",\n  \"output\": \"multi\\nline\"\n}\n"});
    CAF_CHECK_EQUAL(res.texts, std::vector<std::string>{"multi\nline"});
    CAF_CHECK_EQUAL(name(res.how), "ok");
  }
  {
    n8n_reader r; // "respond with all items"
    auto res = read_all(r, "application/json", {"[{\"output\":\"first\"}]"});
    CAF_CHECK_EQUAL(res.texts, std::vector<std::string>{"first"});
  }
  {
    n8n_reader r;
    CAF_CHECK_EQUAL(name(read_all(r, "application/json", {"{\"result\":\"x\"}"}).how), "malformed");
  }
  {
    n8n_reader r;
    CAF_CHECK_EQUAL(name(read_all(r, "text/html", {"<html>oops</html>"}).how), "malformed");
  }
  {
    n8n_reader r; // a single streamed line without its newline
    auto res = read_all(r, "application/json", {"{\"type\":\"error\",\"content\":\"x\"}"});
    CAF_CHECK_EQUAL(name(res.how), "upstream");
  }
}
