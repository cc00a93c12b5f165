// The response values of net/replies.hpp: json_response and error_response, which need neither an
// exchange nor metrics (so net/http_message links without the handlers' dependencies: the HTTP fuzz
// target of tests/fuzz links it alone). The replies that answer an exchange are in replies.cpp.
#include "net/replies.hpp"

#include "net/json.hpp"

namespace chat::net {

api_response json_response(unsigned status, std::string body) {
  api_response res;
  res.status = status;
  res.body = std::move(body);
  return res;
}

api_response error_response(unsigned status, std::string_view code, std::string_view message) {
  return json_response(status, error_body(code, message));
}

} // namespace chat::net
