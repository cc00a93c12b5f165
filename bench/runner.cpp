#include "runner.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <stdexcept>

#include "clock.hpp"

namespace bench {

namespace net = boost::asio;
using clk = std::chrono::steady_clock;

Runner::Runner(const Options& opt)
    : opt_(opt),
      setup_(opt),
      sampler_(opt.pids),
      self_sampler_({static_cast<int>(::getpid())}),
      report_(opt),
      deadline_(clk::now() + std::chrono::duration_cast<clk::duration>(std::chrono::duration<double>(opt.max_seconds))) {}

Runner::~Runner() { shutdown(); }

double Runner::seconds_left() const {
  return std::chrono::duration<double>(deadline_ - clk::now()).count();
}

void Runner::sleep_until(clk::time_point t) const { std::this_thread::sleep_until(std::min(t, deadline_)); }

int Runner::run() {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &rl);
  }
  if (opt_.mode == "send" && opt_.warmup_s + opt_.duration_s + opt_.drain_s > seconds_left())
    throw std::runtime_error("--warmup + --duration + --drain exceed --max-seconds");

  for (int i = 0; i < opt_.threads; ++i) {
    loops_.push_back(std::make_unique<net::io_context>(1));
    work_.push_back(net::make_work_guard(*loops_.back()));
  }
  for (auto& loop : loops_) threads_.emplace_back([l = loop.get()] { l->run(); });

  auto t = clk::now();
  std::cerr << "chatbench: registering/logging in " << opt_.users << " users"
            << (opt_.room_size > 0 ? " and joining " + std::to_string(opt_.rooms()) + " rooms" : "") << "\n";
  setup_.run();
  std::cerr << "chatbench: HTTP setup took " << std::chrono::duration<double>(clk::now() - t).count() << " s\n";

  // Connections per room (connection c is user c % users).
  room_conns_.assign(setup_.room_ids.size(), 0);
  for (int c = 0; c < opt_.connections; ++c)
    ++room_conns_[static_cast<std::size_t>(setup_.room_of_user[static_cast<std::size_t>(c % opt_.users)])];

  base_ = sampler_.sample();
  if (opt_.mode == "storm") {
    std::cout << report_.step(storm_step(), stats_) << std::endl;
    shutdown();
    return 0;
  }
  t = clk::now();
  connect_all();
  std::cerr << "chatbench: " << stats_.connected.load() << " connections open ("
            << stats_.connect_failed.load() << " failed) in "
            << std::chrono::duration<double>(clk::now() - t).count() << " s\n";
  if (stats_.connected.load() == 0) throw std::runtime_error("no connection could be opened");
  // Let the presence fan-out (user.connected to everyone) and the server's 500 ms first-frame
  // delay settle: wait for 1 s without any received frame, at most --settle seconds.
  t = clk::now();
  auto settle_end = t + std::chrono::duration_cast<clk::duration>(std::chrono::duration<double>(opt_.settle_s));
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  for (auto last = stats_.frames.load(); clk::now() < settle_end && seconds_left() > 0;) {
    std::this_thread::sleep_for(std::chrono::seconds(1));
    auto now_frames = stats_.frames.load();
    if (now_frames == last) break;
    last = now_frames;
  }
  std::cerr << "chatbench: settled after " << std::chrono::duration<double>(clk::now() - t).count()
            << " s (" << stats_.frames.load() << " frames received so far)\n";

  if (opt_.mode == "idle") {
    std::cout << report_.step(idle_step(), stats_) << std::endl;
  } else if (opt_.mode == "send") {
    auto s = run_step(opt_.rate);
    std::cout << report_.step(s, stats_) << std::endl;
  } else {
    double rate = opt_.rate, best = 0, best_dps = 0, best_p99 = 0;
    int retries_left = opt_.sweep_retries, retried = 0;
    std::string reason = "max-steps";
    for (int step = 0; step < 20; ++step) {
      if (opt_.warmup_s + opt_.duration_s + opt_.drain_s > seconds_left()) {
        reason = "max-seconds";
        break;
      }
      auto s = run_step(rate);
      std::cout << report_.step(s, stats_) << std::endl;
      double p99 = static_cast<double>(stats_.latency.percentile(0.99)) / 1000.0;
      auto expected = stats_.expected.load(), delivered = stats_.delivered.load();
      if (p99 > opt_.p99_limit_ms) {
        if (retries_left > 0) { // the same rate once more: one spike of a noisy machine is no limit
          --retries_left;
          ++retried;
          continue;
        }
        reason = "p99 over limit";
        break;
      }
      if (expected == 0 || static_cast<double>(delivered) < 0.99 * static_cast<double>(expected)) {
        reason = "under 99% of expected deliveries";
        break;
      }
      if (stats_.rate_limited.load() > 0 || stats_.overloaded.load() > 0 || stats_.closed.load() > 0) {
        reason = "errors (rate_limited, overloaded or closed)";
        break;
      }
      best = rate;
      best_dps = static_cast<double>(delivered) / opt_.duration_s;
      best_p99 = p99;
      rate *= opt_.sweep_factor;
      retries_left = opt_.sweep_retries;
    }
    std::cout << Report::sweep_summary(opt_.p99_limit_ms, best, best_dps, best_p99, reason, retried) << std::endl;
  }
  shutdown();
  return 0;
}

void Runner::connect_all() {
  conns_.resize(static_cast<std::size_t>(opt_.connections));
  conn_ok_.assign(static_cast<std::size_t>(opt_.connections), 0);
  int first = std::min(opt_.connect_concurrency, opt_.connections);
  for (int i = 0; i < first; ++i) launch_next();
  while (done_conn_.load() < opt_.connections && seconds_left() > 0)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  if (done_conn_.load() < opt_.connections) throw std::runtime_error("connecting exceeded --max-seconds");
}

void Runner::launch_next() {
  int c = next_conn_.fetch_add(1);
  if (c >= opt_.connections) return;
  const auto& node = opt_.nodes[static_cast<std::size_t>(c) % opt_.nodes.size()];
  const auto& src = opt_.source_addresses[static_cast<std::size_t>(c) % opt_.source_addresses.size()];
  std::optional<net::ip::address> local;
  if (opt_.source_addresses.size() > 1 || src != "127.0.0.1") local = net::ip::make_address(src);
  auto conn = std::make_shared<WsClient>(
      *loops_[static_cast<std::size_t>(c) % loops_.size()], stats_, net::ip::tcp::endpoint(net::ip::make_address(node.host), node.port), local,
      setup_.tokens[static_cast<std::size_t>(c % opt_.users)], opt_.ws_path(), first_frames(c % opt_.users),
      [this, c](bool ok) {
        conn_ok_[static_cast<std::size_t>(c)] = ok ? 1 : 0;
        (ok ? stats_.connected : stats_.connect_failed).fetch_add(1);
        // Storm: a sender starts as soon as its connection is open (on the connection's loop).
        if (ok && !storm_sender_.empty() && storm_sender_[static_cast<std::size_t>(c)] >= 0)
          start_sender(storm_sender_[static_cast<std::size_t>(c)], static_cast<std::size_t>(c), storm_period_);
        done_conn_.fetch_add(1);
        launch_next();
      });
  conns_[static_cast<std::size_t>(c)] = conn;
  conn->start();
}

Report::Step Runner::run_step(double rate) {
  // New window first (it starts in the future), then reset: late deliveries of an earlier step
  // are outside the window and never counted.
  const auto warm = std::chrono::duration_cast<clk::duration>(std::chrono::duration<double>(opt_.warmup_s));
  const auto dur = std::chrono::duration_cast<clk::duration>(std::chrono::duration<double>(opt_.duration_s));
  const auto start = clk::now();
  const std::int64_t t0 = now_ns();
  stats_.window_start_ns = t0 + std::chrono::duration_cast<std::chrono::nanoseconds>(warm).count();
  stats_.window_end_ns = stats_.window_start_ns.load() + std::chrono::duration_cast<std::chrono::nanoseconds>(dur).count();
  stats_.reset_step();
  stats_.sending = true;

  {
    std::lock_guard<std::mutex> lk(senders_mu_);
    senders_.clear();
  }
  const int n = opt_.senders;
  const auto period = std::chrono::nanoseconds(static_cast<std::int64_t>(1e9 * n / rate));
  for (int k = 0; k < n; ++k) {
    auto c = sender_connection(k, n);
    if (conn_ok_[c]) start_sender(k, c, period);
  }
  std::cerr << "chatbench: step rate " << rate << " msg/s, " << senders_.size() << " senders\n";

  sleep_until(start + warm);
  auto a = sampler_.sample();
  auto self_a = self_sampler_.sample().front();
  auto ta = clk::now();
  sleep_until(start + warm + dur);
  auto b = sampler_.sample();
  double wall = std::chrono::duration<double>(clk::now() - ta).count();
  double own_cpu = own_cpu_percent(self_a, wall);
  stats_.sending = false;
  {
    std::lock_guard<std::mutex> lk(senders_mu_);
    for (auto& s : senders_) s->stop();
  }

  auto drain_end = clk::now() + std::chrono::duration_cast<clk::duration>(std::chrono::duration<double>(opt_.drain_s));
  while (clk::now() < drain_end && seconds_left() > 0 &&
         (stats_.delivered.load() < stats_.expected.load() || stats_.acked.load() < stats_.sent.load()))
    std::this_thread::sleep_for(std::chrono::milliseconds(20));

  Report::Step step;
  step.target_rate = rate;
  step.duration_s = opt_.duration_s;
  step.connections_open = stats_.connected.load();
  step.bench_cpu_percent = own_cpu;
  step.servers = servers(a, b, wall);
  presence_summary(step);
  return step;
}

std::size_t Runner::sender_connection(int k, int n) const {
  // Evenly spread, and alternating over the nodes (connection c is on node c % nodes).
  return static_cast<std::size_t>(std::min<std::int64_t>(
      (static_cast<std::int64_t>(k) * opt_.connections) / n + k % static_cast<int>(opt_.nodes.size()),
      opt_.connections - 1));
}

void Runner::start_sender(int k, std::size_t c, std::chrono::nanoseconds period) {
  int room = setup_.room_of_user[c % static_cast<std::size_t>(opt_.users)];
  auto s = std::make_shared<Sender>(conns_[c], stats_, k, setup_.room_ids[static_cast<std::size_t>(room)],
                                    room_conns_[static_cast<std::size_t>(room)], period,
                                    std::chrono::nanoseconds(period.count() * k / std::max(opt_.senders, 1)),
                                    opt_.text_bytes);
  {
    std::lock_guard<std::mutex> lk(senders_mu_);
    senders_.push_back(s);
  }
  s->start();
}

std::vector<std::string> Runner::first_frames(int user) const {
  if (opt_.socketio) return {"40"};  // Socket.IO CONNECT (main namespace): the node then follows the rooms
  if (opt_.presence_watch < 0) return {};
  // The web client: `resume` first (here: no cursor), then the users it shows presence for.
  std::string watch = "{\"type\":\"presence.watch\",\"users\":[";
  for (int k = 1; k <= opt_.presence_watch && k < opt_.users; ++k) {
    if (k > 1) watch += ',';
    watch += '"' + setup_.user_ids[static_cast<std::size_t>((user + k) % opt_.users)] + '"';
  }
  watch += "],\"clientId\":\"presence\"}";
  return {"{\"type\":\"resume\",\"rooms\":{}}", std::move(watch)};
}

void Runner::presence_summary(Report::Step& step) const {
  step.presence_events = stats_.presence_events.load();
  std::uint64_t most = 0;
  for (auto& c : conns_)
    if (c) most = std::max<std::uint64_t>(most, c->presence_events());
  step.presence_max_per_connection = most;
  auto open = stats_.connected.load();
  step.presence_per_connection = open > 0 ? static_cast<double>(step.presence_events) / static_cast<double>(open) : 0;
}

Report::Step Runner::storm_step() {
  // Everything is measured from the first connection on: senders start as their connections
  // open, while the others connect (and announce their presence), then --duration s more.
  const int n = opt_.senders;
  storm_period_ = std::chrono::nanoseconds(static_cast<std::int64_t>(1e9 * std::max(n, 1) / opt_.rate));
  storm_sender_.assign(static_cast<std::size_t>(opt_.connections), -1);
  for (int k = 0; k < n; ++k) storm_sender_[sender_connection(k, n)] = k;
  stats_.window_start_ns = now_ns();
  stats_.window_end_ns = INT64_MAX;
  stats_.reset_step();
  stats_.sending = true;
  auto a = sampler_.sample();
  auto self_a = self_sampler_.sample().front();
  const auto ta = clk::now();
  connect_all();
  stats_.connected_all_ns = now_ns();
  const double connect_s = std::chrono::duration<double>(clk::now() - ta).count();
  std::size_t sending = 0;
  {
    std::lock_guard<std::mutex> lk(senders_mu_);
    sending = senders_.size();
  }
  std::cerr << "chatbench: storm: " << stats_.connected.load() << " connections open ("
            << stats_.connect_failed.load() << " failed) in " << connect_s << " s, " << sending
            << " senders sending; " << stats_.presence_events.load() << " presence events so far\n";
  sleep_until(clk::now() + std::chrono::duration_cast<clk::duration>(std::chrono::duration<double>(opt_.duration_s)));
  stats_.window_end_ns = now_ns();
  auto b = sampler_.sample();
  const double wall = std::chrono::duration<double>(clk::now() - ta).count();
  const double own_cpu = own_cpu_percent(self_a, wall);
  stats_.sending = false;
  {
    std::lock_guard<std::mutex> lk(senders_mu_);
    for (auto& s : senders_) s->stop();
  }
  auto drain_end = clk::now() + std::chrono::duration_cast<clk::duration>(std::chrono::duration<double>(opt_.drain_s));
  while (clk::now() < drain_end && seconds_left() > 0 && stats_.acked.load() < stats_.sent.load())
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // deliveries trail the acks a little

  Report::Step step;
  step.target_rate = opt_.rate;
  step.duration_s = wall;
  step.connect_s = connect_s;
  step.connections_open = stats_.connected.load();
  step.bench_cpu_percent = own_cpu;
  step.servers = servers(a, b, wall);
  presence_summary(step);
  return step;
}

Report::Step Runner::idle_step() {
  auto a = sampler_.sample();
  auto self_a = self_sampler_.sample().front();
  auto ta = clk::now();
  sleep_until(ta + std::chrono::duration_cast<clk::duration>(std::chrono::duration<double>(opt_.duration_s)));
  auto b = sampler_.sample();
  Report::Step step;
  step.bench_cpu_percent = own_cpu_percent(self_a, std::chrono::duration<double>(clk::now() - ta).count());
  step.duration_s = opt_.duration_s;
  step.connections_open = stats_.connected.load();
  step.servers = servers(a, b, std::chrono::duration<double>(clk::now() - ta).count());
  presence_summary(step);
  return step;
}

double Runner::own_cpu_percent(const ProcSampler::Sample& a, double wall_s) const {
  auto b = self_sampler_.sample().front();
  if (!a.ok || !b.ok || wall_s <= 0) return -1;
  return 100.0 * (b.cpu_seconds - a.cpu_seconds) / wall_s;
}

std::vector<Report::Server> Runner::servers(const std::vector<ProcSampler::Sample>& a,
                                            const std::vector<ProcSampler::Sample>& b, double wall_s) const {
  // Open connections per node index (connection c went to node c % nodes).
  std::vector<double> per_node(opt_.nodes.size(), 0);
  for (std::size_t c = 0; c < conn_ok_.size(); ++c)
    if (conn_ok_[c]) per_node[c % opt_.nodes.size()] += 1;
  const bool mapped = opt_.pids.size() == opt_.nodes.size();
  std::vector<Report::Server> out;
  for (std::size_t i = 0; i < b.size(); ++i) {
    Report::Server s;
    s.pid = b[i].pid;
    s.rss_kb = b[i].rss_kb;
    if (i < a.size() && a[i].ok && b[i].ok && wall_s > 0)
      s.cpu_percent = 100.0 * (b[i].cpu_seconds - a[i].cpu_seconds) / wall_s;
    double conns = mapped ? per_node[i] : static_cast<double>(stats_.connected.load()) / static_cast<double>(b.size());
    if (i < base_.size() && conns > 0)
      s.rss_per_connection_kb = static_cast<double>(b[i].rss_kb - base_[i].rss_kb) / conns;
    out.push_back(s);
  }
  return out;
}

void Runner::shutdown() {
  if (threads_.empty()) return;
  stats_.stopping = true;
  stats_.sending = false;
  {
    std::lock_guard<std::mutex> lk(senders_mu_);
    for (auto& s : senders_) s->stop();
  }
  for (auto& c : conns_)
    if (c) c->close();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  for (auto& w : work_) w.reset();
  for (auto& l : loops_) l->stop();
  for (auto& t : threads_) t.join();
  threads_.clear();
  senders_.clear();
  conns_.clear();
}

}  // namespace bench
