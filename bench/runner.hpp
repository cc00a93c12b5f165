#pragma once
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
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
// mode (send: one step; sweep: doubling steps; idle: wait and sample; storm: connect while
// sending, measured from the first connection), then closes everything.
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
  Report::Step storm_step();
  // The connection of sender k of n (spread evenly, alternating over the nodes).
  std::size_t sender_connection(int k, int n) const;
  // Starts sender k on connection c (any thread; the storm starts them as connections open).
  void start_sender(int k, std::size_t c, std::chrono::nanoseconds period);
  // The frames a connection sends first (the web client's resume and presence.watch), if any.
  std::vector<std::string> first_frames(int user) const;
  void presence_summary(Report::Step& step) const;
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
  std::mutex senders_mu_;
  std::vector<std::shared_ptr<Sender>> senders_;
  std::vector<int> storm_sender_;  // storm: connection -> its sender index, -1 for none
  std::chrono::nanoseconds storm_period_{0};
};

}  // namespace bench
