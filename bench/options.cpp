#include "options.hpp"

#include <boost/asio/ip/address.hpp>

#include <sstream>
#include <stdexcept>

namespace bench {
namespace {

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

void require_loopback(const std::string& host, const char* what) {
  boost::system::error_code ec;
  auto a = boost::asio::ip::make_address(host, ec);
  if (ec || !a.is_v4() || (a.to_v4().to_uint() >> 24) != 127)
    throw std::runtime_error(std::string(what) + " must be an IPv4 address in 127.0.0.0/8 (loopback only): " + host);
}

int to_int(const std::string& name, const std::string& v, int lo, int hi) {
  std::size_t pos = 0;
  long x = 0;
  try {
    x = std::stol(v, &pos);
  } catch (...) {
    pos = 0;
  }
  if (pos != v.size() || v.empty() || x < lo || x > hi)
    throw std::runtime_error("--" + name + ": expected an integer in " + std::to_string(lo) + ".." +
                             std::to_string(hi) + ", got '" + v + "'");
  return static_cast<int>(x);
}

double to_double(const std::string& name, const std::string& v, double lo, double hi) {
  std::size_t pos = 0;
  double x = 0;
  try {
    x = std::stod(v, &pos);
  } catch (...) {
    pos = 0;
  }
  if (pos != v.size() || v.empty() || !(x >= lo && x <= hi))
    throw std::runtime_error("--" + name + ": expected a number in " + std::to_string(lo) + ".." +
                             std::to_string(hi) + ", got '" + v + "'");
  return x;
}

}  // namespace

std::string Options::usage() {
  return R"(Usage: chatbench [OPTIONS]

Load generator for chatnode (loopback only). Registers (or logs in) users over HTTP, creates and
joins rooms, opens WebSocket connections and sends paced messages carrying their send time; prints
one JSON object per result on stdout (progress on stderr).

  --nodes HOST:PORT,...        client ports of the nodes; connections round-robin (127.0.0.1:8080)
  --users N                    bench users <prefix>-<i> (100)
  --connections N              total WebSocket connections; connection c is user c % users (100)
  --room-size N                members per room, rooms are channels joined over HTTP; 0 = General (10)
  --general                    same as --room-size 0
  --no-batch                   connect to /ws instead of /ws?batch=1 (one event per WebSocket message)
  --socketio                   connect to /socket.io/?EIO=4&transport=websocket as a Socket.IO
                               client (the tutorial's events; one Engine.IO packet per event)
  --presence-watch N           the web client's presence protocol: /ws?presence=watch, then `resume`
                               and a presence.watch of N partners (users u+1..u+N) as first frames
  --senders N                  sending connections, spread evenly over the connections (10)
  --rate MSGS_PER_S            total send rate across senders, timer paced (100)
  --duration S                 measured seconds per step (10); idle: seconds to wait before sampling
  --warmup S                   seconds of sending before measuring (2)
  --drain S                    max seconds to wait for in-flight deliveries after a step (3)
  --settle S                   after connecting, wait for a second without received frames (presence
                               fan-out), at most S seconds (30)
  --source-addresses A,B,...   local addresses to bind, round-robin (127.0.0.1)
  --mode send|idle|sweep|storm (send) sweep doubles the rate from --rate until p99 > --p99-limit-ms;
                               storm: senders start as their connections open and everything from the
                               first connection until --duration s after the last is measured (no
                               settle); reports connect time and presence frames per connection
  --p99-limit-ms MS            sweep limit (100)
  --sweep-factor F             sweep: each step's rate is the previous one times F (2; 1.05..10)
  --sweep-retries N            sweep: a step over the p99 limit runs again up to N times before the
                               sweep stops (0; 0..5); every attempt is printed
  --pids PID,...               server processes to sample (CPU%, RSS); i-th pid = i-th node
  --password P                 password of the bench users (benchpass123)
  --prefix P                   username prefix; users are reused across runs (bench)
  --threads N                  threads, one event loop each; connections spread over them (2)
  --http-concurrency N         HTTP requests in flight during setup (16)
  --connect-concurrency N      WebSocket handshakes in flight (200)
  --text-bytes N               about N characters of words after each message's stamp (0: the
                               sender/sequence/time stamp alone, ~25 characters)
  --max-seconds S              hard bound on the whole run (120)
  --help                       this text
)";
}

void Options::parse(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      help = true;
      return;
    }
    if (arg == "--general") {
      room_size = 0;
      continue;
    }
    if (arg == "--socketio") {
      socketio = true;
      continue;
    }
    if (arg == "--no-batch") {
      batch = false;
      continue;
    }
    if (arg.rfind("--", 0) != 0) throw std::runtime_error("unexpected argument: " + arg);
    std::string name = arg.substr(2), value;
    auto eq = name.find('=');
    if (eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    } else {
      if (i + 1 >= argc) throw std::runtime_error("--" + name + " needs a value");
      value = argv[++i];
    }
    if (name == "nodes") {
      nodes.clear();
      for (auto& n : split(value)) {
        auto c = n.rfind(':');
        if (c == std::string::npos) throw std::runtime_error("--nodes: expected host:port, got " + n);
        Endpoint e{n.substr(0, c), static_cast<std::uint16_t>(to_int(name, n.substr(c + 1), 1, 65535))};
        if (e.host == "localhost") e.host = "127.0.0.1";
        require_loopback(e.host, "--nodes host");
        nodes.push_back(e);
      }
      if (nodes.empty()) throw std::runtime_error("--nodes: empty");
    } else if (name == "users") users = to_int(name, value, 1, 1000000);
    else if (name == "connections") connections = to_int(name, value, 1, 1000000);
    else if (name == "room-size") room_size = to_int(name, value, 0, 1000000);
    else if (name == "senders") senders = to_int(name, value, 0, 1000000);
    else if (name == "rate") rate = to_double(name, value, 0.001, 1e7);
    else if (name == "duration") duration_s = to_double(name, value, 0.1, 86400);
    else if (name == "warmup") warmup_s = to_double(name, value, 0, 3600);
    else if (name == "drain") drain_s = to_double(name, value, 0, 600);
    else if (name == "settle") settle_s = to_double(name, value, 0, 600);
    else if (name == "source-addresses") {
      source_addresses = split(value);
      for (auto& a : source_addresses) require_loopback(a, "--source-addresses");
      if (source_addresses.empty()) throw std::runtime_error("--source-addresses: empty");
    } else if (name == "mode") {
      if (value != "send" && value != "idle" && value != "sweep" && value != "storm")
        throw std::runtime_error("--mode: expected send, idle, sweep or storm");
      mode = value;
    } else if (name == "p99-limit-ms") p99_limit_ms = to_double(name, value, 0.001, 1e6);
    else if (name == "sweep-factor") sweep_factor = to_double(name, value, 1.05, 10);
    else if (name == "sweep-retries") sweep_retries = to_int(name, value, 0, 5);
    else if (name == "pids") {
      pids.clear();
      for (auto& p : split(value)) pids.push_back(to_int(name, p, 1, 1 << 30));
    } else if (name == "password") password = value;
    else if (name == "prefix") prefix = value;
    else if (name == "threads") threads = to_int(name, value, 1, 64);
    else if (name == "http-concurrency") http_concurrency = to_int(name, value, 1, 256);
    else if (name == "connect-concurrency") connect_concurrency = to_int(name, value, 1, 10000);
    else if (name == "max-seconds") max_seconds = to_double(name, value, 1, 86400);
    else if (name == "presence-watch") presence_watch = to_int(name, value, 0, 500);
    else if (name == "text-bytes") text_bytes = to_int(name, value, 0, 4000);
    else throw std::runtime_error("unknown option --" + name + " (see --help)");
  }
  if (senders > connections) throw std::runtime_error("--senders must be <= --connections");
  if (password.size() < 8) throw std::runtime_error("--password: 8..72 bytes");
  if (socketio && presence_watch >= 0) throw std::runtime_error("--socketio: no --presence-watch (the tutorial's protocol has none)");
}

std::string Options::ws_path() const {
  if (socketio) return "/socket.io/?EIO=4&transport=websocket";
  std::string path = batch ? "/ws?batch=1" : "/ws";
  if (presence_watch >= 0) path += batch ? "&presence=watch" : "?presence=watch";
  return path;
}

}  // namespace bench
