#pragma once
// A private redis-server for unit tests of Lua scripts: started on a free loopback port, with a
// command client on its own I/O thread and a chat store over it. start() is false (the test skips)
// when redis-server is not installed. The server dies with the test process however that ends
// (PR_SET_PDEATHSIG) and never holds the test's stdout/stderr: a crashed test must not leave a
// redis-server behind that keeps ctest waiting on its output pipe.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "caf/test/unit_test.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "storage/chat_store.hpp"
#include "storage/redis_client.hpp"
#include "storage/redis_url.hpp"

namespace chat::test {

using namespace chat::storage;
using namespace std::chrono_literals;

inline int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    if (fd >= 0)
      ::close(fd);
    return 0;
  }
  ::close(fd);
  return ntohs(a.sin_port);
}

inline bool have_redis_server() {
  return ::access("/usr/bin/redis-server", X_OK) == 0 || ::access("/usr/local/bin/redis-server", X_OK) == 0;
}

/// A private redis-server, a command client on an I/O thread and a chat store over it.
struct redis_fixture {
  int port = free_port();
  pid_t pid = -1;
  boost::asio::io_context ioc;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work;
  std::thread io;
  std::shared_ptr<redis_client> redis;
  std::unique_ptr<chat_store> store;

  bool start() {
    if (!have_redis_server() || port == 0)
      return false;
    auto p = std::to_string(port);
    const pid_t parent = ::getpid();
    pid = ::fork();
    if (pid == 0) { // only async-signal-safe calls until exec
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent)
        ::_exit(127); // the test died before the prctl
      int null_fd = ::open("/dev/null", O_RDWR);
      if (null_fd >= 0) {
        ::dup2(null_fd, STDIN_FILENO);
        ::dup2(null_fd, STDOUT_FILENO);
        ::dup2(null_fd, STDERR_FILENO);
      }
      for (int fd = 3; fd < 1024; ++fd)
        ::close(fd);
      ::execlp("redis-server", "redis-server", "--port", p.c_str(), "--bind", "127.0.0.1", "--save", "",
               "--appendonly", "no", "--loglevel", "warning", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    if (pid < 0)
      return false;
    work.emplace(ioc.get_executor());
    io = std::thread{[this] { ioc.run(); }};
    redis_endpoint ep;
    ep.port = static_cast<std::uint16_t>(port);
    redis = redis_client::create(ioc, ep, nullptr, "command");
    auto up = std::make_shared<std::promise<void>>();
    redis->set_on_connect([up] {
      try {
        up->set_value();
      } catch (...) { // a reconnect: already set
      }
    });
    redis->start();
    if (up->get_future().wait_for(10s) != std::future_status::ready)
      return false;
    store_options opts;
    opts.server_id = "node-a";
    store = std::make_unique<chat_store>(redis, opts);
    return true;
  }

  ~redis_fixture() {
    store.reset();
    if (redis)
      redis->stop();
    work.reset();
    if (io.joinable())
      io.join();
    if (pid > 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
  }

  /// Runs one store call and waits for its answer (bounded).
  template <class T, class Call>
  std::pair<errc, T> wait(Call call) {
    auto p = std::make_shared<std::promise<std::pair<errc, T>>>();
    auto f = p->get_future();
    call([p](errc e, T v) { p->set_value({e, std::move(v)}); });
    if (f.wait_for(10s) != std::future_status::ready)
      CAF_FAIL("no answer from Redis");
    return f.get();
  }

  redis_reply raw(std::vector<std::string> argv) {
    auto p = std::make_shared<std::promise<redis_reply>>();
    auto f = p->get_future();
    redis->command(std::move(argv), [p](redis_reply r) { p->set_value(std::move(r)); });
    if (f.wait_for(10s) != std::future_status::ready)
      CAF_FAIL("no answer from Redis");
    return f.get();
  }

  ai_start_request start_req(std::string room, std::string user, std::int64_t per_hour = 0,
                             std::chrono::milliseconds lease = 6000ms) {
    ai_start_request r;
    r.room_id = std::move(room);
    r.user_id = std::move(user);
    r.bot_id = "1";
    r.owner = "node-a";
    r.lease = lease;
    r.per_hour = per_hour;
    return r;
  }

  ai_append_request append_req(std::string room, std::int64_t id, std::string text, std::string owner = "node-a") {
    ai_append_request r;
    r.room_id = std::move(room);
    r.id = id;
    r.owner = std::move(owner);
    r.delta_data = R"({"roomId":")" + r.room_id + R"(","id":)" + std::to_string(id) + R"(,"offset":0,"text":"x"})";
    r.text = std::move(text);
    return r;
  }
};

} // namespace chat::test
