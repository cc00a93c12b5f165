// libFuzzer target: net/json's json_object, the reader of every JSON request body of the HTTP API
// (top-level members, typed lookups), on storage/json_doc's pooled RapidJSON document.
// (net/json_views only writes JSON: nothing there reads client input.)
//
// Input: the request body.

#include <string>

#include "fuzz_check.hpp"
#include "net/json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string body(reinterpret_cast<const char*>(data), size); // an exactly sized copy
  chat::net::json_object obj;
  const bool ok = obj.parse(body);
  for (const char* name : {"username", "password", "message", "name", "userId", "id", "roomId", "text", ""}) {
    std::string out;
    const auto* m = obj.find(name);
    if (!ok)
      FUZZ_CHECK(m == nullptr);
    const auto s = obj.get_string(name, out);
    FUZZ_CHECK((s == chat::net::json_object::lookup::ok) == (m != nullptr && m->type == chat::net::json_member::kind::string));
    const auto id = obj.get_id(name, out);
    if (id == chat::net::json_object::lookup::ok && m->type == chat::net::json_member::kind::integer)
      FUZZ_CHECK(m->integer >= 0 && out == std::to_string(m->integer));
  }
  // The node's one escaper (storage::append_json_string, used for error bodies that quote client
  // text) reads back as the same bytes.
  const auto error = chat::net::error_body("bad_request", body);
  chat::net::json_object again;
  std::string message;
  FUZZ_CHECK(again.parse(error));
  FUZZ_CHECK(again.get_string("message", message) == chat::net::json_object::lookup::ok);
  FUZZ_CHECK(message == body);
  return 0;
}
