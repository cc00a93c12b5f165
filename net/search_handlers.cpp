#include "net/search_handlers.hpp"

#include <limits>

#include "actors/chat_service.hpp"
#include "common/error.hpp"
#include "common/text.hpp"
#include "net/auth_middleware.hpp"
#include "net/json.hpp"
#include "net/json_views.hpp"
#include "net/query.hpp"
#include "net/replies.hpp"

namespace chat::net {

namespace {

constexpr std::size_t max_query_bytes = 256;

} // namespace

void search_handlers::add_routes(router& r) {
  r.add(http_method::get, "/search", [this](const exchange_ptr& ex) { do_search(ex); });
}

void search_handlers::do_search(const exchange_ptr& ex) {
  require_user(env_, ex, [this](const exchange_ptr& x) {
    const auto& q = x->request().query;
    storage::search_query sq;
    sq.user_id = x->user()->id;
    auto text = q.find("q");
    bool control = false;
    if (text != q.end())
      for (char c : text->second)
        control = control || static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
    if (text == q.end() || text->second.empty() || text->second.size() > max_query_bytes || control ||
        !utf8_length(text->second))
      return reply_bad_request(*x, env_.metrics, "\"q\" (the words to find) must be 1-256 bytes of text");
    sq.text = text->second;
    bool bad = false;
    sq.before = int_param(q, "before", 1, std::numeric_limits<std::int64_t>::max(), bad);
    auto limit = int_param(q, "limit", 1, 100, bad);
    if (bad)
      return reply_bad_request(*x, env_.metrics, "\"before\" > 0 and \"limit\" 1-100 must be integers");
    sq.limit = limit.value_or(20);
    if (auto room = q.find("roomId"); room != q.end() && !room->second.empty()) {
      if (!is_room_id(room->second))
        return reply_error(*x, env_.metrics, error::not_found, "no such room");
      sq.room_id = room->second;
      auto on_session = [x](std::function<void()> fn) { x->post(std::move(fn)); };
      return env_.chat.check_member(sq.user_id, sq.room_id, std::move(on_session),
                                    [this, x, sq](std::error_code ec, const std::string& why) mutable {
                                      if (ec)
                                        return reply_error(*x, env_.metrics, ec, why);
                                      run(x, std::move(sq));
                                    });
    }
    run(x, std::move(sq));
  });
}

void search_handlers::run(const exchange_ptr& ex, storage::search_query q) {
  env_.store.search(std::move(q), ex->resume<storage::errc, storage::search_page>(
                                    [this, ex](storage::errc e, storage::search_page page) {
                                      if (e == storage::errc::invalid)
                                        return reply_bad_request(
                                          *ex, env_.metrics,
                                          "\"q\" must hold a word of two or more letters or digits");
                                      if (e != storage::errc::ok)
                                        return reply_store_error(*ex, env_.metrics, e, "search");
                                      std::string body = "{\"results\":" + messages_json(page.messages) + ",\"next\":";
                                      body += page.next > 0 ? std::to_string(page.next) : std::string{"null"};
                                      body += "}";
                                      ex->respond(json_response(200, std::move(body)));
                                    }));
}

} // namespace chat::net
