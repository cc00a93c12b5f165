#pragma once
/// The n8n webhook protocol: `POST <webhook url>` with
/// `{"roomId","userId","username","text","context":[{"role","content"}…]}`, answered either by
/// n8n's streamed response (JSON lines `{"type":"begin"|"item"|"end"|"error",…}`, the text in the
/// `content` of items) or by one JSON answer `{"output":"…"}` (also `[{"output":"…"}]`, what
/// "respond with all items" sends). The request body and the reader are pure; the transport is
/// ai/http_exchange.

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "ai/json_lines.hpp"
#include "ai/response_reader.hpp"

namespace chat::ai {

/// The JSON body of a webhook call: the triggering message and the context turns (the system
/// prompt first, as role "system").
std::string n8n_request_body(const request& req);

/// Reads a webhook answer. n8n sends its stream as `application/json` too, so the first line of the
/// body decides: an object with a string "type" starts the streamed mode; anything else is one JSON
/// answer, read whole. Streamed: items -> text; error -> upstream; the body ending after an `end`
/// (every `begin` closed) -> ok; before -> upstream. A line that is not a JSON object -> malformed.
/// Whole: `output` (string) -> one piece, ok; anything else -> malformed.
class n8n_reader final : public response_reader {
public:
  /// `max_whole_body`: the largest non-streamed answer accepted (bytes).
  explicit n8n_reader(std::size_t max_whole_body = 4 << 20);

  void on_header(std::string_view content_type) override;
  std::optional<verdict> on_body(std::string_view bytes, const text_fn& emit) override;
  verdict on_complete(const text_fn& emit) override;

private:
  enum class mode { undecided, streamed, whole };

  /// One line of the streamed mode; sets result_ when the reply is decided.
  void on_line(std::string_view line, const text_fn& emit);
  /// Streamed mode: `bytes` split into lines for on_line; a line over the limit is malformed.
  std::optional<verdict> feed_lines(std::string_view bytes, const text_fn& emit);
  verdict whole_answer(const text_fn& emit) const;

  mode mode_ = mode::undecided;
  json_lines lines_;
  std::string whole_;        ///< the body while undecided or whole
  std::size_t max_whole_;
  int open_ = 0;             ///< begins not yet ended
  bool ended_ = false;       ///< an `end` arrived (and no begin since)
  std::optional<verdict> result_;
};

} // namespace chat::ai
