#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace bench {

struct Endpoint {
  std::string host;
  std::uint16_t port = 0;
};

// Command-line options of chatbench (see --help).
class Options {
 public:
  // Parses argv; on --help prints usage and sets help=true. Throws std::runtime_error on bad input.
  void parse(int argc, char** argv);
  static std::string usage();

  bool help = false;
  std::vector<Endpoint> nodes{{"127.0.0.1", 8080}};
  int users = 100;
  int connections = 100;
  int room_size = 10;  // 0 = everyone in General
  int senders = 10;
  double rate = 100;  // total messages per second across senders
  double duration_s = 10;
  double warmup_s = 2;
  double drain_s = 3;
  double settle_s = 30;  // max wait for a quiet second after connecting
  std::vector<std::string> source_addresses{"127.0.0.1"};
  std::string mode = "send";
  double p99_limit_ms = 100;
  double sweep_factor = 2;  // sweep: next rate = rate * factor
  int sweep_retries = 0;    // sweep: attempts more at a rate whose p99 is over the limit
  std::vector<int> pids;
  std::string password = "benchpass123";
  std::string prefix = "bench";
  double max_seconds = 120;
  int threads = 2;
  int http_concurrency = 16;
  int connect_concurrency = 200;
  bool batch = true;  // /ws?batch=1: several events per WebSocket message
  bool socketio = false;  // /socket.io/ (Engine.IO v4 over WebSocket, Socket.IO v5 events) instead of /ws
  int text_bytes = 0;  // about this many characters of words after the stamp (0: the stamp alone)
  // >= 0: the web client's presence protocol: /ws?presence=watch, then `resume` and a
  // presence.watch of this many "DM partners" (the next users) as the first frames. -1: neither.
  int presence_watch = -1;

  // The connection path (batch mode, presence protocol).
  std::string ws_path() const;

  int rooms() const { return room_size <= 0 ? 1 : (users + room_size - 1) / room_size; }
};

}  // namespace bench
