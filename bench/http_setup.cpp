#include "http_setup.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <atomic>
#include <iostream>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace bench {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

namespace {

std::string json_obj(std::initializer_list<std::pair<const char*, std::string>> kv) {
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  w.StartObject();
  for (auto& [k, v] : kv) {
    w.Key(k);
    w.String(v.c_str(), static_cast<rapidjson::SizeType>(v.size()));
  }
  w.EndObject();
  return sb.GetString();
}

std::string string_field(const std::string& body, const char* key) {
  rapidjson::Document d;
  d.Parse(body.c_str(), body.size());
  if (d.HasParseError() || !d.IsObject() || !d.HasMember(key)) return {};
  auto& v = d[key];
  if (v.IsString()) return v.GetString();
  if (v.IsInt64()) return std::to_string(v.GetInt64());
  return {};
}

}  // namespace

// One keep-alive HTTP connection of a worker thread.
class HttpSetup::Conn {
 public:
  explicit Conn(Endpoint ep) : ep_(std::move(ep)), stream_(ioc_) {}
  beast::tcp_stream& stream() {
    if (!open_) {
      stream_.expires_after(std::chrono::seconds(30));
      stream_.connect(tcp::endpoint(net::ip::make_address(ep_.host), ep_.port));
      open_ = true;
    }
    return stream_;
  }
  void reset() {
    beast::error_code ec;
    stream_.socket().close(ec);
    open_ = false;
  }
  const Endpoint& endpoint() const { return ep_; }
  beast::flat_buffer buffer;

 private:
  Endpoint ep_;
  net::io_context ioc_;
  beast::tcp_stream stream_;
  bool open_ = false;
};

std::string HttpSetup::username(int i) const { return opt_.prefix + "-" + std::to_string(i); }
std::string HttpSetup::room_name(int r) const {
  return opt_.prefix + "-s" + std::to_string(opt_.room_size) + "-" + std::to_string(r);
}

HttpSetup::Response HttpSetup::request(Conn& c, const char* method, const std::string& target,
                                       const std::string& body, const std::string& token) {
  for (int attempt = 0;; ++attempt) {
    try {
      auto& s = c.stream();
      http::request<http::string_body> req{http::string_to_verb(method), target, 11};
      req.set(http::field::host, c.endpoint().host + ":" + std::to_string(c.endpoint().port));
      req.set(http::field::user_agent, "chatbench");
      if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
      if (!body.empty()) {
        req.set(http::field::content_type, "application/json");
        req.body() = body;
      }
      req.keep_alive(true);
      req.prepare_payload();
      s.expires_after(std::chrono::seconds(30));
      http::write(s, req);
      http::response<http::string_body> res;
      http::read(s, c.buffer, res);
      Response out;
      out.status = static_cast<int>(res.result_int());
      out.body = res.body();
      for (auto& f : res.base()) {
        if (f.name() != http::field::set_cookie) continue;
        auto v = f.value();
        static constexpr std::string_view key = "chat_session=";
        if (v.substr(0, key.size()) == key) {
          auto rest = v.substr(key.size());
          out.token = std::string(rest.substr(0, rest.find(';')));
        }
      }
      if (!res.keep_alive()) c.reset();
      return out;
    } catch (const std::exception& e) {
      c.reset();
      if (attempt >= 2) throw std::runtime_error(std::string("HTTP ") + method + " " + target + ": " + e.what());
    }
  }
}

template <class Task>
void HttpSetup::parallel(int count, Task task) {
  std::atomic<int> next{0};
  std::mutex err_mu;
  std::string error;
  int workers = std::min(opt_.http_concurrency, std::max(count, 1));
  std::vector<std::thread> threads;
  for (int w = 0; w < workers; ++w) {
    threads.emplace_back([&, w] {
      Conn c(opt_.nodes[static_cast<std::size_t>(w) % opt_.nodes.size()]);
      for (int i; (i = next.fetch_add(1)) < count;) {
        try {
          task(c, i);
        } catch (const std::exception& e) {
          std::lock_guard<std::mutex> lk(err_mu);
          if (error.empty()) error = e.what();
          next = count;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  if (!error.empty()) throw std::runtime_error(error);
}

void HttpSetup::run() {
  const int users = opt_.users;
  tokens.assign(static_cast<std::size_t>(users), {});
  user_ids.assign(static_cast<std::size_t>(users), {});
  parallel(users, [&](Conn& c, int i) {
    auto creds = json_obj({{"username", username(i)}, {"password", opt_.password}});
    auto r = request(c, "POST", "/register", creds, {});
    if (r.status == 409) r = request(c, "POST", "/login", creds, {});
    if ((r.status != 200 && r.status != 201) || r.token.empty())
      throw std::runtime_error("register/login " + username(i) + ": HTTP " + std::to_string(r.status) + " " + r.body);
    tokens[static_cast<std::size_t>(i)] = r.token;
    user_ids[static_cast<std::size_t>(i)] = string_field(r.body, "id");
  });

  room_of_user.assign(static_cast<std::size_t>(users), 0);
  if (opt_.room_size <= 0) {
    room_ids = {"0"};
    return;
  }
  const int rooms = opt_.rooms();
  room_ids.assign(static_cast<std::size_t>(rooms), {});
  for (int i = 0; i < users; ++i) room_of_user[static_cast<std::size_t>(i)] = i / opt_.room_size;
  // Creators: the first member of each room.
  parallel(rooms, [&](Conn& c, int r) {
    const auto& tok = tokens[static_cast<std::size_t>(r * opt_.room_size)];
    auto r1 = request(c, "POST", "/rooms", json_obj({{"name", room_name(r)}}), tok);
    std::string id;
    if (r1.status == 201) {
      id = string_field(r1.body, "id");
    } else if (r1.status == 409) {
      auto list = request(c, "GET", "/rooms/public", {}, tok);
      rapidjson::Document d;
      d.Parse(list.body.c_str(), list.body.size());
      if (!d.HasParseError() && d.IsArray())
        for (auto& e : d.GetArray())
          if (e.IsObject() && e.HasMember("name") && e["name"].IsString() &&
              room_name(r) == e["name"].GetString() && e.HasMember("id") && e["id"].IsString())
            id = e["id"].GetString();
    }
    if (id.empty())
      throw std::runtime_error("create room " + room_name(r) + ": HTTP " + std::to_string(r1.status) + " " + r1.body);
    room_ids[static_cast<std::size_t>(r)] = id;
  });
  parallel(users, [&](Conn& c, int i) {
    int r = room_of_user[static_cast<std::size_t>(i)];
    auto res = request(c, "POST", "/rooms/" + room_ids[static_cast<std::size_t>(r)] + "/join", {},
                       tokens[static_cast<std::size_t>(i)]);
    if (res.status != 200)
      throw std::runtime_error("join room " + room_name(r) + " as " + username(i) + ": HTTP " +
                               std::to_string(res.status) + " " + res.body);
  });
}

}  // namespace bench
