// redis_client: commands (pipelined, fail-fast while down) and Pub/Sub.
#include "storage/redis_client.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include "metrics/log.hpp"
#include "metrics/node_metrics.hpp"
#include "storage/redis_client_impl.hpp"

namespace chat::storage {

namespace asio = boost::asio;

namespace {

std::string upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

} // namespace

void redis_client::command(std::vector<std::string> argv, reply_handler done) {
  std::string label = argv.empty() ? std::string{"EMPTY"} : upper(argv.front());
  command(std::move(argv), std::move(label), std::move(done));
}

void redis_client::command(std::vector<std::string> argv, std::string metric_label, reply_handler done) {
  asio::post(impl_->strand, [self = shared_from_this(), argv = std::move(argv),
                             label = std::move(metric_label), done = std::move(done)]() mutable {
    self->do_command(argv, std::move(label), std::move(done));
  });
}

void redis_client::command(std::shared_ptr<const std::vector<std::string>> argv, std::string metric_label,
                           reply_handler done) {
  asio::post(impl_->strand, [self = shared_from_this(), argv = std::move(argv),
                             label = std::move(metric_label), done = std::move(done)]() mutable {
    self->do_command(*argv, std::move(label), std::move(done));
  });
}

void redis_client::post(std::function<void()> fn) {
  asio::post(impl_->strand, [fn = std::move(fn)] {
    try {
      fn();
    } catch (const std::exception& e) {
      log::error("redis_callback_threw", {{"error", e.what()}});
    } catch (...) {
      log::error("redis_callback_threw");
    }
  });
}

void redis_client::set_on_connect(std::function<void()> fn) {
  asio::post(impl_->strand, [self = shared_from_this(), fn = std::move(fn)]() mutable {
    self->impl_->on_connect = std::move(fn);
  });
}

void redis_client::set_on_disconnect(std::function<void()> fn) {
  asio::post(impl_->strand, [self = shared_from_this(), fn = std::move(fn)]() mutable {
    self->impl_->on_disconnect = std::move(fn);
  });
}

void redis_client::set_on_message(std::function<void(std::string_view, std::string_view)> fn) {
  asio::post(impl_->strand, [self = shared_from_this(), fn = std::move(fn)]() mutable {
    self->impl_->on_message = std::move(fn);
  });
}

void redis_client::subscribe(std::vector<std::string> channels) {
  subscribe(std::move(channels), {});
}

void redis_client::subscribe(std::vector<std::string> channels, std::function<void()> on_subscribed) {
  asio::post(impl_->strand, [self = shared_from_this(), channels = std::move(channels),
                             fn = std::move(on_subscribed)]() mutable {
    auto& d = *self->impl_;
    std::vector<std::string> fresh;
    for (const auto& ch : channels)
      if (d.channels.insert(ch).second)
        fresh.push_back(ch);
    if (fn) {
      impl::waiter w;
      for (const auto& ch : channels)
        if (d.confirmed.count(ch) == 0)
          w.remaining.insert(ch);
      w.fn = std::move(fn);
      d.waiters.push_back(std::move(w));
    }
    self->send_subscription("SUBSCRIBE", fresh);
    self->settle_subscriptions();
  });
}

void redis_client::unsubscribe(std::vector<std::string> channels) {
  asio::post(impl_->strand, [self = shared_from_this(), channels = std::move(channels)] {
    std::vector<std::string> gone;
    auto& d = *self->impl_;
    for (const auto& ch : channels) {
      if (d.channels.erase(ch) > 0)
        gone.push_back(ch);
      for (auto& w : d.waiters)
        w.remaining.erase(ch);
    }
    self->send_subscription("UNSUBSCRIBE", gone);
    self->settle_subscriptions();
  });
}

// -- commands (strand) ---------------------------------------------------------------

void redis_client::do_command(const std::vector<std::string>& argv, std::string label, reply_handler done) {
  auto fail = [&](redis_reply r) {
    if (metrics_ != nullptr)
      metrics_->redis_errors(label).Increment();
    try {
      done(std::move(r));
    } catch (...) {
      log::error("redis_callback_threw", {{"role", role_}, {"command", label}});
    }
  };
  if (argv.empty()) {
    fail(redis_reply{redis_reply::kind::error, 0, "ERR empty command", {}});
    return;
  }
  auto verb = upper(argv.front());
  if (verb == "SUBSCRIBE" || verb == "UNSUBSCRIBE" || verb == "PSUBSCRIBE" || verb == "PUNSUBSCRIBE"
      || verb == "MONITOR") {
    fail(redis_reply{redis_reply::kind::error, 0, "ERR use redis_client::subscribe()", {}});
    return;
  }
  if (impl_->st != impl::state::up || impl_->ac == nullptr) {
    fail(redis_reply::io_failure("not connected"));
    return;
  }
  if (!send_raw(argv, label, done)) // moves from `label` and `done` only on success
    fail(redis_reply::io_failure("command rejected by hiredis"));
}

bool redis_client::send_raw(const std::vector<std::string>& argv, std::string& label, reply_handler& done) {
  auto& d = *impl_;
  if (d.ac == nullptr)
    return false;
  // hiredis wants two arrays; the usual command (≤ 16 arguments) builds them on the stack.
  constexpr std::size_t on_stack = 16;
  std::array<const char*, on_stack> ptr_buf;
  std::array<size_t, on_stack> len_buf;
  std::vector<const char*> ptr_heap;
  std::vector<size_t> len_heap;
  const char** ptrs = ptr_buf.data();
  size_t* lens = len_buf.data();
  if (argv.size() > on_stack) {
    ptr_heap.resize(argv.size());
    len_heap.resize(argv.size());
    ptrs = ptr_heap.data();
    lens = len_heap.data();
  }
  for (std::size_t i = 0; i < argv.size(); ++i) {
    ptrs[i] = argv[i].data();
    lens[i] = argv[i].size();
  }
  command_series series;
  if (metrics_ != nullptr) {
    auto [it, fresh] = d.series.try_emplace(label);
    if (fresh)
      it->second = command_series{&metrics_->redis_command_duration(label), &metrics_->redis_errors(label)};
    series = it->second;
  }
  const auto now = std::chrono::steady_clock::now();
  auto* p = new pending_command{std::move(done), std::move(label), now, series};
  int rc = redisAsyncCommandArgv(d.ac, &redis_client::reply_cb, p, static_cast<int>(argv.size()), ptrs, lens);
  if (rc != REDIS_OK) {
    done = std::move(p->done); // hand both back so the caller can fail the command
    label = std::move(p->label);
    delete p;
    return false;
  }
  delay_->on_send(now);
  return true;
}

void redis_client::reply_cb(redisAsyncContext* ac, void* reply, void* privdata) {
  std::unique_ptr<pending_command> p{static_cast<pending_command*>(privdata)};
  // Every command's one callback, answered or failed (hiredis also calls it when the connection
  // goes): the meter's count of commands in flight stays exact.
  const auto now = std::chrono::steady_clock::now();
  auto* self = static_cast<redis_client*>(ac->data);
  if (self != nullptr)
    self->delay_->on_reply(now, now - p->start);
  auto r = redis_reply::from_hiredis(static_cast<const redisReply*>(reply));
  // A master turned replica by a failover refuses writes: find the new one (Sentinel only).
  if (self != nullptr && r.is_error() && r.error_starts_with("READONLY"))
    self->on_readonly();
  if (p->series.duration != nullptr) {
    std::chrono::duration<double> took = now - p->start;
    if (!r.is_io_error())
      p->series.duration->Observe(took.count());
    // NOSCRIPT is the expected first answer to EVALSHA (script_runner falls back to EVAL).
    if ((r.is_error() && !r.error_starts_with("NOSCRIPT")) || r.is_io_error())
      p->series.errors->Increment();
  }
  try {
    p->done(std::move(r));
  } catch (const std::exception& e) {
    log::error("redis_callback_threw", {{"command", p->label}, {"error", e.what()}});
  } catch (...) {
    log::error("redis_callback_threw", {{"command", p->label}});
  }
}

// -- Pub/Sub (strand) -------------------------------------------------------------------

void redis_client::send_subscription(const char* verb, const std::vector<std::string>& channels) {
  auto& d = *impl_;
  if (channels.empty() || d.st != impl::state::up || d.ac == nullptr)
    return;
  std::vector<const char*> ptrs{verb};
  std::vector<size_t> lens{std::char_traits<char>::length(verb)};
  for (const auto& ch : channels) {
    ptrs.push_back(ch.data());
    lens.push_back(ch.size());
  }
  redisAsyncCommandArgv(d.ac, &redis_client::pubsub_cb, d.sink.get(), static_cast<int>(ptrs.size()),
                        ptrs.data(), lens.data());
}

void redis_client::pubsub_cb(redisAsyncContext* /*ac*/, void* reply, void* privdata) {
  if (reply == nullptr || privdata == nullptr)
    return; // connection going away; the sink is owned by the client, not freed here
  auto self = static_cast<subscription_sink*>(privdata)->client.lock();
  if (!self)
    return;
  // A published message (the hot path) goes to on_message as views into hiredis's reply: no
  // copy of it; confirmations take the general path.
  const auto* raw = static_cast<const redisReply*>(reply);
  auto is_string = [](const redisReply* e) { return e->type == REDIS_REPLY_STRING; };
  if (raw->type == REDIS_REPLY_ARRAY && raw->elements == 3 && is_string(raw->element[0])
      && std::string_view{raw->element[0]->str, raw->element[0]->len} == "message") {
    if (is_string(raw->element[1]) && is_string(raw->element[2]))
      self->on_published({raw->element[1]->str, raw->element[1]->len}, {raw->element[2]->str, raw->element[2]->len});
    return;
  }
  self->on_pubsub_reply(redis_reply::from_hiredis(raw));
}

void redis_client::on_published(std::string_view channel, std::string_view payload) {
  if (!impl_->on_message)
    return;
  try {
    impl_->on_message(channel, payload);
  } catch (const std::exception& e) {
    log::error("redis_on_message_threw", {{"role", role_}, {"error", e.what()}});
  } catch (...) {
    log::error("redis_on_message_threw", {{"role", role_}});
  }
}

void redis_client::on_pubsub_reply(const redis_reply& r) {
  if (!r.is_array() || r.elements.size() < 3 || !r.elements[0].is_string())
    return;
  const auto& type = r.elements[0].str;
  if (type == "message") {
    on_published(r.elements[1].str, r.elements[2].str);
  } else if (type == "subscribe" || type == "unsubscribe") {
    log::debug("redis_subscription", {{"role", role_}, {"type", type}, {"channel", r.elements[1].str}});
    auto& d = *impl_;
    if (type == "subscribe") {
      d.confirmed.insert(r.elements[1].str);
      for (auto& w : d.waiters)
        w.remaining.erase(r.elements[1].str);
    } else {
      d.confirmed.erase(r.elements[1].str);
    }
    settle_subscriptions();
  }
}

void redis_client::settle_subscriptions() {
  auto& d = *impl_;
  auto guarded = [this](const std::function<void()>& fn, const char* what) {
    try {
      fn();
    } catch (const std::exception& e) {
      log::error(what, {{"role", role_}, {"error", e.what()}});
    } catch (...) {
      log::error(what, {{"role", role_}});
    }
  };
  // Take the ready waiters out first: a callback may subscribe again.
  std::vector<std::function<void()>> ready;
  for (auto it = d.waiters.begin(); it != d.waiters.end();) {
    if (it->remaining.empty()) {
      ready.push_back(std::move(it->fn));
      it = d.waiters.erase(it);
    } else {
      ++it;
    }
  }
  bool connect_due = false;
  if (d.connect_pending && d.st == impl::state::up) {
    connect_due = std::all_of(d.channels.begin(), d.channels.end(),
                              [&d](const std::string& ch) { return d.confirmed.count(ch) > 0; });
    if (connect_due)
      d.connect_pending = false;
  }
  if (connect_due && d.on_connect)
    guarded(d.on_connect, "redis_on_connect_threw");
  for (auto& fn : ready)
    guarded(fn, "redis_on_subscribed_threw");
}

} // namespace chat::storage
