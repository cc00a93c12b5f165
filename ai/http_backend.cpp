#include "ai/http_backend.hpp"

#include <algorithm>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <pthread.h>

#include "ai/http_exchange.hpp"
#include "ai/tls_client.hpp"

namespace chat::ai {

namespace net = boost::asio;

struct http_backend::io_state {
  net::io_context ioc{1};
  net::executor_work_guard<net::io_context::executor_type> work{ioc.get_executor()};
  std::unique_ptr<net::ssl::context> tls;
  std::shared_ptr<exchange_setup> setup;
  std::vector<std::weak_ptr<http_exchange>> live; ///< touched on the I/O thread only
  bool shutting_down = false;                     ///< I/O thread only
  std::thread thread;
};

namespace {

/// The caller's handle: it never keeps the exchange (and so its sockets) alive.
class call_handle final : public call {
public:
  explicit call_handle(std::weak_ptr<http_exchange> ex) : ex_(std::move(ex)) {}
  void cancel() override {
    if (auto ex = ex_.lock())
      ex->cancel();
  }

private:
  std::weak_ptr<http_exchange> ex_;
};

} // namespace

std::unique_ptr<http_backend> http_backend::create(protocol proto, const transport_options& options,
                                                   std::string& error) {
  auto io = std::make_unique<io_state>();
  if (proto.url.tls) {
    io->tls = make_tls_context(options.ca_file, error);
    if (!io->tls)
      return nullptr;
  }
  auto setup = std::make_shared<exchange_setup>();
  setup->ioc = &io->ioc;
  setup->tls = io->tls.get();
  setup->url = proto.url;
  setup->api_key = options.api_key;
  setup->accept = proto.accept;
  setup->idle_timeout = options.idle_timeout;
  setup->reply_timeout = options.reply_timeout;
  io->setup = std::move(setup);
  io->thread = std::thread{[state = io.get()] {
    pthread_setname_np(pthread_self(), "chat-ai-io");
    state->ioc.run();
  }};
  return std::unique_ptr<http_backend>{new http_backend{std::move(proto), std::move(io)}};
}

http_backend::http_backend(protocol proto, std::unique_ptr<io_state> io)
    : proto_(std::move(proto)), io_(std::move(io)) {}

http_backend::~http_backend() {
  net::post(io_->ioc, [state = io_.get()] {
    state->shutting_down = true;
    for (auto& w : state->live)
      if (auto ex = w.lock())
        ex->stop_now("the backend shut down");
    state->live.clear();
  });
  io_->work.reset();
  io_->thread.join(); // returns once every exchange's aborted operations have completed
}

std::shared_ptr<call> http_backend::start(request req, stream_handler handler) {
  auto ex = make_exchange(io_->setup, proto_.body(req), proto_.reader(), std::move(handler));
  net::post(io_->ioc, [state = io_.get(), ex] {
    if (state->shutting_down)
      return ex->stop_now("the backend shut down");
    auto& live = state->live;
    live.erase(std::remove_if(live.begin(), live.end(), [](const auto& w) { return w.expired(); }), live.end());
    live.push_back(ex);
    ex->launch();
  });
  return std::make_shared<call_handle>(ex);
}

} // namespace chat::ai
