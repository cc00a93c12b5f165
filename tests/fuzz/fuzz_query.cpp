// libFuzzer target: net/query, the request target's split into path and query, percent-decoding,
// and query parameters (`a=1&ids[]=2&flag`), as every HTTP request goes through them.
//
// Input: the request target (or any text given to percent_decode).

#include <string>

#include "fuzz_check.hpp"
#include "net/query.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string target(reinterpret_cast<const char*>(data), size); // an exactly sized copy
  const std::string_view t{target};

  for (bool plus : {false, true}) {
    auto decoded = chat::net::percent_decode(t, plus);
    FUZZ_CHECK(decoded.size() <= t.size());
    if (t.find('%') == std::string_view::npos && (!plus || t.find('+') == std::string_view::npos))
      FUZZ_CHECK(decoded == t);
  }

  auto [path, query] = chat::net::split_target(t);
  FUZZ_CHECK(chat::fuzz::inside(path, t) && chat::fuzz::inside(query, t));
  FUZZ_CHECK(path.find_first_of("?#") == std::string_view::npos);
  FUZZ_CHECK(query.find('#') == std::string_view::npos);
  FUZZ_CHECK(path.size() + query.size() <= t.size());

  auto params = chat::net::parse_query(query);
  std::size_t total = 0;
  for (const auto& [key, value] : params) {
    FUZZ_CHECK(!key.empty());
    total += key.size() + value.size();
  }
  FUZZ_CHECK(total <= query.size());
  for (const auto& [key, value] : params) {
    auto values = chat::net::query_values(params, key);
    FUZZ_CHECK(!values.empty() && values.size() == params.count(key));
  }
  return 0;
}
