#include "net/exchange.hpp"

#include "net/invariant.hpp"

namespace chat::net {

exchange::exchange(api_request req, post_fn post, reply_fn reply)
  : req_(std::move(req)), post_(std::move(post)), reply_(std::move(reply)) {
  CHAT_NET_INVARIANT(post_ && reply_, "exchange needs a post and a reply function");
}

const std::string& exchange::param(std::string_view name) const {
  static const std::string empty;
  for (const auto& [key, value] : params_)
    if (key == name)
      return value;
  return empty;
}

void exchange::set_route(std::string_view pattern, path_params params) {
  route_ = pattern;
  params_ = std::move(params);
}

void exchange::respond(api_response res) {
  CHAT_NET_INVARIANT(reply_, "a request was answered twice");
  res.route = route_;
  auto reply = std::move(reply_);
  reply_ = nullptr;
  reply(std::move(res));
}

} // namespace chat::net
