#include "net/internal_service.hpp"

#include "metrics/node_metrics.hpp"
#include "net/replies.hpp"

namespace chat::net {

namespace {

api_response text_response(unsigned status, std::string body, std::string content_type) {
  api_response res;
  res.status = status;
  res.body = std::move(body);
  res.content_type = std::move(content_type);
  res.headers.emplace_back("Cache-Control", "no-store");
  return res;
}

} // namespace

internal_service::internal_service(metrics::node_metrics& metrics, std::function<bool()> ready)
  : metrics_(metrics), ready_(std::move(ready)) {
  router_.add(http_method::get, "/livez", [](const exchange_ptr& ex) {
    ex->respond(text_response(200, "ok", "text/plain; charset=utf-8"));
  });
  router_.add(http_method::get, "/readyz", [this](const exchange_ptr& ex) { do_ready(ex); });
  router_.add(http_method::get, "/healthz", [this](const exchange_ptr& ex) { do_ready(ex); });
  router_.add(http_method::get, "/metrics", [this](const exchange_ptr& ex) {
    ex->respond(text_response(200, metrics_.serialize(), "text/plain; version=0.0.4"));
  });
}

void internal_service::do_ready(const exchange_ptr& ex) {
  bool ok = !ready_ || ready_();
  ex->respond(text_response(ok ? 200 : 503, ok ? "ok" : "not ready", "text/plain; charset=utf-8"));
}

void internal_service::handle(const exchange_ptr& ex) {
  auto m = router_.match(ex->request().method, ex->request().path);
  if (m.result == router::outcome::not_found)
    return ex->respond(error_response(404, "not_found", "unknown route"));
  ex->set_route(m.pattern, std::move(m.params));
  if (m.result == router::outcome::method_not_allowed) {
    auto res = error_response(405, "method_not_allowed", "method not allowed on this route");
    res.headers.emplace_back("Allow", std::move(m.allow));
    return ex->respond(std::move(res));
  }
  (*m.handler)(ex);
}

} // namespace chat::net
