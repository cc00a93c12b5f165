#include "net/tutorial_handlers.hpp"

#include <array>
#include <random>
#include <string_view>

#include "net/auth_middleware.hpp"
#include "net/json_views.hpp"
#include "net/replies.hpp"
#include "storage/message_json.hpp"

namespace chat::net {

namespace {

using storage::errc;

constexpr std::string_view general = "0";
/// The tutorial's preload: ZREVRANGE 0 20 (an inclusive end), so 21 messages.
constexpr std::int64_t preload_size = 21;

/// First names the login form suggests (any list does: the tutorial's client only shows one).
constexpr std::array<std::string_view, 48> first_names{
  "Ada",    "Alan",   "Alice",  "Amara",  "Anton",  "Aria",   "Bea",    "Boris",  "Carla",  "Chen",
  "Dara",   "David",  "Elena",  "Emil",   "Esme",   "Farah",  "Felix",  "Greta",  "Hana",   "Hugo",
  "Ines",   "Ivan",   "Jonas",  "Julia",  "Kai",    "Kira",   "Lena",   "Leo",    "Lucia",  "Malik",
  "Marta",  "Mateo",  "Nadia",  "Nils",   "Noor",   "Omar",   "Paula",  "Quinn",  "Rosa",   "Ravi",
  "Sami",   "Sofia",  "Tariq",  "Tess",   "Uma",    "Vera",   "Wen",    "Yara"};

std::string_view random_first_name() {
  thread_local std::mt19937 gen{std::random_device{}()};
  std::uniform_int_distribution<std::size_t> pick(0, first_names.size() - 1);
  return first_names[pick(gen)];
}

} // namespace

void tutorial_handlers::add_routes(router& r) {
  r.add(http_method::get, "/randomname", [this](const exchange_ptr& ex) { do_random_name(ex); });
  r.add(http_method::get, "/room/0/preload", [this](const exchange_ptr& ex) { do_preload(ex); });
  r.add(http_method::get, "/links", [this](const exchange_ptr& ex) { do_links(ex); });
}

void tutorial_handlers::do_random_name(const exchange_ptr& ex) {
  api_response res;
  res.content_type = "text/plain; charset=utf-8";
  res.body = std::string{random_first_name()};
  ex->respond(std::move(res));
}

void tutorial_handlers::do_links(const exchange_ptr& ex) {
  const auto& url = env_.opts.tutorial_github_url;
  ex->respond(json_response(200, url.empty() ? "{}" : "{\"github\":" + storage::json_string(url) + "}"));
}

void tutorial_handlers::do_preload(const exchange_ptr& ex) {
  // Authenticated, unlike the tutorial's: General's history is for members (as GET
  // /room/0/messages), and an open preload would publish it to anyone who can reach the node.
  require_user(env_, ex, [this](const exchange_ptr& x) {
    env_.store.user_rooms(x->user()->id, x->resume<errc, std::vector<storage::room_summary>>(
      [this, x](errc e, std::vector<storage::room_summary> rooms) {
        if (e != errc::ok)
          return reply_store_error(*x, env_.metrics, e, "user_rooms");
        std::string name;
        bool member = false;
        for (auto& r : rooms)
          if (r.id == general) {
            member = true;
            if (!r.names.empty())
              name = std::move(r.names.front());
          }
        if (!member)
          return reply_error(*x, env_.metrics, 403, "forbidden", "not a member of this room");
        env_.store.messages_by_offset(std::string{general}, 0, preload_size,
          x->resume<errc, std::vector<storage::stored_message>>(
            [this, x, name = std::move(name)](errc e2, std::vector<storage::stored_message> messages) {
              if (e2 != errc::ok)
                return reply_store_error(*x, env_.metrics, e2, "messages");
              std::string body = "{\"id\":\"0\",\"name\":";
              body += storage::json_string(name.empty() ? "General" : name);
              body += ",\"messages\":";
              body += messages_json(messages);
              body += '}';
              x->respond(json_response(200, std::move(body)));
            }));
      }));
  });
}

} // namespace chat::net
