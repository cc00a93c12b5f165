#pragma once
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "http_setup.hpp"
#include "options.hpp"
#include "proc_sampler.hpp"
#include "report.hpp"
#include "sender.hpp"
#include "stats.hpp"
#include "ws_client.hpp"

namespace bench {

// Drives one chatbench run: HTTP setup, connections (bounded handshakes in flight), then the
// mode (send: one step; sweep: doubling steps; idle: wait and sample), then closes everything.
class Runner {
 public:
  explicit Runner(const Options& opt);
  ~Runner();
  int run();

 private:
  void connect_all();
  void launch_next();
  Report::Step run_step(double rate);
  Report::Step idle_step();
  std::vector<Report::Server> servers(const std::vector<ProcSampler::Sample>& a,
                                      const std::vector<ProcSampler::Sample>& b, double wall_s) const;
  double own_cpu_percent(const ProcSampler::Sample& a, double wall_s) const;
  void sleep_until(std::chrono::steady_clock::time_point t) const;
  double seconds_left() const;
  void shutdown();

  const Options& opt_;
  /// One event loop per thread, connection c on loop c % threads: a connection's handlers never
  /// hand over between threads (no wake-up and context switch per frame, as with one shared loop).
  std::vector<std::unique_ptr<boost::asio::io_context>> loops_;
  std::vector<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::vector<std::thread> threads_;
  Stats stats_;
  HttpSetup setup_;
  ProcSampler sampler_;
  ProcSampler self_sampler_;  // chatbench itself: it shares the machine with what it measures
  Report report_;
  std::chrono::steady_clock::time_point deadline_;

  std::vector<std::shared_ptr<WsClient>> conns_;
  std::vector<char> conn_ok_;
  std::atomic<int> next_conn_{0};
  std::atomic<int> done_conn_{0};
  std::vector<std::uint64_t> room_conns_;
  std::vector<ProcSampler::Sample> base_;
  std::vector<std::shared_ptr<Sender>> senders_;
};

}  // namespace bench
