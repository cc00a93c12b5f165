#include "net/router.hpp"

#include <algorithm>

#include "net/invariant.hpp"
#include "net/query.hpp"

namespace chat::net {

std::string_view to_string(http_method m) noexcept {
  switch (m) {
    case http_method::get: return "GET";
    case http_method::head: return "HEAD";
    case http_method::post: return "POST";
    case http_method::put: return "PUT";
    case http_method::patch: return "PATCH";
    case http_method::del: return "DELETE";
    case http_method::options: return "OPTIONS";
    case http_method::other: break;
  }
  return "OTHER";
}

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> parts;
  if (!path.empty() && path.front() == '/')
    path.remove_prefix(1);
  if (path.empty())
    return parts;
  for (;;) {
    auto slash = path.find('/');
    parts.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos)
      break;
    path.remove_prefix(slash + 1);
  }
  return parts;
}

void router::add(http_method method, std::string_view pattern, handler_fn handler) {
  CHAT_NET_INVARIANT(!pattern.empty() && pattern.front() == '/', "route patterns start with '/'");
  CHAT_NET_INVARIANT(handler != nullptr, "route without handler");
  auto it = std::find_if(routes_.begin(), routes_.end(),
                         [&](const auto& r) { return r->pattern == pattern; });
  if (it == routes_.end()) {
    auto r = std::make_unique<route>();
    r->pattern = std::string{pattern};
    for (auto part : split_path(pattern)) {
      segment s;
      if (part.size() >= 2 && part.front() == '{' && part.back() == '}') {
        s.param = true;
        s.text = std::string{part.substr(1, part.size() - 2)};
      } else {
        CHAT_NET_INVARIANT(part.find_first_of("{}") == std::string_view::npos,
                           "malformed route pattern");
        s.text = std::string{part};
      }
      r->segments.push_back(std::move(s));
    }
    routes_.push_back(std::move(r));
    it = std::prev(routes_.end());
  }
  auto& handlers = (*it)->handlers;
  CHAT_NET_INVARIANT(std::none_of(handlers.begin(), handlers.end(),
                                  [&](const auto& h) { return h.first == method; }),
                     "route registered twice");
  handlers.emplace_back(method, std::move(handler));
}

bool router::matches(const route& r, const std::vector<std::string_view>& parts) {
  if (r.segments.size() != parts.size())
    return false;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const auto& s = r.segments[i];
    if (s.param ? parts[i].empty() : parts[i] != s.text)
      return false;
  }
  return true;
}

bool router::more_specific(const route& a, const route& b) {
  // Same segment count (both matched the same path): the first literal-vs-param difference decides.
  for (std::size_t i = 0; i < a.segments.size() && i < b.segments.size(); ++i)
    if (a.segments[i].param != b.segments[i].param)
      return !a.segments[i].param;
  return false;
}

router::match_result router::match(http_method method, std::string_view path) const {
  match_result out;
  auto parts = split_path(path);
  const route* best = nullptr;          // most specific route that has the method
  const handler_fn* best_handler = nullptr;
  const route* best_any = nullptr;      // most specific route of any method
  std::vector<http_method> allowed;
  for (const auto& r : routes_) {
    if (!matches(*r, parts))
      continue;
    if (best_any == nullptr || more_specific(*r, *best_any))
      best_any = r.get();
    const handler_fn* h = nullptr;
    const handler_fn* get = nullptr;
    for (const auto& [m, fn] : r->handlers) {
      allowed.push_back(m);
      if (m == http_method::get)
        get = &fn;
      if (m == method)
        h = &fn;
    }
    if (get != nullptr)
      allowed.push_back(http_method::head);
    if (h == nullptr && method == http_method::head)
      h = get;
    if (h != nullptr && (best == nullptr || more_specific(*r, *best))) {
      best = r.get();
      best_handler = h;
    }
  }
  if (best != nullptr) {
    out.result = outcome::found;
    out.pattern = best->pattern;
    out.handler = best_handler;
    for (std::size_t i = 0; i < parts.size(); ++i)
      if (best->segments[i].param)
        out.params.emplace_back(best->segments[i].text, percent_decode(parts[i], false));
    return out;
  }
  if (best_any == nullptr)
    return out;
  out.result = outcome::method_not_allowed;
  out.pattern = best_any->pattern;
  static constexpr http_method order[] = {http_method::get,   http_method::head,
                                          http_method::post,  http_method::put,
                                          http_method::patch, http_method::del,
                                          http_method::options};
  for (auto m : order) {
    if (std::find(allowed.begin(), allowed.end(), m) == allowed.end())
      continue;
    if (!out.allow.empty())
      out.allow += ", ";
    out.allow += to_string(m);
  }
  return out;
}

} // namespace chat::net
