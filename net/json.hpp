#pragma once
/// JSON helpers without RapidJSON in the interface: string escaping for hand-built bodies, the
/// error body of protocol.md §0, and a reader for the top-level members of a request object.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/message_json.hpp"

namespace chat::net {

/// The node's one JSON string escaper (storage/message_json.hpp): `append_json_string(out, text)`
/// appends `text` as a JSON string literal, `json_string(text)` returns it.
using storage::append_json_string;
using storage::json_string;

/// `{"error":"<code>","message":"<message>"}`.
std::string error_body(std::string_view code, std::string_view message);

/// A top-level member of a parsed JSON object.
struct json_member {
  /// JSON type of the value; arrays and objects are `other`.
  enum class kind { null, boolean, integer, number, string, other };
  kind type = kind::null;  ///< value type
  std::string text;        ///< the value of a string
  std::int64_t integer = 0; ///< the value of an integer (fits int64)
  bool boolean = false;    ///< the value of a boolean
};

/// The top-level members of a JSON object body.
class json_object {
public:
  /// Outcome of a typed lookup.
  enum class lookup { ok, missing, wrong_type };

  /// Parses `body`; false when it is not valid JSON or not an object (then the object is empty).
  bool parse(std::string_view body);

  /// The first member called `name`, or nullptr.
  const json_member* find(std::string_view name) const noexcept;

  /// A string member (null counts as missing).
  lookup get_string(std::string_view name, std::string& out) const;

  /// An id given as a string or as a non-negative integer (tutorial clients send both), as text.
  lookup get_id(std::string_view name, std::string& out) const;

private:
  std::vector<std::pair<std::string, json_member>> members_;
};

} // namespace chat::net
